#!/usr/bin/env python3
"""Golden outputs of tiny random-weight CLIPVisionModelWithProjection models (transformers 5.23.0,
torch 2.13 CPU), quick_gelu and gelu: weights with transformers' key names, pixel_values and
image_embeds. Writes Tests/Fixtures/clip/. Seed pinned.
"""
import os

import torch
from safetensors.torch import save_file
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "clip")
os.makedirs(ROOT, exist_ok=True)
for act in ["quick_gelu", "gelu"]:
    torch.manual_seed(5)
    config = CLIPVisionConfig(hidden_size=32, intermediate_size=64, projection_dim=16, num_hidden_layers=2,
                              num_attention_heads=4, image_size=32, patch_size=8, hidden_act=act, layer_norm_eps=1e-5)
    model = CLIPVisionModelWithProjection(config).eval()
    with torch.no_grad():  # non-trivial norms
        for name, p in model.named_parameters():
            if "layer_norm" in name or "layrnorm" in name:
                p.add_(torch.randn_like(p) * 0.1)
    pixels = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        embeds = model(pixel_values=pixels).image_embeds
    state = {k: v.contiguous().clone() for k, v in model.state_dict().items() if "position_ids" not in k}
    save_file(state, os.path.join(ROOT, f"tiny_clip_{act}.safetensors"))
    model.config.architectures = ["CLIPVisionModelWithProjection"]
    model.config.save_pretrained(os.path.join(ROOT, f"tiny_clip_{act}_config"))  # transformers' config.json
    save_file({"pixel_values": pixels, "image_embeds": embeds}, os.path.join(ROOT, f"tiny_clip_{act}_io.safetensors"))
    print(act, sorted(state)[:6], len(state), embeds.shape)
