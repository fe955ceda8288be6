#!/usr/bin/env python3
"""Golden latents of a tiny random-weight diffusers AutoencoderKL encoder (diffusers 0.42.1,
torch 2.13 CPU): block_out_channels (8, 16), 1 layer per block, 4 latent channels, 4 groups.
Saves the encoder and quant_conv weights (diffusers key names), an image and
latent_dist.mean / logvar. Writes Tests/Fixtures/vae/. Seed pinned.
"""
import os

import torch
from diffusers import AutoencoderKL
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "vae")
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(9)
vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
                    up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(8, 16), layers_per_block=1,
                    latent_channels=4, norm_num_groups=4, sample_size=16).eval()
with torch.no_grad():
    for name, p in vae.named_parameters():
        if "norm" in name:
            p.add_(torch.randn_like(p) * 0.1)
state = {k: v.contiguous().clone() for k, v in vae.state_dict().items() if k.startswith(("encoder.", "quant_conv."))}
save_file(state, os.path.join(ROOT, "tiny_vae_encoder.safetensors"))
image = torch.rand(2, 3, 16, 16) * 2 - 1
with torch.no_grad():
    dist = vae.encode(image).latent_dist
save_file({"image": image, "mean": dist.mean.contiguous(), "logvar": dist.logvar.contiguous()}, os.path.join(ROOT, "tiny_vae_encoder_io.safetensors"))
print(len(state), "tensors; latent", tuple(dist.mean.shape))
