#!/usr/bin/env python3
"""The head model's signed distance in PyTorch, batched the fast way (the peer of Orbit's
nphm_sdf_1m_points bench case): K nearest anchors by cdist + topk, slot rows grouped by member type
(index_select, one GEMM per layer and type, the code part of the first layer once per (sample,
anchor)), Gaussian blending. Weights are keyed as Orbit's safetensors (NPHMHead.namedParameters).

`python3 Tools/bench/nphm_torch.py` checks it against the reference fixture of
Tools/golden/make_nphm_fixtures.py (an independent per-point implementation) before it is timed.
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


class NPHMTorch:
    def __init__(self, config, weights):
        self.c, self.w = config, weights
        c = config
        self.P, self.M = c["symmetric_pairs"], c["midline_anchors"]
        self.A = 2 * self.P + self.M
        self.T = self.P + self.M + 1
        self.G, self.L = c["global_code"], c["local_code"]
        anchor_type = [a // 2 if a < 2 * self.P else (self.P + a - 2 * self.P if a < self.A else self.T - 1) for a in range(self.A + 1)]
        self.anchor_type = torch.tensor(anchor_type)
        self.anchors_of_type = [[a for a in range(self.A + 1) if anchor_type[a] == t] for t in range(self.T)]
        self.mirror = torch.tensor([a < 2 * self.P and a % 2 == 1 for a in range(self.A + 1)])

    def lin(self, name, x):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def softplus(self, x):
        return F.softplus(x, beta=self.c["softplus_beta"])

    def anchors(self, geo):
        h = torch.relu(self.lin("anchor_offsets.0", geo[:, :self.G]))
        h = torch.relu(self.lin("anchor_offsets.1", h))
        return self.w["anchors"][None] + self.lin("anchor_offsets.2", h).view(geo.shape[0], self.A, 3)

    def canonical(self, points, geo, anchors, expr):
        c = self.c
        S, N, _ = points.shape
        ident = self.lin("deformation.compressor", torch.cat([geo, anchors.reshape(S, -1)], 1))
        cond = torch.cat([ident, expr], 1)[:, None].expand(S, N, -1)
        inp = torch.cat([points, cond], 2)
        h = inp
        for l in range(c["deformation_layers"] + 1):
            if l == c["deformation_skip"]:
                h = torch.cat([h, inp], 2) / math.sqrt(2)
            h = self.lin(f"deformation.layers.{l}", h)
            if l < c["deformation_layers"]:
                h = self.softplus(h)
        return torch.cat([points + h[..., :3], h[..., 3:]], 2)

    def sdf(self, points, geo, expr):
        """points [S, N, 3] -> [S, N]."""
        c, A, K = self.c, self.A, self.c["neighbours"]
        S, N, _ = points.shape
        anchors = self.anchors(geo)
        q = self.canonical(points, geo, anchors, expr)  # [S, N, 5]
        idx = torch.topk(torch.cdist(q[..., :3], anchors), K, dim=2, largest=False, sorted=True).indices  # [S, N, K]
        slots = torch.cat([idx, torch.full((S, N, 1), A, dtype=torch.long)], 2)  # [S, N, K+1]
        padded = F.pad(anchors, (0, 0, 0, 1))  # [S, A+1, 3], the global member at the origin
        pos = torch.gather(padded[:, None].expand(S, N, A + 1, 3), 2, slots[..., None].expand(S, N, K + 1, 3))
        delta = torch.cat([q[:, :, None, :3] - pos, q[:, :, None, 3:].expand(S, N, K + 1, -1)], 3)
        flip = torch.where(self.mirror[slots], -1.0, 1.0)
        delta = torch.cat([delta[..., :1] * flip[..., None], delta[..., 1:]], 3)
        d = delta[..., :3].norm(dim=-1)
        d = torch.where(slots == A, torch.full_like(d, c["global_distance"]), d)
        sigma = d[..., c["sigma_rank"] - 1:c["sigma_rank"]] / c["blend_std"]
        w = torch.exp(-0.5 * (d / sigma) ** 2)
        w = w / (w.sum(-1, keepdim=True) + 1e-8)
        # Member networks by type.
        R = S * N * (K + 1)
        rows_delta = delta.reshape(R, -1)
        rows_anchor = slots.reshape(R)
        rows_sample = torch.arange(S)[:, None, None].expand(S, N, K + 1).reshape(R)
        types = self.anchor_type[rows_anchor]
        codes = torch.cat([geo[:, None, :self.G].expand(S, A + 1, self.G), geo[:, self.G:].view(S, A + 1, self.L)], 2)
        out = torch.empty(R)
        hidden_layers = c["hidden_layers"]
        for t in range(self.T):
            rows = (types == t).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            first = self.w[f"geometry.{t}.0.weight"]
            members = self.anchors_of_type[t]
            code_term = F.linear(codes[:, members], first[:, :self.G + self.L])  # [S, members, H]
            position = torch.zeros(A + 1, dtype=torch.long)
            position[members] = torch.arange(len(members))
            h = code_term[rows_sample[rows], position[rows_anchor[rows]]] + F.linear(rows_delta[rows], first[:, self.G + self.L:],
                                                                                     self.w[f"geometry.{t}.0.bias"])
            for l in range(1, hidden_layers + 1):
                h = self.lin(f"geometry.{t}.{l}", self.softplus(h))
            out[rows] = h[:, 0]
        return (w * out.view(S, N, K + 1)).sum(-1)


def flops_per_point(c):
    deformation = (3 * c["deformation_hidden"] + (c["deformation_layers"] - 1) * c["deformation_hidden"] ** 2
                   + (c["deformation_hidden"] + 3) * c["deformation_hidden"] + c["deformation_hidden"] * (3 + c["hyper_dimensions"]))
    member = (3 + c["hyper_dimensions"]) * c["hidden"] + (c["hidden_layers"] - 1) * c["hidden"] ** 2 + c["hidden"]
    return 2 * (deformation + (c["neighbours"] + 1) * member)


def orbit_small_config():
    """NPHMConfiguration.orbitSmall."""
    return dict(symmetric_pairs=30, midline_anchors=5, neighbours=8, sigma_rank=8, blend_std=3.75, global_distance=18.75 / 18,
                global_code=64, local_code=16, expression_code=32, hidden=96, hidden_layers=4, colour_hidden=64, communication=16,
                anchor_hidden=64, compressed_identity=16, deformation_hidden=128, deformation_layers=6, deformation_skip=3,
                hyper_dimensions=2, softplus_beta=100.0)


def random_weights(c, seed=1):
    """Seeded torch-default weights of every tensor the SDF uses; anchors spread in the head box."""
    g = torch.Generator().manual_seed(seed)
    w = {}
    A = 2 * c["symmetric_pairs"] + c["midline_anchors"]
    T = c["symmetric_pairs"] + c["midline_anchors"] + 1
    G, L, H = c["global_code"], c["local_code"], c["hidden"]

    def linear(name, fan_in, fan_out):
        bound = 1 / math.sqrt(fan_in)
        w[name + ".weight"] = (torch.rand(fan_out, fan_in, generator=g) * 2 - 1) * bound
        w[name + ".bias"] = (torch.rand(fan_out, generator=g) * 2 - 1) * bound

    w["anchors"] = torch.rand(A, 3, generator=g) - 0.5
    for i, (a, b) in enumerate([(G, c["anchor_hidden"]), (c["anchor_hidden"], c["anchor_hidden"]), (c["anchor_hidden"], 3 * A)]):
        linear(f"anchor_offsets.{i}", a, b)
    for t in range(T):
        for l in range(c["hidden_layers"] + 1):
            linear(f"geometry.{t}.{l}", G + L + 3 + c["hyper_dimensions"] if l == 0 else H, 1 if l == c["hidden_layers"] else H)
    din, dh = 3 + c["compressed_identity"] + c["expression_code"], c["deformation_hidden"]
    linear("deformation.compressor", G + (A + 1) * L + 3 * A, c["compressed_identity"])
    for l in range(c["deformation_layers"] + 1):
        linear(f"deformation.layers.{l}", din if l == 0 else (dh + din if l == c["deformation_skip"] else dh),
               3 + c["hyper_dimensions"] if l == c["deformation_layers"] else dh)
    return w


def sdf_case(points=1_000_000, batch=16_384):
    """The nphm_sdf_1m_points peer: (run, flops)."""
    c = orbit_small_config()
    model = NPHMTorch(c, random_weights(c))
    A = 2 * c["symmetric_pairs"] + c["midline_anchors"]
    g = torch.Generator().manual_seed(2)
    geo = torch.randn(1, c["global_code"] + (A + 1) * c["local_code"], generator=g) * 0.02
    expr = torch.randn(1, c["expression_code"], generator=g) * 0.02
    xs = (torch.rand(points, 3, generator=g) - 0.5) * 1.4

    def run():
        with torch.no_grad():
            for start in range(0, points, batch):
                model.sdf(xs[start:start + batch][None], geo, expr)

    return run, flops_per_point(c) * points


def check_against_fixture():
    folder = os.path.join(ROOT, "Tests", "Fixtures", "nphm")
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    weights = load_file(os.path.join(folder, "nphm_weights.safetensors"))
    io = load_file(os.path.join(folder, "nphm_io.safetensors"))
    with torch.no_grad():
        sdf = NPHMTorch(c, weights).sdf(io["points"], io["geometry"], io["expression"])
    error = (sdf - io["sdf"]).abs().max().item()
    assert error < 1e-5, f"batched torch SDF differs from the reference by {error}"
    return error


if __name__ == "__main__":
    print(f"max |SDF - reference| = {check_against_fixture():.2e}")
