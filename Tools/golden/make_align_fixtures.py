#!/usr/bin/env python3
"""Golden similarity transforms from scikit-image's SimilarityTransform.estimate (Umeyama), the
estimator insightface uses to align 5 landmarks to the ArcFace 112x112 template. Random face-like
landmark sets with noise. Writes Tests/Fixtures/align/align.safetensors. Seed pinned.
"""
import os

import numpy as np
from safetensors.numpy import save_file
from skimage.transform import SimilarityTransform

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "align")
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)

rng = np.random.default_rng(5)
out = {}
for k in range(4):
    angle, scale = rng.uniform(-0.6, 0.6), rng.uniform(0.8, 4.0)
    shift = rng.uniform(0, 400, 2)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    src = (TEMPLATE - 56) @ rot.T * scale + shift + rng.normal(0, 2.0, (5, 2))  # landmarks in a photo
    if hasattr(SimilarityTransform, "from_estimate"):  # scikit-image >= 0.26
        t = SimilarityTransform.from_estimate(src, TEMPLATE)
    else:
        t = SimilarityTransform()
        assert t.estimate(src, TEMPLATE)
    out[f"case{k}.landmarks"] = src.astype(np.float32)
    out[f"case{k}.matrix"] = t.params[:2].astype(np.float32)  # [[a, -b, tx], [b, a, ty]]
os.makedirs(ROOT, exist_ok=True)
save_file(out, os.path.join(ROOT, "align.safetensors"))
print("wrote", len(out) // 2, "cases")
