#!/usr/bin/env python3
"""One image pair and the two SSIMs Orbit reports for it (pip install scikit-image scipy numpy safetensors):

- "scikit": skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
  use_sample_covariance=False, data_range=1, channel_axis=0), Imaging's ImageMetrics.scikitSSIM
  (orbit compare, orbit evaluate generator|vae): the map is averaged away from a 5-pixel border.
- "inria": the 3DGS training SSIM (an 11x11 Gaussian window, sigma 1.5, zero padding, C1 = 0.01^2,
  C2 = 0.03^2, the whole map averaged), here with scipy.ndimage.correlate(mode="constant"), Splat's
  PhotometricLoss.inriaSSIM (the splat trainer, splat eval, splat fit's held-out line, orbit
  reconstruct's report).

Writes Tests/Fixtures/metrics/two_ssims.safetensors (x, y [3, H, W] float32; both values). Seed pinned.
"""
import os

import numpy as np
from safetensors.numpy import save_file
from scipy.ndimage import correlate
from skimage.metrics import structural_similarity

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "metrics")
rng = np.random.default_rng(7)
c, h, w = 3, 28, 36
yy, xx = np.mgrid[0:h, 0:w]
x = np.stack([(np.sin(xx / 4.0 + k) * np.cos(yy / 5.0 - k) + 1) / 2 for k in range(c)]).astype(np.float32)
y = np.clip(0.9 * x + 0.05 + rng.normal(0, 0.08, x.shape), 0, 1).astype(np.float32)
x64, y64 = x.astype(np.float64), y.astype(np.float64)

scikit = structural_similarity(x64, y64, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                               data_range=1.0, channel_axis=0)

g = np.exp(-np.arange(-5, 6) ** 2 / (2 * 1.5 ** 2))
g /= g.sum()
window = np.outer(g, g)


def blur(a):
    return np.stack([correlate(plane, window, mode="constant", cval=0.0) for plane in a])


mu_x, mu_y = blur(x64), blur(y64)
var_x, var_y, cov = blur(x64 * x64) - mu_x ** 2, blur(y64 * y64) - mu_y ** 2, blur(x64 * y64) - mu_x * mu_y
c1, c2 = 0.01 ** 2, 0.03 ** 2
inria = (((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))).mean()

save_file({"x": x, "y": y, "scikit": np.array([scikit], dtype=np.float32), "inria": np.array([inria], dtype=np.float32)},
          os.path.join(ROOT, "two_ssims.safetensors"), metadata={"skimage": __import__("skimage").__version__})
print(f"scikit-image SSIM {scikit:.6f}, INRIA SSIM {inria:.6f}")
