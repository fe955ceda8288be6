#!/usr/bin/env python3
"""Golden outputs of diffusers 0.42.1's SpatioTemporalResBlock (32 -> 64 channels, 3 frames, the
learned alpha mix, one image-only frame) and TimestepEmbedding, random weights with randomised
norms and mix factor (torch 2.13 CPU). Writes Tests/Fixtures/unet/blocks.safetensors (weights) and blocks_io.safetensors. Seed pinned.
"""
import os

import torch
from diffusers.models.embeddings import TimestepEmbedding
from diffusers.models.resnet import SpatioTemporalResBlock
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "unet")
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(21)
block = SpatioTemporalResBlock(in_channels=32, out_channels=64, temb_channels=16, eps=1e-6).eval()
temb_mlp = TimestepEmbedding(8, 16).eval()
with torch.no_grad():
    for name, p in block.named_parameters():
        if "norm" in name:
            p.add_(torch.randn_like(p) * 0.1)
    block.time_mixer.mix_factor.fill_(0.3)
weights = {f"block.{k}": v.contiguous().clone() for k, v in block.state_dict().items()}
weights.update({f"temb.{k}": v.contiguous().clone() for k, v in temb_mlp.state_dict().items()})
save_file(weights, os.path.join(ROOT, "blocks.safetensors"))
out = {}
x, temb, sinus = torch.randn(2 * 3, 32, 4, 4), torch.randn(2 * 3, 16), torch.randn(5, 8)
image_only = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
with torch.no_grad():
    out["x"], out["temb"], out["image_only"], out["sinus"] = x, temb, image_only, sinus
    out["block_out"] = block(x, temb, image_only_indicator=image_only)
    out["temb_out"] = temb_mlp(sinus)
save_file(out, os.path.join(ROOT, "blocks_io.safetensors"))
print(len(weights), "weights")

# TransformerSpatioTemporalModel: 32 channels, 1 head x 32 (heads x head_dim must equal the channels,
# as the frame embedding of in_channels width is added to the inner width), context 24, 3 frames,
# one image-only frame.
from diffusers.models.transformers.transformer_temporal import TransformerSpatioTemporalModel

torch.manual_seed(22)
tr = TransformerSpatioTemporalModel(num_attention_heads=1, attention_head_dim=32, in_channels=32, num_layers=1,
                                    cross_attention_dim=24).eval()
with torch.no_grad():
    for name, p in tr.named_parameters():
        if "norm" in name:
            p.add_(torch.randn_like(p) * 0.1)
    tr.time_mixer.mix_factor.fill_(-0.4)
save_file({k: v.contiguous().clone() for k, v in tr.state_dict().items()}, os.path.join(ROOT, "transformer.safetensors"))
x, ctx = torch.randn(2 * 3, 32, 3, 2), torch.randn(2 * 3, 2, 24)
with torch.no_grad():
    y = tr(x, encoder_hidden_states=ctx, image_only_indicator=image_only, return_dict=False)[0]
save_file({"x": x, "context": ctx, "image_only": image_only.clone(), "out": y}, os.path.join(ROOT, "transformer_io.safetensors"))
print("transformer", tuple(y.shape))
