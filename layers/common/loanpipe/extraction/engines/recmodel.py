"""The PP-OCRv4 text detector and recogniser, made cheaper to run without changing what they compute.

The models shipped in ``rapidocr_onnxruntime`` (exports from Paddle) spell every activation of their
PP-LCNetV3 backbone out in elementary operators: a scalar affine after each convolution (``x * a + b``, PP-LCNetV3's
"learnable affine blocks"), then hard-swish as ``x * clip(x + 3, 0, 6) / 6``, then another scalar affine.
ONNX Runtime runs each of those as a pass over the feature map (a third of the recogniser's time on one
thread) and cannot fuse them into the convolutions in that form. Rewritten as the same function:

- ``conv -> * a -> + b`` becomes one convolution with weights ``a * W`` and bias ``a * B + b`` (exact);
- ``x * clip(x + 3, 0, 6) / 6`` becomes one ``HardSwish`` (opset 14), which the runtime fuses into the
  convolution before it;
- ``hardswish -> * a -> + b -> 1x1 conv`` becomes one 1x1 convolution with weights ``a * W`` and bias
  ``B + b * sum(W)`` (exact: a 1x1 convolution has no padding to see the shift).

The outputs agree with the original to float rounding (~1e-6); the recogniser runs about a fifth faster,
the detector about a quarter (measured on one thread).

The model is read and written with ``protobuf`` (a dependency of ONNX Runtime) through a minimal message
schema holding only the ONNX fields this rewrite touches; every other field of the file is carried over
untouched as an unknown field. Field numbers are those of the published ``onnx.proto``.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import numpy as np

logger = logging.getLogger(__name__)

_FLOAT, _INT64 = 1, 7  # TensorProto.DataType
_ATTRIBUTE_TENSOR = 4  # AttributeProto.AttributeType.TENSOR
HARDSWISH_OPSET = 14


def _messages():
    """Message classes for the subset of onnx.proto used here (proto2, field numbers as published)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    optional, repeated = field.LABEL_OPTIONAL, field.LABEL_REPEATED
    file = descriptor_pb2.FileDescriptorProto(name="loanpipe_onnx_subset.proto", package="loanpipe_onnx_subset",
                                              syntax="proto2")

    def message(name: str, fields: list[tuple[str, int, int, int, str | None, bool]]) -> None:
        proto = file.message_type.add(name=name)
        for field_name, number, label, kind, type_name, packed in fields:
            added = proto.field.add(name=field_name, number=number, label=label, type=kind)
            if type_name:
                added.type_name = f".loanpipe_onnx_subset.{type_name}"
            if packed:
                added.options.packed = True

    message("TensorProto", [("dims", 1, repeated, field.TYPE_INT64, None, False),
                            ("data_type", 2, optional, field.TYPE_INT32, None, False),
                            ("float_data", 4, repeated, field.TYPE_FLOAT, None, True),
                            ("int64_data", 7, repeated, field.TYPE_INT64, None, True),
                            ("name", 8, optional, field.TYPE_STRING, None, False),
                            ("raw_data", 9, optional, field.TYPE_BYTES, None, False)])
    message("AttributeProto", [("name", 1, optional, field.TYPE_STRING, None, False),
                               ("f", 2, optional, field.TYPE_FLOAT, None, False),
                               ("i", 3, optional, field.TYPE_INT64, None, False),
                               ("t", 5, optional, field.TYPE_MESSAGE, "TensorProto", False),
                               ("ints", 8, repeated, field.TYPE_INT64, None, False),
                               ("type", 20, optional, field.TYPE_INT32, None, False)])
    message("NodeProto", [("input", 1, repeated, field.TYPE_STRING, None, False),
                          ("output", 2, repeated, field.TYPE_STRING, None, False),
                          ("name", 3, optional, field.TYPE_STRING, None, False),
                          ("op_type", 4, optional, field.TYPE_STRING, None, False),
                          ("attribute", 5, repeated, field.TYPE_MESSAGE, "AttributeProto", False),
                          ("domain", 7, optional, field.TYPE_STRING, None, False)])
    message("GraphProto", [("node", 1, repeated, field.TYPE_MESSAGE, "NodeProto", False),
                           ("initializer", 5, repeated, field.TYPE_MESSAGE, "TensorProto", False)])
    message("OperatorSetIdProto", [("domain", 1, optional, field.TYPE_STRING, None, False),
                                   ("version", 2, optional, field.TYPE_INT64, None, False)])
    message("ModelProto", [("graph", 7, optional, field.TYPE_MESSAGE, "GraphProto", False),
                           ("opset_import", 8, repeated, field.TYPE_MESSAGE, "OperatorSetIdProto", False)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("loanpipe_onnx_subset.ModelProto"))


def _array(tensor) -> np.ndarray | None:
    dtype = {_FLOAT: np.float32, _INT64: np.int64}.get(tensor.data_type)
    if dtype is None:
        return None
    if tensor.raw_data:
        values = np.frombuffer(tensor.raw_data, dtype=dtype)
    else:
        values = np.array(tensor.float_data if dtype is np.float32 else tensor.int64_data, dtype=dtype)
    return values.reshape(tuple(tensor.dims))


def _set_tensor(tensor, name: str, values: np.ndarray) -> None:
    tensor.Clear()
    tensor.name = name
    tensor.dims.extend(values.shape)
    tensor.data_type = _FLOAT if values.dtype == np.float32 else _INT64
    tensor.raw_data = np.ascontiguousarray(values).tobytes()


class _Graph:
    def __init__(self, graph):
        self.graph = graph
        self.constants: dict[str, np.ndarray] = {}
        for node in graph.node:
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                array = _array(node.attribute[0].t)
                if array is not None:
                    self.constants[node.output[0]] = array
        for tensor in graph.initializer:
            array = _array(tensor)
            if array is not None:
                self.constants[tensor.name] = array
        self.consumers: dict[str, list] = defaultdict(list)
        for node in graph.node:
            for name in node.input:
                self.consumers[name].append(node)
        self.removed: set[int] = set()
        self.renamed: dict[str, str] = {}
        self.fused = 0

    def scalar(self, name: str) -> float | None:
        value = self.constants.get(name)
        return float(value.reshape(-1)[0]) if value is not None and value.size == 1 else None

    def only_consumer(self, name: str, op_type: str):
        found = self.consumers.get(name, [])
        if len(found) == 1 and found[0].op_type == op_type and id(found[0]) not in self.removed:
            return found[0]
        return None

    def affine_after(self, name: str):
        """``name -> * a -> + b`` with scalar constants: (a, b, the Mul node, the Add node) or None."""
        mul = self.only_consumer(name, "Mul")
        if mul is None:
            return None
        a = self.scalar(next((i for i in mul.input if i != name), ""))
        add = self.only_consumer(mul.output[0], "Add")
        if a is None or add is None:
            return None
        b = self.scalar(next((i for i in add.input if i != mul.output[0]), ""))
        return None if b is None else (a, b, mul, add)

    def weights(self, conv) -> tuple[np.ndarray, np.ndarray] | None:
        weight = self.constants.get(conv.input[1]) if len(conv.input) > 1 else None
        if weight is None:
            return None
        bias = self.constants.get(conv.input[2]) if len(conv.input) > 2 else np.zeros(weight.shape[0], np.float32)
        return (weight, bias) if bias is not None else None

    def set_weights(self, conv, weight: np.ndarray, bias: np.ndarray) -> None:
        self.fused += 1
        names = (f"{conv.output[0]}_fused{self.fused}_w", f"{conv.output[0]}_fused{self.fused}_b")
        for name, values in zip(names, (weight.astype(np.float32), bias.astype(np.float32)), strict=True):
            _set_tensor(self.graph.initializer.add(), name, values)
            self.constants[name] = values
        del conv.input[1:]
        conv.input.extend(names)

    def drop(self, *nodes, output_becomes: str) -> None:
        for node in nodes:
            self.removed.add(id(node))
        self.renamed[nodes[-1].output[0]] = output_becomes


def _fold_affine_into_conv(graph: _Graph) -> int:
    folded = 0
    for node in graph.graph.node:
        if node.op_type != "Conv":
            continue
        affine, weights = graph.affine_after(node.output[0]), graph.weights(node)
        if affine is None or weights is None:
            continue
        a, b, mul, add = affine
        weight, bias = weights
        graph.set_weights(node, weight * a, bias * a + b)
        graph.drop(mul, add, output_becomes=node.output[0])
        folded += 1
    return folded


def _hard_swish(graph: _Graph) -> list:
    """``x + 3 -> clip(0, 6) -> x * . -> / 6`` patterns, each replaced by one HardSwish node."""
    found = []
    for node in graph.graph.node:
        if node.op_type != "Add" or id(node) in graph.removed:
            continue
        three = [name for name in node.input if graph.scalar(name) == 3.0]
        if len(three) != 1:
            continue
        x = next(name for name in node.input if name != three[0])
        clip = graph.only_consumer(node.output[0], "Clip")
        mul = graph.only_consumer(clip.output[0], "Mul") if clip is not None else None
        div = graph.only_consumer(mul.output[0], "Div") if mul is not None and x in mul.input else None
        if div is None or graph.scalar(div.input[1]) != 6.0:
            continue
        if [graph.scalar(name) for name in clip.input[1:3]] != [0.0, 6.0]:
            continue
        node.op_type = "HardSwish"
        del node.input[:]
        node.input.append(x)
        del node.output[:]
        node.output.append(div.output[0])
        for done in (clip, mul, div):
            graph.removed.add(id(done))
        found.append(node)
    return found


def _fold_affine_into_pointwise(graph: _Graph, swishes: list) -> int:
    folded = 0
    for swish in swishes:
        affine = graph.affine_after(swish.output[0])
        if affine is None:
            continue
        a, b, mul, add = affine
        conv = graph.only_consumer(add.output[0], "Conv")
        weights = graph.weights(conv) if conv is not None else None
        groups = next((attribute.i for attribute in conv.attribute if attribute.name == "group"), 1) if conv else 1
        if weights is None or weights[0].shape[2:] != (1, 1) or groups != 1:
            continue
        weight, bias = weights
        graph.set_weights(conv, weight * a, bias + b * weight.sum(axis=(1, 2, 3)))
        graph.drop(mul, add, output_becomes=swish.output[0])
        folded += 1
    return folded


def _squeeze_axes_as_input(graph: _Graph) -> None:
    """From opset 13 on, Squeeze takes its axes as an input rather than an attribute."""
    for node in graph.graph.node:
        if node.op_type != "Squeeze":
            continue
        axes = [attribute for attribute in node.attribute if attribute.name == "axes"]
        if not axes:
            continue
        name = f"{node.output[0]}_axes"
        _set_tensor(graph.graph.initializer.add(), name, np.array(list(axes[0].ints), dtype=np.int64))
        kept = [attribute for attribute in node.attribute if attribute.name != "axes"]
        del node.attribute[:]
        node.attribute.extend(kept)
        node.input.append(name)


# Operators whose inputs changed form between opset 12 and 14 (Squeeze is converted below). Softmax
# changed meaning too except over the last axis, which is how recognisers use it; the engine checks the
# rewritten model's output against the original's before using it.
_OPSET_SENSITIVE = {"Unsqueeze", "Split", "ReduceSum"}


def fuse_model(model_bytes: bytes) -> bytes | None:
    """The rewritten model's bytes, or None when the model is not the shape this rewrite knows (any
    other export is used as it is)."""
    model_class = _messages()
    model = model_class.FromString(model_bytes)
    default = [opset for opset in model.opset_import if opset.domain in ("", "ai.onnx")]
    if len(default) != 1 or default[0].version > HARDSWISH_OPSET:
        return None
    graph = _Graph(model.graph)
    if any(node.op_type in _OPSET_SENSITIVE for node in graph.graph.node):
        return None  # their inputs changed form in opset 13: not rewritten here
    folded = _fold_affine_into_conv(graph)
    swishes = _hard_swish(graph)
    pointwise = _fold_affine_into_pointwise(graph, swishes)
    if not swishes:
        return None
    _squeeze_axes_as_input(graph)
    kept = []
    for node in graph.graph.node:
        if id(node) in graph.removed:
            continue
        for index, name in enumerate(node.input):
            while name in graph.renamed:
                name = graph.renamed[name]
            node.input[index] = name
        kept.append(node)
    used = {name for node in kept for name in node.input}
    kept = [node for node in kept if node.op_type != "Constant" or node.output[0] in used]
    initializers = [tensor for tensor in graph.graph.initializer if tensor.name in used]
    if len(initializers) != len(graph.graph.initializer):
        copies = [type(tensor)() for tensor in initializers]
        for copy, tensor in zip(copies, initializers, strict=True):
            copy.CopyFrom(tensor)
        del graph.graph.initializer[:]
        graph.graph.initializer.extend(copies)
    copies = [type(node)() for node in kept]
    for copy, node in zip(copies, kept, strict=True):
        copy.CopyFrom(node)
    del graph.graph.node[:]
    graph.graph.node.extend(copies)
    default[0].version = HARDSWISH_OPSET
    logger.debug("recogniser fused", extra={"affine_folded": folded, "hardswish": len(swishes),
                                            "pointwise_folded": pointwise})
    return model.SerializeToString()


def fused_session(original, model_path: str | None, threads: int, probe_shape: tuple[int, ...]):
    """An onnxruntime session of the rewritten model (``fuse_model`` of the file at ``model_path``, from
    which ``original`` was loaded), used only when it gives the original's output on a probe input;
    otherwise the original session."""
    import onnxruntime

    if not model_path:
        return original
    try:
        with open(model_path, "rb") as handle:
            fused_bytes = fuse_model(handle.read())
        if fused_bytes is None:
            return original
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        fused = onnxruntime.InferenceSession(fused_bytes, options, providers=["CPUExecutionProvider"])
        probe = np.random.default_rng(0).uniform(-1, 1, size=probe_shape).astype(np.float32)
        name = original.get_inputs()[0].name
        expected, got = original.run(None, {name: probe})[0], fused.run(None, {name: probe})[0]
    except Exception:  # noqa: BLE001 - any surprise in the file: keep the model as shipped
        logger.warning("model rewrite failed; using the model as shipped", exc_info=True)
        return original
    if expected.shape != got.shape or float(np.abs(expected - got).max()) > 1e-3:
        logger.warning("rewritten model differs from the original; using the model as shipped")
        return original
    return fused
