#!/usr/bin/env python3
"""Golden output of a tiny random-weight diffusers 0.42.1 AutoencoderKLTemporalDecoder (SVD's VAE;
torch 2.13 CPU): block_out_channels (32, 32), 2 layers per block (so the decoder's mid attention
runs), 4 latent channels, randomised norms and mix factors, F16-rounded weights stored as F16.
Saves the weights (diffusers names), an image with its encoder mean, and latents of 2 videos x 4
frames with their decoding. Writes Tests/Fixtures/vae/tiny_temporal_vae*.safetensors and
tiny_temporal_vae_config/config.json. Seed pinned.
"""
import os

import torch
from diffusers import AutoencoderKLTemporalDecoder
from safetensors.torch import save_file

from perturb import randomise_norms_and_mixes, round_to_f16

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "vae")
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(31)
vae = AutoencoderKLTemporalDecoder(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
                                   block_out_channels=(32, 32), layers_per_block=2, latent_channels=4,
                                   sample_size=16).eval()
randomise_norms_and_mixes(vae)
save_file(round_to_f16(vae), os.path.join(ROOT, "tiny_temporal_vae.safetensors"))
vae.save_config(os.path.join(ROOT, "tiny_temporal_vae_config"))
image = torch.rand(1, 3, 16, 16) * 2 - 1
z = torch.randn(2 * 4, 4, 4, 4)
with torch.no_grad():
    mean = vae.encode(image).latent_dist.mean
    decoded = vae.decode(z, num_frames=4).sample
# z_frames is stored as [B, F, C, h, w] (the frame count travels with it); decoded as diffusers returns it.
save_file({"image": image, "mean": mean.contiguous(), "z_frames": z.reshape(2, 4, 4, 4, 4), "decoded": decoded.contiguous()},
          os.path.join(ROOT, "tiny_temporal_vae_io.safetensors"))
print(sum(p.numel() for p in vae.parameters()), "parameters; decoded", tuple(decoded.shape))
