#!/usr/bin/env python3
"""Golden outputs of a tiny random-weight ArcFace IResNet (insightface arcface_torch architecture,
restated here from its published structure, key names kept), torch==2.13.0+cpu.

Tiny config: blocks [1, 2, 1, 1], widths [4, 8, 16, 32], stem 8, 16 features, 112x112 input; batch
norm statistics and PReLU slopes randomised so inference-mode BN is exercised. Saves weights in
the layout Tools/convert/iresnet.py produces (no num_batches_tracked), the input, the embedding
and d(sum(embedding * r))/d(input). Writes Tests/Fixtures/iresnet/. Seed pinned.
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "iresnet")


class IBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride, downsample):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-05)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-05)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-05)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (self.downsample(x) if self.downsample is not None else x)


class IResNet(nn.Module):
    def __init__(self, blocks, widths, stem, features, size=112):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem, eps=1e-05)
        self.prelu = nn.PReLU(stem)
        inplanes = stem
        for i, (n, w) in enumerate(zip(blocks, widths)):
            layers = []
            for b in range(n):
                stride = 2 if b == 0 else 1
                down = None
                if stride != 1 or inplanes != w:
                    down = nn.Sequential(nn.Conv2d(inplanes, w, 1, stride, bias=False), nn.BatchNorm2d(w, eps=1e-05))
                layers.append(IBasicBlock(inplanes, w, stride, down))
                inplanes = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*layers))
        self.bn2 = nn.BatchNorm2d(inplanes, eps=1e-05)
        self.fc = nn.Linear(inplanes * (size // 16) ** 2, features)
        self.features = nn.BatchNorm1d(features, eps=1e-05)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        x = torch.flatten(self.bn2(x), 1)
        return self.features(self.fc(x))


def main():
    os.makedirs(ROOT, exist_ok=True)
    torch.manual_seed(11)
    m = IResNet([1, 2, 1, 1], [4, 8, 16, 32], 8, 16)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.normal_(mod.weight, 0, 0.1)
            if isinstance(mod, (nn.BatchNorm2d, nn.BatchNorm1d)):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.3, 0.3)
                mod.running_var.uniform_(0.5, 2.0)
            if isinstance(mod, nn.PReLU):
                mod.weight.uniform_(0.05, 0.4)
    m.eval()
    weights = {k: v.clone() for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}
    save_file(weights, os.path.join(ROOT, "tiny_iresnet.safetensors"))
    x = (torch.rand(1, 3, 112, 112) * 2 - 1).requires_grad_()
    y = m(x)
    r = torch.randn(y.shape)
    (grad,) = torch.autograd.grad((y * r).sum(), x)
    save_file({"x": x.detach(), "embedding": y.detach(), "r": r, "grad_x": grad}, os.path.join(ROOT, "tiny_iresnet_io.safetensors"))
    print("embedding[:4]", y[0, :4].tolist())


if __name__ == "__main__":
    main()
