#!/usr/bin/env python3
"""Golden SSIM / PSNR values from scikit-image (pip install scikit-image numpy safetensors).

Writes Tests/Fixtures/metrics/metrics.safetensors: image pairs [C, H, W] in [0, 1] (float32) and
skimage's float64 results (stored as float32). Seeds pinned.
Run: python3 Tools/golden/make_metrics_fixtures.py
"""
import os

import numpy as np
from safetensors.numpy import save_file
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "metrics")
os.makedirs(ROOT, exist_ok=True)
rng = np.random.default_rng(2024)
out = {}
cases = [("noise_small", 3, 32, 29, 0.02), ("noise_large", 3, 24, 40, 0.2), ("gray", 1, 30, 30, 0.1)]
for name, c, h, w, sigma in cases:
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(np.sin(xx / 3.0 + k) * np.cos(yy / 4.0) + 1) / 2 for k in range(c)]).astype(np.float32)
    noisy = np.clip(base + rng.normal(0, sigma, base.shape), 0, 1).astype(np.float32)
    ssim = structural_similarity(base.astype(np.float64), noisy.astype(np.float64), gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=1.0, channel_axis=0)
    psnr = peak_signal_noise_ratio(base.astype(np.float64), noisy.astype(np.float64), data_range=1.0)
    out[f"{name}.x"], out[f"{name}.y"] = base, noisy
    out[f"{name}.ssim"] = np.array([ssim], dtype=np.float32)
    out[f"{name}.psnr"] = np.array([psnr], dtype=np.float32)
save_file(out, os.path.join(ROOT, "metrics.safetensors"), metadata={"skimage": __import__("skimage").__version__})
print("fixtures written to", os.path.normpath(ROOT))
