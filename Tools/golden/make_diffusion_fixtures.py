#!/usr/bin/env python3
"""Golden scheduler outputs from diffusers 0.42.1 (pip install diffusers==0.42.1 torch==2.13.0+cpu).

- EulerDiscreteScheduler with Stable Video Diffusion's settings (v-prediction, Karras sigmas
  0.002..700, continuous timesteps 0.25 ln sigma): the 25-step sigmas and timesteps, the scaled
  model input and two Euler steps.
- DDIMScheduler (scaled-linear betas 0.00085..0.012, 1000 steps, steps_offset 1, set_alpha_to_one
  False), epsilon and v-prediction, eta 0 and 0.5 (variance noise passed in): 10-step timesteps
  and one step each.
Writes Tests/Fixtures/diffusion/schedulers.safetensors. Seed pinned.
"""
import os

import torch
from diffusers import DDIMScheduler, EulerDiscreteScheduler
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "diffusion")
g = torch.Generator().manual_seed(3)
r = lambda *s: torch.randn(*s, generator=g)
out = {}

euler = EulerDiscreteScheduler(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                               prediction_type="v_prediction", interpolation_type="linear", use_karras_sigmas=True,
                               sigma_min=0.002, sigma_max=700.0, timestep_spacing="leading", timestep_type="continuous",
                               steps_offset=1)
euler.set_timesteps(25)
out["euler.sigmas"] = euler.sigmas.float()
out["euler.timesteps"] = euler.timesteps.float()
x = r(1, 2, 4, 3, 3) * float(euler.sigmas[0])
out["euler.x0"] = x
for i in [0, 10]:
    t = euler.timesteps[i]
    euler._step_index = i
    scaled = euler.scale_model_input(x, t)
    v = r(*x.shape)
    euler._step_index = i
    prev = euler.step(v, t, x).prev_sample
    out[f"euler.step{i}.scaled"], out[f"euler.step{i}.v"], out[f"euler.step{i}.prev"] = scaled, v, prev

for pred in ["epsilon", "v_prediction"]:
    ddim = DDIMScheduler(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                         clip_sample=False, set_alpha_to_one=False, steps_offset=1, prediction_type=pred)
    ddim.set_timesteps(10)
    out[f"ddim.{pred}.timesteps"] = ddim.timesteps.float()
    sample, model_out, noise = r(1, 3, 4, 4), r(1, 3, 4, 4), r(1, 3, 4, 4)
    t = ddim.timesteps[3]
    out[f"ddim.{pred}.sample"], out[f"ddim.{pred}.model_output"], out[f"ddim.{pred}.noise"] = sample, model_out, noise
    out[f"ddim.{pred}.prev_eta0"] = ddim.step(model_out, t, sample, eta=0.0).prev_sample
    out[f"ddim.{pred}.prev_eta05"] = ddim.step(model_out, t, sample, eta=0.5, variance_noise=noise).prev_sample
os.makedirs(ROOT, exist_ok=True)
save_file({k: v.contiguous().clone() for k, v in out.items()}, os.path.join(ROOT, "schedulers.safetensors"))
print("sigmas", [round(float(s), 4) for s in out["euler.sigmas"][:4]], "...", "timesteps", [round(float(s), 4) for s in out["euler.timesteps"][:3]])
print("ddim timesteps", out["ddim.epsilon.timesteps"].tolist())
