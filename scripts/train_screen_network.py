"""Train the lit-screen network on labelled photos; write models/screen_network.npz and .onnx.

    pip install -e '.[train]'
    python scripts/train_screen_network.py ../shared/datasets/screen-dev [--out NPZ] [--onnx ONNX]
    python scripts/train_screen_network.py --export-only   # screen_network.onnx from the .npz
    python scripts/fit_screen_model.py ../shared/datasets/screen-dev

The folder holds `labels.csv` (file, screen_on yes/no/na, group) and `images/`. Each photo
is decoded by the review's own decoder and letterboxed as the review does
(`models/convnet.network_input`), so the network is trained on the pixels it will see.

The network (`Net`) is small and trained from scratch: five blocks of a 3x3 convolution,
batch norm, ReLU and 2x2 max pooling (16, 32, 64, 96, 128 channels) on 128 px photos, then
the mean and the maximum of each channel into one logit; about 0.19 M weights. Training
is AdamW with a one-cycle learning rate for EPOCHS epochs, on random flips, quarter turns
(a photo shot sideways), small turns, zooms, shifts and changes of brightness, contrast,
colour balance and saturation.

One network is trained per fold of a grouped split (FOLDS folds, whole groups, the largest
first into the smallest fold), each on the other folds, and one on all photos. The file
holds them all, each fold's network with the digests of the photos it never saw, so
`image-review eval-screen` scores every photo with a network that did not see it. The
network trained on all photos is also written as ONNX (`models/screen_network.onnx`,
from the same weights), which a review runs with OpenCV's dnn module. The logistic model
whose logit is averaged with the network's is fitted afterwards by
`scripts/fit_screen_model.py`.

Seeded (SEED) and run on two threads: on the same machine and PyTorch version a re-run
writes the same bytes (checked here). On other CPUs or versions the weights may differ in
the last digits: run fit_screen_model.py after it and compare the figures it prints.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import zipfile
from pathlib import Path

import numpy as np

from image_review.evaluate import read_labels
from image_review.imaging import DecodeError, decode, sniff_format
from image_review.models import MODELS
from image_review.models.convnet import network_input, photo_digest

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:
    sys.exit("training needs PyTorch: pip install -e '.[train]'")

SIDE = 128
WIDTHS = (16, 32, 64, 96, 128)
EPOCHS = 40
BATCH = 32
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-3
DROPOUT = 0.3
FOLDS = 5
SEED = 0


class Net(nn.Module):
    """The network of the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for width in WIDTHS:
            layers += [
                nn.Conv2d(channels, width, 3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            channels = width
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(DROPOUT)
        self.out = nn.Linear(2 * channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return self.out(self.dropout(pooled)).squeeze(1)


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random flips, quarter turns, turns (10 degrees), zooms (0.8-1.2), shifts (10%),
    brightness, contrast, colour balance and saturation; the normalised input in and out."""
    n = x.shape[0]

    def uniform(low: float, high: float, *shape: int) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, *shape, generator=generator)

    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    quarters = torch.randint(0, 4, (n,), generator=generator)  # a photo shot sideways
    x = torch.stack(
        [torch.rot90(photo, int(k), dims=(1, 2)) for photo, k in zip(x, quarters, strict=True)]
    )
    angle, zoom = uniform(-math.radians(10), math.radians(10)), uniform(0.8, 1.2)
    shift_x, shift_y = uniform(-0.1, 0.1), uniform(-0.1, 0.1)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)  # 0 is the pad grey
    levels = x * 0.25 + 0.5
    mean = levels.mean(dim=(1, 2, 3), keepdim=True)
    levels = (levels - mean) * uniform(0.7, 1.3, 1, 1, 1) + mean * uniform(0.6, 1.4, 1, 1, 1)
    levels = levels * uniform(0.9, 1.1, 3, 1, 1)
    grey = levels.mean(dim=1, keepdim=True)
    levels = grey + (levels - grey) * uniform(0.6, 1.4, 1, 1, 1)
    return (levels.clamp(0, 1) - 0.5) / 0.25


def train(inputs: torch.Tensor, truth: torch.Tensor, seed: int) -> Net:
    """One network trained on these photos."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    net = Net()
    optimiser = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    # batch norm needs two photos: a last batch of one is left out
    per_epoch = len(truth) // BATCH + (len(truth) % BATCH >= 2)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, LEARNING_RATE, total_steps=EPOCHS * per_epoch
    )
    net.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(truth), generator=generator)
        for start in range(0, per_epoch * BATCH, BATCH):
            batch = order[start : start + BATCH]
            logits = net(augment(inputs[batch], generator))
            loss = F.binary_cross_entropy_with_logits(logits, truth[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    return net.eval()


def folds_of(groups: list[str]) -> list[set[str]]:
    """FOLDS sets of whole groups: the largest group first, each into the smallest fold."""
    sizes = {group: groups.count(group) for group in set(groups)}
    folds: list[set[str]] = [set() for _ in range(FOLDS)]
    filled = [0] * FOLDS
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        smallest = filled.index(min(filled))
        folds[smallest].add(group)
        filled[smallest] += sizes[group]
    return folds


def arrays_of(net: Net, prefix: str) -> dict[str, np.ndarray]:
    """The network's weights with batch norm folded into each convolution (float16)."""
    out = {}
    convolutions = [m for m in net.features if isinstance(m, nn.Conv2d)]
    norms = [m for m in net.features if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for i, (conv, norm) in enumerate(zip(convolutions, norms, strict=True)):
            scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
            out[f"{prefix}.conv{i}.w"] = (conv.weight * scale[:, None, None, None]).numpy()
            out[f"{prefix}.conv{i}.b"] = (norm.bias - norm.running_mean * scale).numpy()
        out[f"{prefix}.out.w"] = net.out.weight[0].numpy()
        out[f"{prefix}.out.b"] = net.out.bias.numpy()
    return {key: value.astype(np.float16) for key, value in out.items()}  # halves the file


class Folded(nn.Module):
    """The trained network as the review runs it: batch norm folded into the convolutions,
    weights read back from the .npz arrays (so the ONNX file holds the same numbers)."""

    def __init__(self, arrays: dict[str, np.ndarray], prefix: str) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i in range(len(WIDTHS)):
            weights = torch.from_numpy(arrays[f"{prefix}.conv{i}.w"].astype(np.float32))
            conv = nn.Conv2d(weights.shape[1], weights.shape[0], 3, padding=1)
            conv.weight.data = weights
            conv.bias.data = torch.from_numpy(arrays[f"{prefix}.conv{i}.b"].astype(np.float32))
            layers += [conv, nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*layers)
        self.out = nn.Linear(2 * WIDTHS[-1], 1)
        self.out.weight.data = torch.from_numpy(arrays[f"{prefix}.out.w"].astype(np.float32))[None]
        self.out.bias.data = torch.from_numpy(arrays[f"{prefix}.out.b"].astype(np.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        return self.out(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))


def write_onnx(path: Path, arrays: dict[str, np.ndarray], prefix: str) -> None:
    """The network under `prefix` as an ONNX file OpenCV's dnn module reads (opset 13)."""
    example = torch.zeros(1, 3, SIDE, SIDE)
    buffer = io.BytesIO()
    torch.onnx.export(
        Folded(arrays, prefix).eval(),
        (example,),
        buffer,
        dynamo=False,  # the TorchScript exporter writes the plain graph OpenCV reads
        opset_version=13,
        input_names=["photo"],
        output_names=["logit"],
    )
    path.write_bytes(buffer.getvalue())


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz numpy reads, with fixed dates in the zip so the same weights give the same
    bytes; stored, not deflated (float16 weights hardly compress, and a review reads it
    faster)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for key in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[key]), allow_pickle=False)
            archive.writestr(
                zipfile.ZipInfo(f"{key}.npy", (1980, 1, 1, 0, 0, 0)), member.getvalue()
            )
    path.write_bytes(buffer.getvalue())


def trained_arrays(dataset: Path) -> dict[str, np.ndarray]:
    """Every network's weights (see the module docstring), trained on `dataset`."""
    torch.set_num_threads(2)  # fixed: the same sums in the same order on any machine
    inputs, truth, groups, digests = [], [], [], []
    for label in read_labels(dataset / "labels.csv"):
        data = (dataset / "images" / label.file).read_bytes()
        try:
            frame = decode(data, sniff_format(data[:32]) or "", 100_000_000)
        except DecodeError:
            print(f"skipped {label.file}: cannot be decoded")
            continue
        inputs.append(network_input(frame.bgr, SIDE))
        truth.append(label.on)
        groups.append(label.group)
        digests.append(photo_digest(data))
    x = torch.from_numpy(np.stack(inputs))
    y = torch.tensor(truth, dtype=torch.float32)
    arrays: dict[str, np.ndarray] = {"side": np.array(SIDE), "folds": np.array(FOLDS)}
    for k, fold in enumerate(folds_of(groups)):
        held = np.array([group in fold for group in groups])
        net = train(x[~held], y[~held], SEED + 1 + k)
        arrays.update(arrays_of(net, f"fold{k}"))
        arrays[f"fold{k}.held_out"] = np.array(sorted(np.array(digests)[held]))
        print(f"fold {k}: {held.sum()} photos held out, {len(fold)} groups")
    arrays.update(arrays_of(train(x, y, SEED), "final"))
    return arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, nargs="?", help="folder with labels.csv and images/")
    parser.add_argument("--out", type=Path, default=MODELS / "screen_network.npz")
    parser.add_argument("--onnx", type=Path, default=MODELS / "screen_network.onnx")
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="write the ONNX file from the .npz as it is (--out), without training",
    )
    args = parser.parse_args()
    if args.export_only:
        with np.load(args.out, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
    elif args.dataset is None:
        parser.error("the dataset folder is needed to train (or give --export-only)")
    else:
        arrays = trained_arrays(args.dataset)
        write_npz(args.out, arrays)
    write_onnx(args.onnx, arrays, "final")
    for path in ([] if args.export_only else [args.out]) + [args.onnx]:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
