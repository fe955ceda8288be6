#!/usr/bin/env bash
# The 3D consistency of generated orbits (issue 13): for each test subject, generate the 96-view
# orbit from its front view (view 16, elevation 0), fit splats to the generated views, and measure
# the splats at the ground-truth cameras against the ground-truth views. Beside it, the same fit on
# the ground-truth views themselves (what a perfect generator would give). Prints one JSON line per
# subject and the means.
#
#   bash Tools/eval/generator_consistency.sh DATA OUT [SUBJECTS] [MODEL]
#     DATA      an `orbit synth` dataset (test subjects listed in its dataset.json)
#     OUT       work folder (generated views, splats, results.jsonl)
#     SUBJECTS  space-separated subject numbers (default: 5 21 28)
#     MODEL     generator directory (default: the committed Weights/orbit-small)
set -euo pipefail
data=$1 out=$2 subjects=${3:-"5 21 28"} model=${4:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
orbit="$root/.build/release/orbit" splat="$root/.build/release/splat"
iterations=2500  # below the first opacity reset at 3000 (issue 16)
mkdir -p "$out"
: > "$out/results.jsonl"
for s in $subjects; do
  set_dir=$(printf "%s/subject_%04d/appearance_00" "$data" "$s")
  work=$(printf "%s/subject_%04d" "$out" "$s")
  mkdir -p "$work"
  "$orbit" generate "$set_dir/views/016.png" --out "$work/generated" --sampler dpm++2m --steps 15 --force ${model:+--model "$model"} >&2
  "$splat" fit "$work/generated" --out "$work/generated.ply" --iterations $iterations --test-every 0 >&2
  "$splat" fit "$set_dir/views" --out "$work/truth.ply" --iterations $iterations --test-every 0 >&2
  from_generated=$("$splat" eval "$work/generated.ply" "$set_dir/views" --json)
  self_fit=$("$splat" eval "$work/generated.ply" "$work/generated" --json)
  from_truth=$("$splat" eval "$work/truth.ply" "$set_dir/views" --json)
  echo "{\"subject\": $s, \"generated_splats_vs_truth\": $from_generated, \"generated_splats_vs_generated\": $self_fit, \"truth_splats_vs_truth\": $from_truth}" \
    | tee -a "$out/results.jsonl"
done
python3 - "$out/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for key in ["generated_splats_vs_truth", "generated_splats_vs_generated", "truth_splats_vs_truth"]:
    m = {k: sum(r[key][k] for r in rows) / len(rows) for k in ["psnr", "ssim", "lpips"]}
    print(f"{key:32s} PSNR {m['psnr']:.2f}  SSIM {m['ssim']:.3f}  LPIPS {m['lpips']:.3f}  ({len(rows)} subjects)")
PY
