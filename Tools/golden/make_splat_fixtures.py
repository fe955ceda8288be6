#!/usr/bin/env python3
"""An independent numpy (float64) reference of the splat renderer's forward pass, written from the
3DGS paper and the gsplat documentation rather than from Orbit's kernels: EWA projection with the
1.3x tangent clamp and 0.3 px dilation (optionally Mip-Splatting's opacity compensation), the
3DGS SH basis, and per-pixel front-to-back compositing over all Gaussians sorted by depth (no
tiles): alpha = min(0.99, o exp(power)), skipped below 1/255, stop once T would fall under 1e-4.
Writes Tests/Fixtures/splat/render.safetensors with two scenes (plain, antialiased). Seed pinned.
"""
import os

import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "splat")
os.makedirs(ROOT, exist_ok=True)
rng = np.random.default_rng(7)

C0, C1 = 0.28209479177387814, 0.4886025119029199


def look_at(eye, target=np.zeros(3), up=np.array([0.0, 1.0, 0.0])):
    """World-to-camera (OpenCV: x right, y down, z forward)."""
    z = target - eye
    z /= np.linalg.norm(z)
    x = np.cross(z, -up)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])
    return R, -R @ eye


def quat_to_rot(q):
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def render(scene, cam, antialiased):
    W, H, fx, fy, cx, cy = cam["W"], cam["H"], cam["fx"], cam["fy"], cam["cx"], cam["cy"]
    R, t = cam["R"], cam["t"]
    n = len(scene["opacity_logits"])
    means2d, conics, depths = np.zeros((n, 2)), np.zeros((n, 3)), np.zeros(n)
    radii, opac, colours = np.zeros((n, 2), np.int32), np.zeros(n), np.zeros((n, 3))
    centre = -R.T @ t
    for i in range(n):
        p = R @ scene["means"][i] + t
        d = scene["means"][i] - centre
        d /= np.linalg.norm(d)
        sh = scene["sh"][i]
        basis = [C0, -C1 * d[1], C1 * d[2], -C1 * d[0]]
        colours[i] = np.maximum(0, 0.5 + sum(b * sh[k] for k, b in enumerate(basis)))
        if p[2] <= 0.01:
            continue
        M = quat_to_rot(scene["quats"][i]) @ np.diag(np.exp(scene["log_scales"][i]))
        Sc = R @ (M @ M.T) @ R.T
        limx, limy = 1.3 * 0.5 * W / fx, 1.3 * 0.5 * H / fy
        tx = np.clip(p[0] / p[2], -limx, limx) * p[2]
        ty = np.clip(p[1] / p[2], -limy, limy) * p[2]
        J = np.array([[fx / p[2], 0, -fx * tx / p[2] ** 2], [0, fy / p[2], -fy * ty / p[2] ** 2]])
        cov = J @ Sc @ J.T
        a, b, c = cov[0, 0] + 0.3, cov[0, 1], cov[1, 1] + 0.3
        det = a * c - b * b
        if det <= 0:
            continue
        o = 1 / (1 + np.exp(-scene["opacity_logits"][i]))
        if antialiased:
            o *= np.sqrt(max(0.0, (cov[0, 0] * cov[1, 1] - b * b) / det))
        if o <= 1 / 255:
            continue
        ext = min(3.33, np.sqrt(2 * np.log(255 * o)))
        rx, ry = np.ceil(ext * np.sqrt(a)), np.ceil(ext * np.sqrt(c))
        u, v = fx * p[0] / p[2] + cx, fy * p[1] / p[2] + cy
        if u + rx <= 0 or u - rx >= W or v + ry <= 0 or v - ry >= H:
            continue
        means2d[i], conics[i], depths[i] = (u, v), (c / det, -b / det, a / det), p[2]
        radii[i], opac[i] = (rx, ry), o
    order = [i for i in np.argsort(depths, kind="stable") if radii[i].any()]
    rgb, alpha, depth = np.zeros((H, W, 3)), np.zeros((H, W)), np.zeros((H, W))
    bg = cam["background"]
    for y in range(H):
        for x in range(W):
            T, col, dep = 1.0, np.zeros(3), 0.0
            for i in order:
                dx, dy = x + 0.5 - means2d[i, 0], y + 0.5 - means2d[i, 1]
                A, B, C = conics[i]
                power = -0.5 * (A * dx * dx + C * dy * dy) - B * dx * dy
                if power > 0:
                    continue
                al = min(0.99, opac[i] * np.exp(power))
                if al < 1 / 255:
                    continue
                if T * (1 - al) < 1e-4:
                    break
                col += al * T * colours[i]
                dep += al * T * depths[i]
                T *= 1 - al
            rgb[y, x], alpha[y, x], depth[y, x] = col + T * bg, 1 - T, dep
    return dict(rgb=rgb, alpha=alpha, depth=depth, means2d=means2d, conics=conics, radii=radii, colours=colours)


out = {}
for name, antialiased in [("plain", False), ("aa", True)]:
    n = 60
    scene = dict(means=rng.uniform(-0.8, 0.8, (n, 3)), log_scales=rng.uniform(-3.2, -1.6, (n, 3)),
                 quats=rng.normal(size=(n, 4)), opacity_logits=rng.uniform(-1.5, 3, n),
                 sh=np.concatenate([rng.uniform(-1.5, 1.5, (n, 1, 3)), rng.normal(scale=0.3, size=(n, 3, 3))], axis=1))
    R, t = look_at(np.array([0.9, 0.6, 2.6]))
    cam = dict(W=45, H=37, fx=48.0, fy=50.0, cx=22.0, cy=18.9, R=R, t=t, background=np.array([1.0, 0.9, 0.8]))
    ref = render(scene, cam, antialiased)
    for k, v in scene.items():
        out[f"{name}.{k}"] = v.astype(np.float32)
    out[f"{name}.R"], out[f"{name}.t"] = R.astype(np.float32), t.astype(np.float32)
    out[f"{name}.intrinsics"] = np.array([cam["W"], cam["H"], cam["fx"], cam["fy"], cam["cx"], cam["cy"]], np.float32)
    out[f"{name}.background"] = cam["background"].astype(np.float32)
    for k, v in ref.items():
        out[f"{name}.out.{k}"] = v.astype(np.int32 if k == "radii" else np.float32)
save_file(out, os.path.join(ROOT, "render.safetensors"))
print({k: v.shape for k, v in out.items() if ".out." in k})

# A PLY written by plyfile 1.1 in the INRIA layout (SH degree 1: 9 f_rest, channel-major), with the
# values it holds, for the Swift reader.
from plyfile import PlyData, PlyElement  # noqa: E402

n = 5
names = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"] + [f"f_rest_{i}" for i in range(9)] + \
        ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
values = rng.normal(size=(n, len(names))).astype(np.float32)
vertex = np.empty(n, dtype=[(k, "f4") for k in names])
for j, k in enumerate(names):
    vertex[k] = values[:, j]
PlyData([PlyElement.describe(vertex, "vertex")], byte_order="<").write(os.path.join(ROOT, "plyfile_degree1.ply"))
save_file({"values": values}, os.path.join(ROOT, "plyfile_degree1.safetensors"))

# Point clouds for `splat fit --init FILE.ply`: binary (double xyz, uchar colours, an extra int
# property and a face element after the vertices) and ASCII (float xyz, no colours).
cloud = rng.normal(size=(4, 3))
rgb = rng.integers(0, 256, size=(4, 3))
vertex = np.empty(4, dtype=[("x", "f8"), ("y", "f8"), ("z", "f8"), ("flags", "i4"), ("red", "u1"), ("green", "u1"), ("blue", "u1")])
for j, k in enumerate("xyz"):
    vertex[k] = cloud[:, j]
vertex["flags"] = [1, 2, 3, 4]
for j, k in enumerate(["red", "green", "blue"]):
    vertex[k] = rgb[:, j]
face = np.array([([0, 1, 2],)], dtype=[("vertex_indices", "i4", (3,))])
PlyData([PlyElement.describe(vertex, "vertex"), PlyElement.describe(face, "face")], byte_order="<").write(
    os.path.join(ROOT, "cloud_binary.ply"))
ascii_vertex = np.empty(4, dtype=[("x", "f4"), ("y", "f4"), ("z", "f4")])
for j, k in enumerate("xyz"):
    ascii_vertex[k] = cloud[:, j]
PlyData([PlyElement.describe(ascii_vertex, "vertex")], text=True).write(os.path.join(ROOT, "cloud_ascii.ply"))
save_file({"cloud": cloud.astype(np.float32), "rgb": rgb.astype(np.float32)}, os.path.join(ROOT, "cloud.safetensors"))
