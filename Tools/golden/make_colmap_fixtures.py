#!/usr/bin/env python3
"""A tiny COLMAP model written by pycolmap 4.2.1 (COLMAP's own reader/writer) in both the text and the
binary format: two cameras (PINHOLE and OPENCV), three registered images with poses, five 3D points
with colours. Also distorted pixel positions of a few normalised camera points computed by COLMAP's
OPENCV and SIMPLE_RADIAL models, for the undistortion code. Writes Tests/Fixtures/colmap/. Seed pinned.
"""
import os

import numpy as np
import pycolmap
from safetensors.numpy import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "colmap")
rng = np.random.default_rng(5)

r = pycolmap.Reconstruction()
cams = [pycolmap.Camera(model="PINHOLE", width=40, height=30, params=[35.0, 36.0, 20.5, 14.5], camera_id=1),
        pycolmap.Camera(model="OPENCV", width=40, height=30, params=[30.0, 31.0, 20.0, 15.0, 0.1, -0.05, 0.01, 0.02],
                        camera_id=2)]
for c in cams:
    r.add_camera_with_trivial_rig(c)
poses = []
for i, camera_id in enumerate([1, 2, 1], start=1):
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    t = rng.normal(size=3)
    pose = pycolmap.Rigid3d(pycolmap.Rotation3d(np.array([q[1], q[2], q[3], q[0]])), t)  # xyzw
    image = pycolmap.Image(name=f"{i:03d}.png", camera_id=camera_id, image_id=i)
    r.add_image_with_trivial_frame(image, pose)
    poses.append(np.concatenate([[q[0], q[1], q[2], q[3]], t]))
points = rng.normal(size=(5, 3))
colours = rng.integers(0, 256, size=(5, 3))
for p, c in zip(points, colours):
    r.add_point3D(p, pycolmap.Track(), c.astype(np.uint8))
for kind in ["text", "binary"]:
    d = os.path.join(ROOT, kind, "sparse", "0")
    os.makedirs(d, exist_ok=True)
    (r.write_text if kind == "text" else r.write_binary)(d)

normalised = rng.uniform(-0.4, 0.4, size=(6, 2))
radial = pycolmap.Camera(model="SIMPLE_RADIAL", width=40, height=30, params=[30.0, 20.0, 15.0, -0.08])
out = {"poses_wxyz_t": np.array(poses, np.float64), "points": points, "colours": colours.astype(np.float64),
       "normalised": normalised,
       "opencv_pixels": cams[1].img_from_cam(np.concatenate([normalised, np.ones((6, 1))], axis=1)),
       "simple_radial_pixels": radial.img_from_cam(np.concatenate([normalised, np.ones((6, 1))], axis=1))}
save_file({k: np.asarray(v, np.float32) for k, v in out.items()}, os.path.join(ROOT, "expected.safetensors"))
print({k: np.asarray(v).shape for k, v in out.items()})
