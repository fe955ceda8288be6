#!/usr/bin/env python3
"""Golden output of a tiny diffusers 0.42.1 UNetSpatioTemporalConditionModel (2 levels: 32 and 64
channels, 1 and 2 heads, one layer per block, context 24, three added time ids of width 8, 3
frames), random F16-rounded weights with randomised norms and mix factors (torch 2.13 CPU). Writes
Tests/Fixtures/unet/unet.safetensors (weights, diffusers names) and unet_io.safetensors. Seed pinned.
"""
import os

import torch
from diffusers import UNetSpatioTemporalConditionModel
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "unet")
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(23)
unet = UNetSpatioTemporalConditionModel(
    sample_size=8, in_channels=8, out_channels=4,
    down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
    up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
    block_out_channels=(32, 64), addition_time_embed_dim=8, projection_class_embeddings_input_dim=24,
    layers_per_block=1, cross_attention_dim=24, transformer_layers_per_block=1, num_attention_heads=(1, 2),
    num_frames=3).eval()
with torch.no_grad():
    for name, p in unet.named_parameters():
        if "norm" in name:
            p.add_(torch.randn_like(p) * 0.1)
        if name.endswith("mix_factor"):
            p.fill_(float(torch.randn(())))
    # Stored as F16 (as the released SVD checkpoints are); the reference runs on the rounded weights.
    for p in unet.parameters():
        p.copy_(p.half().float())
save_file({k: v.half().contiguous() for k, v in unet.state_dict().items()}, os.path.join(ROOT, "unet.safetensors"))
sample, ctx = torch.randn(1, 3, 8, 8, 8), torch.randn(1, 2, 24)
timestep, ids = torch.tensor([0.7]), torch.tensor([[0.02, 10.0, 90.0]])
with torch.no_grad():
    out = unet(sample, timestep, ctx, ids, return_dict=False)[0]
save_file({"sample": sample, "timestep": timestep, "context": ctx, "added_time_ids": ids, "out": out},
          os.path.join(ROOT, "unet_io.safetensors"))
print(sum(p.numel() for p in unet.parameters()), "parameters; out", tuple(out.shape))
