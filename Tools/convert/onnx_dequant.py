"""Block-quantised ONNX initialisers -> float32 (shared by the converter and the fixture script).

ONNX DequantizeLinear (opset 21) with `axis` and `block_size`: y = (x - zero_point) * scale, where
scale and zero_point hold one value per block of `block_size` elements along `axis`.
"""
import numpy as np
import onnx
from onnx import numpy_helper


def dequantize(x, scale, zero_point, axis, block_size):
    x = x.astype(np.float32)
    if block_size:
        scale = np.repeat(scale, block_size, axis=axis)
        zero_point = np.repeat(zero_point, block_size, axis=axis)
        sl = [slice(None)] * x.ndim
        sl[axis] = slice(0, x.shape[axis])
        scale, zero_point = scale[tuple(sl)], zero_point[tuple(sl)]
    return (x - zero_point.astype(np.float32)) * scale.astype(np.float32)


def float_graph(model):
    """Returns (float model with DequantizeLinear + Reshape of weights folded into float
    initialisers and dangling graph inputs removed, {tensor name: float array})."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    values = dict(inits)
    folded = set()
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and all(i in values for i in node.input):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            x, s, z = (values[i] for i in node.input)
            values[node.output[0]] = dequantize(x, s, z, attrs.get("axis", 1), attrs.get("block_size", 0))
            folded.add(node.name or node.output[0])
        elif node.op_type == "Reshape" and all(i in values for i in node.input):
            values[node.output[0]] = values[node.input[0]].reshape(values[node.input[1]].astype(np.int64))
            folded.add(node.name or node.output[0])
    nodes = [n for n in model.graph.node if (n.name or n.output[0]) not in folded]
    consumed = {i for n in nodes for i in n.input}
    graph = onnx.helper.make_graph(
        nodes,
        model.graph.name,
        # Inputs that are initialisers, or that no node reads (the shipped files declare such
        # dangling inputs, which onnxruntime refuses), are dropped.
        [i for i in model.graph.input if i.name not in values and i.name in consumed],
        list(model.graph.output),
        [numpy_helper.from_array(v.astype(np.float32) if v.dtype.kind == "f" else v, name=k)
         for k, v in values.items()])
    out = onnx.helper.make_model(graph, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    used = {i for n in out.graph.node for i in n.input}
    del out.graph.initializer[:]
    out.graph.initializer.extend(numpy_helper.from_array(v, name=k) for k, v in values.items() if k in used)
    return out, values
