#!/usr/bin/env python3
"""Golden output of a tiny diffusers 0.42.1 UNetSpatioTemporalConditionModel (2 levels: 32 and 64
channels, 1 and 2 heads, one layer per block, context 24, three added time ids of width 8, 8
frames), random F16-rounded weights with randomised norms and mix factors (torch 2.13 CPU). Writes
Tests/Fixtures/unet/unet.safetensors (weights, diffusers names), unet_config/config.json and
unet_io.safetensors (inputs under diffusers' forward-argument names): a stock batch-2 guidance-pair call and
a per-frame camera call (the stock forward with per-frame added-time embeddings). Seed pinned.
"""
import os

import torch
from diffusers import UNetSpatioTemporalConditionModel
from diffusers.models.embeddings import get_timestep_embedding
from safetensors.torch import save_file

from perturb import randomise_norms_and_mixes, round_to_f16

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "unet")
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(23)
unet = UNetSpatioTemporalConditionModel(
    sample_size=8, in_channels=8, out_channels=4,
    down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
    up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
    block_out_channels=(32, 64), addition_time_embed_dim=8, projection_class_embeddings_input_dim=24,
    layers_per_block=1, cross_attention_dim=24, transformer_layers_per_block=1, num_attention_heads=(1, 2),
    num_frames=8).eval()
randomise_norms_and_mixes(unet)
# Stored as F16 (as the released SVD checkpoints are); the reference runs on the rounded weights.
save_file(round_to_f16(unet), os.path.join(ROOT, "unet.safetensors"))
# diffusers' own config.json for the model (with the weights above, a diffusers model directory).
unet.save_config(os.path.join(ROOT, "unet_config"))
# Stock call: batch 2 (a guidance pair: real context and zeros), 2 context tokens, ids [B, 3].
sample, ctx = torch.randn(2, 8, 8, 8, 8), torch.randn(2, 2, 24)
ctx[1].zero_()
timestep, ids = torch.tensor([0.7, 0.7]), torch.tensor([[0.02, 10.0, 90.0], [0.02, 10.0, 90.0]])
with torch.no_grad():
    out = unet(sample, timestep, ctx, ids, return_dict=False)[0]
io = {"sample": sample, "timestep": timestep, "encoder_hidden_states": ctx, "added_time_ids": ids, "out": out}


def per_frame_forward(sample, timestep, ctx, ids, widths):
    """The stock forward with SV3D's per-frame camera: ids [B, F, n], id j through its own cos-first
    sinusoid of width widths[j], concatenated into add_embedding, added to each frame's time embedding."""
    b, f = sample.shape[:2]
    t_emb = unet.time_embedding(unet.time_proj(timestep))
    flat = ids.reshape(b * f, -1)
    sinus = torch.cat([get_timestep_embedding(flat[:, j], w, True, 0) for j, w in enumerate(widths)], dim=1)
    emb = t_emb.repeat_interleave(f, dim=0) + unet.add_embedding(sinus)
    context = ctx.repeat_interleave(f, dim=0)
    image_only = torch.zeros(b, f)
    h = unet.conv_in(sample.flatten(0, 1))
    skips = (h,)
    for block in unet.down_blocks:
        if getattr(block, "has_cross_attention", False):
            h, res = block(h, temb=emb, encoder_hidden_states=context, image_only_indicator=image_only)
        else:
            h, res = block(h, temb=emb, image_only_indicator=image_only)
        skips += res
    h = unet.mid_block(h, temb=emb, encoder_hidden_states=context, image_only_indicator=image_only)
    for block in unet.up_blocks:
        res, skips = skips[-len(block.resnets):], skips[:-len(block.resnets)]
        if getattr(block, "has_cross_attention", False):
            h = block(h, res_hidden_states_tuple=res, temb=emb, encoder_hidden_states=context, image_only_indicator=image_only)
        else:
            h = block(h, res_hidden_states_tuple=res, temb=emb, image_only_indicator=image_only)
    h = unet.conv_out(unet.conv_act(unet.conv_norm_out(h)))
    return h.reshape(b, f, *h.shape[1:])


# Per-frame camera call: batch 1, each frame its own (cond_aug, polar, azimuth) in radians, sinusoid
# widths 4, 10, 10 (24 into the same add_embedding, like sv3d_p's 256 + 512 + 512 = 1280).
pf_sample, pf_ctx = torch.randn(1, 8, 8, 8, 8), torch.randn(1, 2, 24)
# An orbit of 8 views: azimuth every 45 degrees, polar angle (90 deg - elevation) wobbling around 90 deg.
azimuth = torch.arange(8) * (2 * torch.pi / 8)
pf_ids = torch.stack([torch.full((8,), 0.02), torch.pi / 2 + 0.2 * torch.sin(azimuth), azimuth], dim=1)[None]
with torch.no_grad():
    check = per_frame_forward(sample, timestep, ctx, ids[:, None, :].expand(2, 8, 3), [8, 8, 8])
    assert (check - out).abs().max() < 1e-5, "the reference per-frame forward must equal the stock one"
    pf_out = per_frame_forward(pf_sample, torch.tensor([0.4]), pf_ctx, pf_ids, [4, 10, 10])
io.update({"pf_sample": pf_sample, "pf_timestep": torch.tensor([0.4]), "pf_encoder_hidden_states": pf_ctx,
           "pf_added_time_ids_per_frame": pf_ids, "pf_out": pf_out})
save_file(io, os.path.join(ROOT, "unet_io.safetensors"))
print(sum(p.numel() for p in unet.parameters()), "parameters; out", tuple(out.shape))
