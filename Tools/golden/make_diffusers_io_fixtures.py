#!/usr/bin/env python3
"""IO files saved straight from diffusers 0.42.1 calls (torch 2.13 CPU) for `orbit verify-model`: the
tiny UNet and temporal VAE of make_unet_fixtures.py and make_temporal_vae_fixtures.py (their committed
config.json and F16 weights) called the way diffusers' own code calls them, each file holding the
call's arguments under the argument names and shaped as passed, and what the call returned, with no
renaming or reshaping. Writes:

- unet/unet_pipeline_call_io.safetensors: the call StableVideoDiffusionPipeline's denoising loop makes,
  a guidance pair (batch 2) with one 0-dim `timestep` t for the whole batch, image embeddings as
  `encoder_hidden_states` [2, 1, D], `added_time_ids` [2, 3]. The output is stored as `out`: its field
  name, `sample`, is the input's.
- unet/unet_one_timestep_io.safetensors: the same model with a one-element `timestep` [1] for a
  batch of 2 (diffusers broadcasts it).
- vae/temporal_vae_calls_io.safetensors: `vae.encode(x)` with its latent_dist's `mean` (its `logvar`
  not stored: a file with only some outputs), and `vae.decode(z, num_frames=4)` with `z` as diffusers
  takes it, [B*F, C, h, w] = [8, 4, 4, 4] (no frame count stored), and the DecoderOutput's `sample`
  [8, 3, 8, 8].
Seed pinned.
"""
import os

import torch
from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel
from safetensors.torch import load_file, save_file

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures")


def load(cls, config_dir, weights):
    """The committed tiny model: diffusers' config.json and the F16 weights, run in F32."""
    model = cls.from_config(cls.load_config(os.path.join(FIXTURES, config_dir)))
    model.load_state_dict({k: v.float() for k, v in load_file(os.path.join(FIXTURES, weights)).items()})
    return model.eval()


torch.manual_seed(47)
unet = load(UNetSpatioTemporalConditionModel, "unet/unet_config", "unet/unet.safetensors")
latents, image_latents = torch.randn(1, 4, 4, 8, 8), torch.randn(1, 4, 4, 8, 8)
embeddings = torch.randn(1, 1, 24)
for name, timestep in [("unet_pipeline_call_io", torch.tensor(0.37)), ("unet_one_timestep_io", torch.tensor([0.37]))]:
    # As the pipeline builds them: classifier-free guidance doubles the batch (zeros, then the conditions).
    call = dict(sample=torch.cat([torch.cat([latents] * 2), torch.cat([torch.zeros_like(image_latents), image_latents])], dim=2),
                timestep=timestep, encoder_hidden_states=torch.cat([torch.zeros_like(embeddings), embeddings]),
                added_time_ids=torch.tensor([[6.0, 127.0, 0.02]] * 2))
    with torch.no_grad():
        out = unet(**call).sample
    save_file({**call, "out": out}, os.path.join(FIXTURES, "unet", name + ".safetensors"))
    print(name, {k: tuple(v.shape) for k, v in call.items()}, "out", tuple(out.shape))

vae = load(AutoencoderKLTemporalDecoder, "vae/tiny_temporal_vae_config", "vae/tiny_temporal_vae.safetensors")
encode = dict(x=torch.rand(1, 3, 16, 16) * 2 - 1)
decode = dict(z=torch.randn(2 * 4, 4, 4, 4), num_frames=4)
with torch.no_grad():
    mean = vae.encode(**encode).latent_dist.mean
    sample = vae.decode(**decode).sample
# num_frames is an int argument, not a tensor: the file carries z and what decode returned.
save_file({**encode, "mean": mean.contiguous(), "z": decode["z"], "sample": sample.contiguous()},
          os.path.join(FIXTURES, "vae", "temporal_vae_calls_io.safetensors"))
print("temporal_vae_calls_io: x", tuple(encode["x"].shape), "z", tuple(decode["z"].shape), "sample", tuple(sample.shape))
