#!/usr/bin/env python3
"""A head-sized stand-in scene for timing `splat fit` until synthetic heads exist: 30k Gaussians in
an ellipsoid of radius ~0.9 (smooth colour field, log-scales for 1-3 cm, opacities around
sigmoid(1)), written as an INRIA PLY with plyfile, and a transforms.json of the 96-view orbit (6
elevations x 16 azimuths, 512x512, distance 3.5, fov 36) that `splat render --cameras` fills.

    python3 Tools/bench/make_blob_scene.py /tmp/job
    splat render /tmp/job/gt.ply --cameras /tmp/job/views/transforms.json --out /tmp/job/views
    /usr/bin/time -v splat fit /tmp/job/views --out /tmp/job/fit/blob.ply --iterations 7000 --json
"""
import json
import math
import os
import sys

import numpy as np
from plyfile import PlyData, PlyElement

root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/job"
os.makedirs(os.path.join(root, "views"), exist_ok=True)
rng = np.random.default_rng(0)
n = 30000
d = rng.normal(size=(n, 3))
d /= np.linalg.norm(d, axis=1, keepdims=True)
xyz = d * (rng.uniform(0, 1, n) ** (1 / 3) * 0.9)[:, None] * np.array([0.8, 1.0, 0.85])
names = (["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"] + [f"f_rest_{i}" for i in range(45)]
         + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"])
v = np.zeros((n, len(names)), np.float32)
v[:, 0:3] = xyz
v[:, 6:9] = (0.5 + 0.4 * np.sin(xyz * 4.0) - 0.5) / 0.28209479177387814
v[:, names.index("opacity")] = rng.normal(1.0, 1.0, n)
v[:, names.index("scale_0"):names.index("scale_0") + 3] = np.log(rng.uniform(0.01, 0.03, (n, 3)))
v[:, names.index("rot_0"):names.index("rot_0") + 4] = rng.normal(size=(n, 4))
vertex = np.empty(n, dtype=[(k, "f4") for k in names])
for j, k in enumerate(names):
    vertex[k] = v[:, j]
PlyData([PlyElement.describe(vertex, "vertex")], byte_order="<").write(os.path.join(root, "gt.ply"))

size, fov, distance = 512, 36.0, 3.5
focal = 0.5 * size / math.tan(math.radians(fov / 2))
frames = []
for e in [-10, 0, 10, 20, 30, 40]:
    for k in range(16):
        a = 22.5 * k
        back = np.array([math.cos(math.radians(e)) * math.sin(math.radians(a)), math.sin(math.radians(e)),
                         math.cos(math.radians(e)) * math.cos(math.radians(a))])
        right = np.cross([0, 1, 0], back)
        right /= np.linalg.norm(right)
        m = np.eye(4)
        m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, np.cross(back, right), back, distance * back
        frames.append({"file_path": f"{len(frames):03d}.png", "transform_matrix": m.tolist(), "azimuth_deg": a, "elevation_deg": e})
with open(os.path.join(root, "views", "transforms.json"), "w") as f:
    json.dump({"camera_model": "OPENCV", "fl_x": focal, "fl_y": focal, "cx": size / 2, "cy": size / 2, "w": size, "h": size,
               "frames": frames}, f)
