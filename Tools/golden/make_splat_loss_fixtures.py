#!/usr/bin/env python3
"""The 3DGS training SSIM as the INRIA code defines it (torch 2.13: an 11x11 Gaussian window with
sigma 1.5 built by outer product, F.conv2d with padding 5 and groups = channels, C1 = 0.01^2,
C2 = 0.03^2, mean of the map), on two random 3x23x31 images, and its gradient with respect to the
first by autograd. Writes Tests/Fixtures/splat/ssim.safetensors. Seed pinned.
"""
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "splat")
torch.manual_seed(3)


def window(size=11, sigma=1.5, channels=3):
    g = torch.tensor([math.exp(-(x - size // 2) ** 2 / (2 * sigma ** 2)) for x in range(size)], dtype=torch.float64)
    g = (g / g.sum()).unsqueeze(1)
    w2 = (g @ g.t()).unsqueeze(0).unsqueeze(0)
    return w2.expand(channels, 1, size, size).contiguous()


def ssim(a, b):
    w = window()
    mu1, mu2 = F.conv2d(a, w, padding=5, groups=3), F.conv2d(b, w, padding=5, groups=3)
    s11 = F.conv2d(a * a, w, padding=5, groups=3) - mu1 ** 2
    s22 = F.conv2d(b * b, w, padding=5, groups=3) - mu2 ** 2
    s12 = F.conv2d(a * b, w, padding=5, groups=3) - mu1 * mu2
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    return (((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 ** 2 + mu2 ** 2 + c1) * (s11 + s22 + c2))).mean()


x = torch.rand(1, 3, 23, 31, dtype=torch.float64)
y = (x * 0.6 + 0.4 * torch.rand(1, 3, 23, 31, dtype=torch.float64)).clamp(0, 1)
x.requires_grad_(True)
value = ssim(x, y)
value.backward()
save_file({"x": x.detach()[0].float(), "y": y[0].float(), "ssim": value.detach().float().reshape(1),
           "dx": x.grad[0].float()}, os.path.join(ROOT, "ssim.safetensors"))
print(float(value.detach()))
