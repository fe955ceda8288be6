#!/usr/bin/env python3
"""Held-out PSNR against training time from `splat fit --evaluate-every N --json` outputs.

    python3 Tools/bench/plot_splat_curves.py --out docs/splat_time_to_quality.png \
        --target 33 "old default, seed 2=old_s2.json" "new default, seed 2=new_s2.json" ...

Each argument is LABEL=FILE; FILE holds `splat fit`'s JSON (text before the first '{' is skipped).
Needs matplotlib (pip install matplotlib). Also prints, per run, the first time the curve reaches
--target and the final PSNR.
"""
import argparse
import json


def load(path):
    text = open(path).read()
    run = json.loads(text[text.index("{"):])
    points = sorted(run["curve"], key=lambda p: p["step"])
    return run, [p["seconds"] for p in points], [p["psnr"] for p in points]


def first_reaching(seconds, psnr, target):
    return next((s for s, p in zip(seconds, psnr) if p >= target), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="LABEL=FILE")
    parser.add_argument("--out", required=True, help="PNG to write")
    parser.add_argument("--target", type=float, default=33.0, help="PSNR line to draw and to report the time to")
    parser.add_argument("--title", default="Held-out PSNR against training time (2 cores)")
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for spec in args.runs:
        label, path = spec.rsplit("=", 1)
        run, seconds, psnr = load(path)
        reached = first_reaching(seconds, psnr, args.target)
        print(f"{label}: final {run['psnr']:.2f} dB after {run['seconds']:.1f} s, {run['gaussians']} Gaussians; "
              + (f"{args.target} dB first at {reached:.1f} s" if reached is not None else f"never {args.target} dB"))
        style = "--" if label.lower().startswith("old") else "-"
        ax.plot(seconds, psnr, style, marker=".", label=label)
    ax.axhline(args.target, color="grey", linewidth=0.8)
    ax.axvline(120, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("training seconds (held-out evaluations not counted)")
    ax.set_ylabel("held-out PSNR (dB)")
    ax.set_ylim(bottom=max(10, ax.get_ylim()[0]))
    ax.set_title(args.title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out)


if __name__ == "__main__":
    main()
