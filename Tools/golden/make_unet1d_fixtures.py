#!/usr/bin/env python3
"""Reference outputs of the latent prior's 1D UNet (Sources/Models/UNet1D), built independently in
PyTorch from nn.Conv2d with (1, 3) kernels, nn.GroupNorm and diffusers' get_timestep_embedding,
with seeded random weights at a tiny size: the denoiser's output, and the gradients of a weighted sum
of it with respect to the input and every parameter. Needs torch, diffusers, safetensors.
Writes Tests/Fixtures/prior/{unet1d_weights,unet1d_io}.safetensors and unet1d_config.json.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from diffusers.models.embeddings import get_timestep_embedding
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "prior")
torch.manual_seed(3)
C = dict(length=16, channels=[4, 8], groups=2, embedding=8, condition=5)


def conv(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, (1, 3), stride=(1, stride), padding=(0, 1))


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = nn.GroupNorm(C["groups"], cin)
        self.conv1 = conv(cin, cout)
        self.time_emb_proj = nn.Linear(C["embedding"], cout)
        self.norm2 = nn.GroupNorm(C["groups"], cout)
        self.conv2 = conv(cout, cout)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x))) + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class TimeEmbedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = nn.Linear(C["channels"][0], C["embedding"])
        self.linear_2 = nn.Linear(C["embedding"], C["embedding"])

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class UNet1D(nn.Module):
    def __init__(self):
        super().__init__()
        ch = C["channels"]
        self.time_embedding = TimeEmbedding()
        self.condition_embedding = nn.Linear(C["condition"], C["embedding"])
        self.conv_in = conv(1, ch[0])
        self.down = nn.ModuleList([Block(ch[0] if l == 0 else ch[l - 1], ch[l]) for l in range(len(ch))])
        self.downsample = nn.ModuleList([conv(ch[l], ch[l], 2) for l in range(len(ch) - 1)])
        self.middle = nn.ModuleList([Block(ch[-1], ch[-1]) for _ in range(2)])
        self.upsample = nn.ModuleList([conv(ch[l + 1], ch[l]) for l in range(len(ch) - 1)])
        self.up = nn.ModuleList([Block(2 * ch[l], ch[l]) for l in range(len(ch))])
        self.norm_out = nn.GroupNorm(C["groups"], ch[0])
        self.conv_out = conv(ch[0], 1)

    def forward(self, x, t, cond):
        emb = self.time_embedding(get_timestep_embedding(t, C["channels"][0], flip_sin_to_cos=True, downscale_freq_shift=0))
        emb = emb + self.condition_embedding(cond)
        h = self.conv_in(x[:, None, None, :])
        skips = []
        for l, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if l < len(self.downsample):
                h = self.downsample[l](h)
        for block in self.middle:
            h = block(h, emb)
        for l in reversed(range(len(self.up))):
            if l < len(self.upsample):
                h = self.upsample[l](F.interpolate(h, scale_factor=(1, 2), mode="nearest"))
            h = self.up[l](torch.cat([h, skips[l]], 1), emb)
        return self.conv_out(F.silu(self.norm_out(h)))[:, 0, 0, :]


model = UNet1D()
with torch.no_grad():  # non-trivial norms
    for name, p in model.named_parameters():
        if "norm" in name:
            p.add_(torch.randn_like(p) * 0.3)
x = torch.randn(2, C["length"], requires_grad=True)
t = torch.tensor([17.0, 640.0])
cond = torch.randn(2, C["condition"])
out = model(x, t, cond)
r = torch.randn_like(out)
(out * r).sum().backward()
os.makedirs(ROOT, exist_ok=True)
save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, os.path.join(ROOT, "unet1d_weights.safetensors"))
io = {"x": x.detach(), "timesteps": t, "condition": cond, "out": out.detach(), "r": r, "grad.x": x.grad}
io.update({f"grad.{k}": p.grad for k, p in model.named_parameters()})
save_file({k: v.contiguous().float() for k, v in io.items()}, os.path.join(ROOT, "unet1d_io.safetensors"))
with open(os.path.join(ROOT, "unet1d_config.json"), "w") as f:
    json.dump(C, f, indent=2, sort_keys=True)
print("out", out.detach()[0, :4])
