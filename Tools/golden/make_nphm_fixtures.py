#!/usr/bin/env python3
"""Reference outputs of the NPHM-style head model (MonoNPHM's architecture as described in
../shared/research/nphm.md section 1), written independently in PyTorch with seeded random weights
at a small size: signed distances, colours, the spatial gradient of the SDF (autograd), and the
gradients of a scalar loss that includes an eikonal term on that spatial gradient (double backward)
with respect to every parameter and code. Needs torch and safetensors.
Writes Tests/Fixtures/nphm/{nphm_weights.safetensors,nphm_io.safetensors,config.json}.
"""
import json
import math
import os

import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "nphm")
torch.manual_seed(7)

C = dict(symmetric_pairs=3, midline_anchors=2, neighbours=5, sigma_rank=4, blend_std=3.75, global_distance=0.75,
         global_code=8, local_code=4, expression_code=6, hidden=16, hidden_layers=4, colour_hidden=12, communication=5,
         anchor_hidden=8, compressed_identity=4, deformation_hidden=20, deformation_layers=6, deformation_skip=3,
         hyper_dimensions=2, softplus_beta=100.0)
P, M = C["symmetric_pairs"], C["midline_anchors"]
A = 2 * P + M
TYPES = P + M + 1
G, L, E, H = C["global_code"], C["local_code"], C["expression_code"], C["hidden"]
CODE = G + (A + 1) * L
HYPER = C["hyper_dimensions"]
K = C["neighbours"]


def member_type(a):
    return a // 2 if a < 2 * P else (P + a - 2 * P if a < A else TYPES - 1)


params = {}


def linear(name, fan_in, fan_out):
    layer = torch.nn.Linear(fan_in, fan_out)
    params[name + ".weight"] = layer.weight.detach().clone().requires_grad_(True)
    params[name + ".bias"] = layer.bias.detach().clone().requires_grad_(True)


params["anchors"] = (torch.rand(A, 3) - 0.5).requires_grad_(False)
for i, (a, b) in enumerate([(G, C["anchor_hidden"]), (C["anchor_hidden"], C["anchor_hidden"]), (C["anchor_hidden"], 3 * A)]):
    linear(f"anchor_offsets.{i}", a, b)
for t in range(TYPES):
    for l in range(C["hidden_layers"] + 1):
        linear(f"geometry.{t}.{l}", G + L + 3 + HYPER if l == 0 else H, 1 if l == C["hidden_layers"] else H)
linear("communication.0", H, C["communication"])
linear("communication.1", C["communication"], C["communication"])
for t in range(TYPES):
    for l in range(C["hidden_layers"] + 1):
        linear(f"colour.{t}.{l}", G + L + C["communication"] if l == 0 else C["colour_hidden"],
               3 if l == C["hidden_layers"] else C["colour_hidden"])
linear("deformation.compressor", CODE + 3 * A, C["compressed_identity"])
DIN = 3 + C["compressed_identity"] + E
DH = C["deformation_hidden"]
for l in range(C["deformation_layers"] + 1):
    fan_in = DIN if l == 0 else (DH + DIN if l == C["deformation_skip"] else DH)
    linear(f"deformation.layers.{l}", fan_in, 3 + HYPER if l == C["deformation_layers"] else DH)


def lin(name, x):
    return torch.nn.functional.linear(x, params[name + ".weight"], params[name + ".bias"])


def softplus(x):
    return torch.nn.functional.softplus(x, beta=C["softplus_beta"])


def head(points, geo, app, expr):
    """points [S, N, 3] -> sdf [S, N], colour [S, N, 3]."""
    S, N, _ = points.shape
    offsets = lin("anchor_offsets.2", torch.relu(lin("anchor_offsets.1", torch.relu(lin("anchor_offsets.0", geo[:, :G])))))
    anchors = params["anchors"][None] + offsets.view(S, A, 3)
    # Backward deformation.
    ident = lin("deformation.compressor", torch.cat([geo, anchors.reshape(S, -1)], 1))
    cond = torch.cat([ident, expr], 1)[:, None].expand(S, N, -1)
    inp = torch.cat([points, cond], 2)
    h = inp
    for l in range(C["deformation_layers"] + 1):
        if l == C["deformation_skip"]:
            h = torch.cat([h, inp], 2) / math.sqrt(2)
        h = lin(f"deformation.layers.{l}", h)
        if l < C["deformation_layers"]:
            h = softplus(h)
    q = torch.cat([points + h[..., :3], h[..., 3:]], 2)  # [S, N, 5]
    # K nearest anchors plus the global member.
    d_all = ((q[:, :, None, :3] - anchors[:, None]) ** 2).sum(-1)
    idx = torch.argsort(d_all.detach(), dim=2)[:, :, :K]  # [S, N, K]
    sdf_parts, rgb_parts, dists = [], [], []
    for j in range(K + 1):
        for_slot_sdf = torch.zeros(S, N)
        for_slot_rgb = torch.zeros(S, N, 3)
        if j < K:
            a_idx = idx[:, :, j]
            anchor_pos = torch.gather(anchors, 1, a_idx[..., None].expand(S, N, 3))
            delta = torch.cat([q[..., :3] - anchor_pos, q[..., 3:]], 2)
            mirrored = (a_idx < 2 * P) & (a_idx % 2 == 1)
            delta = torch.cat([torch.where(mirrored, -delta[..., 0], delta[..., 0])[..., None], delta[..., 1:]], 2)
            dists.append(delta[..., :3].norm(dim=-1))
        else:
            a_idx = torch.full((S, N), A, dtype=torch.long)
            delta = q
            dists.append(torch.full((S, N), C["global_distance"]))
        for s in range(S):
            for n in range(N):
                a = int(a_idx[s, n])
                t = member_type(a)
                zg = geo[s, :G]
                zl = geo[s, G + a * L:G + (a + 1) * L]
                x = torch.cat([zg, zl, delta[s, n]])
                for l in range(C["hidden_layers"]):
                    x = lin(f"geometry.{t}.{l}", x)
                    pre = x
                    x = softplus(x)
                f = lin(f"geometry.{t}.{C['hidden_layers']}", x)
                comm = lin("communication.1", torch.relu(lin("communication.0", pre)))
                y = torch.cat([app[s, :G], app[s, G + a * L:G + (a + 1) * L], comm])
                for l in range(C["hidden_layers"]):
                    y = torch.relu(lin(f"colour.{t}.{l}", y))
                rgb = lin(f"colour.{t}.{C['hidden_layers']}", y)
                for_slot_sdf = for_slot_sdf.index_put((torch.tensor(s), torch.tensor(n)), f[0])
                for_slot_rgb = for_slot_rgb.index_put((torch.tensor(s), torch.tensor(n)), rgb)
        sdf_parts.append(for_slot_sdf)
        rgb_parts.append(for_slot_rgb)
    d = torch.stack(dists, 2)  # [S, N, K+1]
    sigma = d[..., :C["sigma_rank"]].max(dim=2, keepdim=True).values / C["blend_std"]
    w = torch.exp(-0.5 * (d / sigma) ** 2)
    w = w / (w.sum(2, keepdim=True) + 1e-8)
    sdf = (w * torch.stack(sdf_parts, 2)).sum(2)
    rgb = (w[..., None] * torch.stack(rgb_parts, 2)).sum(2)
    return sdf, rgb, q, anchors


S, N = 2, 6
points = ((torch.rand(S, N, 3) - 0.5) * 1.2).requires_grad_(True)
geo = (torch.randn(S, CODE) * 0.3).requires_grad_(True)
app = (torch.randn(S, CODE) * 0.3).requires_grad_(True)
expr = (torch.randn(S, E) * 0.3).requires_grad_(True)
sdf, rgb, q, anchors = head(points, geo, app, expr)
grad = torch.autograd.grad(sdf.sum(), points, create_graph=True)[0]  # [S, N, 3]
wsdf = torch.randn(S, N)
wrgb = torch.randn(S, N, 3)
loss = (wsdf * sdf).sum() + ((grad.norm(dim=-1) - 1) ** 2).sum() + (wrgb * rgb).sum()
trainable = {k: v for k, v in params.items() if v.requires_grad}
names = list(trainable)
grads = torch.autograd.grad(loss, [trainable[k] for k in names] + [geo, app, expr])

out = {}
out.update({"points": points.detach(), "geometry": geo.detach(), "appearance": app.detach(), "expression": expr.detach(),
            "sdf": sdf.detach(), "colour": rgb.detach(), "spatial_gradient": grad.detach(), "canonical": q.detach().reshape(S * N, -1),
            "anchors_out": anchors.detach(), "loss_weights_sdf": wsdf, "loss_weights_colour": wrgb, "loss": loss.detach().reshape(1)})
for k, g in zip(names + ["geometry", "appearance", "expression"], grads):
    out[f"grad.{k}"] = g.detach().contiguous()
os.makedirs(ROOT, exist_ok=True)
save_file({k: v.detach().contiguous().float() for k, v in params.items()}, os.path.join(ROOT, "nphm_weights.safetensors"))
save_file({k: v.contiguous().float() for k, v in out.items()}, os.path.join(ROOT, "nphm_io.safetensors"))
with open(os.path.join(ROOT, "config.json"), "w") as f:
    json.dump(C, f, indent=2, sort_keys=True)
print("sdf", sdf.detach().numpy().round(4), "loss", float(loss.detach()))
