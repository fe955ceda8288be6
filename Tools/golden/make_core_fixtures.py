#!/usr/bin/env python3
"""Golden fixtures for the tensor core, safetensors and image IO (issue: foundation).

Reference: torch==2.13.0+cpu (pip install torch==2.13.0+cpu), Pillow, safetensors, numpy.
Writes into Tests/Fixtures/core/. Seeds are pinned: re-running gives the same files.
Run: python3 Tools/golden/make_core_fixtures.py
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "core")
os.makedirs(ROOT, exist_ok=True)
torch.manual_seed(1234)
g = torch.Generator().manual_seed(1234)


def randn(*shape):
    return torch.randn(*shape, generator=g, dtype=torch.float32)


def timestep_embedding(t, dim, flip_sin_to_cos, shift=1.0, scale=1.0, max_period=10000):
    """diffusers.models.embeddings.get_timestep_embedding, restated from its documented formula."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32) / (half - shift)
    emb = t[:, None].float() * torch.exp(exponent)[None, :] * scale
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))
    return emb


def with_grads(name, fn, inputs, out):
    """Stores d(sum(out * r))/d(input) for a random r, for backward parity."""
    r = randn(*out.shape)
    out_r = (fn(*inputs) * r).sum()
    grads = torch.autograd.grad(out_r, [t for t in inputs if t.requires_grad])
    res = {f"{name}.r": r}
    k = 0
    for i, t in enumerate(inputs):
        if t.requires_grad:
            res[f"{name}.grad{i}"] = grads[k]
            k += 1
    return res


def ops():
    f = {}

    def case(name, fn, *inputs, grad=False):
        inputs = [t.clone().requires_grad_(grad) for t in inputs]
        out = fn(*inputs)
        for i, t in enumerate(inputs):
            f[f"{name}.in{i}"] = t.detach()
        f[f"{name}.out"] = out.detach()
        if grad:
            f.update(with_grads(name, fn, inputs, out))

    case("conv2d_s1p1", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1),
         randn(2, 3, 9, 11), randn(4, 3, 3, 3), randn(4), grad=True)
    case("conv2d_s2p1", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
         randn(2, 5, 10, 7), randn(6, 5, 3, 3), randn(6), grad=True)
    case("conv2d_1x1", lambda x, w, b: F.conv2d(x, w, b), randn(3, 8, 5, 5), randn(4, 8, 1, 1), randn(4), grad=True)
    case("conv2d_k4s2p1", lambda x, w: F.conv2d(x, w, stride=2, padding=1), randn(1, 3, 12, 12), randn(2, 3, 4, 4), grad=True)
    # C, O >= 16 with a 3x3 stride-1 kernel: the Winograd F(2x2, 3x3) path (odd sizes: ragged tiles).
    case("conv2d_wino_p1", lambda x, w, b: F.conv2d(x, w, b, padding=1),
         randn(2, 16, 9, 11), randn(20, 16, 3, 3) * 0.2, randn(20), grad=True)
    case("conv2d_wino_p0_n1", lambda x, w: F.conv2d(x, w), randn(1, 24, 7, 10), randn(16, 24, 3, 3) * 0.2, grad=True)
    case("conv2d_depthwise_s1", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=6),
         randn(2, 6, 9, 10), randn(6, 1, 3, 3), randn(6), grad=True)
    case("conv2d_depthwise_s2_mult2", lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=4),
         randn(2, 4, 11, 8), randn(8, 1, 3, 3), grad=True)
    case("conv2d_groups2", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
         randn(1, 6, 7, 7), randn(4, 3, 3, 3), randn(4), grad=True)
    case("temporal_conv", lambda x, w, b: F.conv3d(x, w, b, padding=(1, 0, 0)),
         randn(2, 3, 5, 4, 3), randn(4, 3, 3, 1, 1), randn(4), grad=True)
    case("group_norm", lambda x, w, b: F.group_norm(x, 4, w, b, eps=1e-5),
         randn(2, 8, 5, 6) * 3 + 1, randn(8), randn(8), grad=True)
    case("group_norm_eps6_5d", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-6),
         randn(2, 4, 3, 4, 4), randn(4), randn(4), grad=True)
    case("layer_norm", lambda x, w, b: F.layer_norm(x, (16,), w, b, eps=1e-5),
         randn(3, 7, 16) * 2 - 1, randn(16), randn(16), grad=True)
    case("attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
         randn(2, 3, 17, 8), randn(2, 3, 13, 8), randn(2, 3, 13, 5), grad=True)
    case("attention_long", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
         randn(1, 2, 150, 16), randn(1, 2, 70, 16), randn(1, 2, 70, 16), grad=True)
    case("gelu_erf", lambda x: F.gelu(x), randn(1000) * 4, grad=True)
    case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), randn(1000) * 4, grad=True)
    case("silu", F.silu, randn(1000) * 6, grad=True)
    case("sigmoid", torch.sigmoid, randn(1000) * 6, grad=True)
    case("softmax", lambda x: torch.softmax(x, -1), randn(5, 33) * 3, grad=True)
    case("geglu", lambda x: (lambda h, gt: h * F.gelu(gt))(*x.chunk(2, dim=-1)), randn(4, 10), grad=True)
    case("exp", torch.exp, randn(500) * 10, grad=True)
    case("linear", lambda x, w, b: F.linear(x, w, b), randn(2, 5, 7), randn(3, 7), randn(3), grad=True)
    case("matmul_bcast", torch.matmul, randn(2, 3, 4, 6), randn(3, 6, 5), grad=True)
    case("upsample", lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), randn(2, 3, 4, 5), grad=True)
    case("avgpool", lambda x: F.avg_pool2d(x, 2), randn(2, 3, 6, 8), grad=True)
    case("maxpool_k3s2", lambda x: F.max_pool2d(x, 3, 2), randn(2, 3, 9, 11), grad=True)
    case("sum_axes", lambda x: x.sum(dim=(0, 2)), randn(3, 4, 5), grad=True)
    case("max_axis", lambda x: x.max(dim=1).values, randn(3, 6, 4), grad=True)
    t = torch.tensor([0.0, 1.0, 17.5, 999.0])
    f["temb_sin.in0"], f["temb_sin.out"] = t, timestep_embedding(t, 32, False)
    f["temb_cos.in0"], f["temb_cos.out"] = t, timestep_embedding(t, 32, True, shift=0.0)

    # Adam and AdamW: three steps from fixed parameters and gradients.
    for name, cls, wd in [("adam", torch.optim.Adam, 0.01), ("adamw", torch.optim.AdamW, 0.1)]:
        p = torch.nn.Parameter(randn(20))
        f[f"{name}.p0"] = p.detach().clone()
        opt = cls([p], lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=wd)
        for s in range(3):
            gr = randn(20)
            f[f"{name}.g{s}"] = gr
            p.grad = gr.clone()
            opt.step()
        f[f"{name}.p3"] = p.detach().clone()
    save_file({k: v.contiguous().clone() for k, v in f.items()}, os.path.join(ROOT, "ops.safetensors"))


def dtypes():
    vals = torch.tensor([0.0, 1.0, -2.5, 3.140625, 65504.0, 1e-4, -7.75e-3, 123.456], dtype=torch.float32)
    tensors = {
        "f16": vals.to(torch.float16),
        "bf16": vals.to(torch.bfloat16),
        "f32": vals.reshape(2, 4),
        "i32": torch.tensor([1, -2, 2**30], dtype=torch.int32),
        "i64": torch.tensor([[5, -6], [2**40, 0]], dtype=torch.int64),
    }
    save_file(tensors, os.path.join(ROOT, "dtypes.safetensors"), metadata={"format": "pt", "note": "orbit fixture"})
    save_file({"f16_as_f32": vals.to(torch.float16).float(), "bf16_as_f32": vals.to(torch.bfloat16).float()},
              os.path.join(ROOT, "dtypes_expected.safetensors"))


def images():
    rng = np.random.default_rng(7)
    h, w = 23, 37
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 / (w - 1), yy * 255 / (h - 1), (xx + yy) * 255 / (w + h - 2)], -1)
    rgb = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    alpha = ((xx * 7 + yy * 3) % 256).astype(np.uint8)
    expected = {}

    def save(name, img, **kw):
        path = os.path.join(ROOT, name)
        img.save(path, **kw)
        dec = Image.open(path)
        if name.endswith(".jpg"):
            from PIL import ImageOps
            dec = ImageOps.exif_transpose(dec)
        arr = np.asarray(dec)
        if dec.mode == "P":
            arr = np.asarray(dec.convert("RGBA" if "transparency" in dec.info else "RGB"))
        expected[name] = torch.from_numpy(arr.astype(np.float32))

    save("rgb8.png", Image.fromarray(rgb, "RGB"))
    save("rgba8.png", Image.fromarray(np.dstack([rgb, alpha]), "RGBA"))
    save("gray8.png", Image.fromarray(rgb[..., 0], "L"))
    g16 = (xx * 1771 + yy * 2017).astype(np.uint16)
    save("gray16.png", Image.fromarray(g16))
    pal = Image.fromarray(rgb, "RGB").quantize(16)
    save("palette.png", pal)
    save("rgb.jpg", Image.fromarray(rgb, "RGB"), quality=90)
    save("gray.jpg", Image.fromarray(rgb[..., 1], "L"), quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6
    save("rgb_exif6.jpg", Image.fromarray(rgb, "RGB"), quality=90, exif=exif.tobytes())
    exif[0x0112] = 3
    save("rgb_exif3.jpg", Image.fromarray(rgb, "RGB"), quality=90, exif=exif.tobytes())
    save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(ROOT, "images_expected.safetensors"))


if __name__ == "__main__":
    ops()
    dtypes()
    images()
    print("fixtures written to", os.path.normpath(ROOT))
