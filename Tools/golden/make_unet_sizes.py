#!/usr/bin/env python3
"""Parameter counts of diffusers 0.42.1's UNetSpatioTemporalConditionModel at full size (Stable
Video Diffusion's defaults) and at Orbit's CPU-sized `small` config, built on torch's meta device
(no memory). Writes Tests/Fixtures/unet/parameter_counts.json: per config the total count, the
number of tensors and a 64-bit FNV-1a digest of the sorted "name d0,d1,..." lines joined by
newlines, which the Swift model must equal.
"""
import json
import os

import torch
from diffusers import UNetSpatioTemporalConditionModel

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "unet")

CONFIGS = {
    "svd": {},
    # Orbit's small config (UNetSpatioTemporalConfig.small): sv3d_p-style camera ids with sinusoid
    # widths 256 + 512 + 512 = 1280 into add_embedding.
    "small": dict(block_out_channels=(64, 128, 256), layers_per_block=1, num_attention_heads=(1, 2, 4),
                  down_block_types=("CrossAttnDownBlockSpatioTemporal", "CrossAttnDownBlockSpatioTemporal",
                                    "DownBlockSpatioTemporal"),
                  up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal",
                                  "CrossAttnUpBlockSpatioTemporal"),
                  cross_attention_dim=1024, projection_class_embeddings_input_dim=1280),
}


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def describe(model):
    shapes = sorted((name, list(p.shape)) for name, p in model.named_parameters())
    text = "\n".join(f"{name} {','.join(map(str, shape))}" for name, shape in shapes)
    return {"parameters": sum(p.numel() for p in model.parameters()), "tensors": len(shapes),
            "shapes_fnv1a64": fnv1a64(text)}


out = {}
for name, kwargs in CONFIGS.items():
    with torch.device("meta"):
        out[name] = describe(UNetSpatioTemporalConditionModel(**kwargs))
with open(os.path.join(ROOT, "parameter_counts.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print(json.dumps(out, indent=1))
