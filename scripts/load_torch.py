#!/usr/bin/env python3
"""Usage: python scripts/load_torch.py WEIGHTS.safetensors [--data-dir data/mnist]

Loads the weights `wdlab train --save` wrote into a PyTorch nn.Sequential of nn.Linear and
nn.ReLU, evaluates it on the MNIST test set and prints its accuracy next to the one wdlab
recorded in the file's metadata. The file holds layers.{i}.weight [out, in] and
layers.{i}.bias [out] (nn.Linear's own layout), so the state dict loads as it is; the
images are the raw pixels scaled to [0, 1], as wdlab trains on them. Needs torch, numpy
and safetensors (pip install torch numpy safetensors).
"""

import argparse
import gzip
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # IDX headers: 0x00000803, 0x00000801


def read_idx(path, magic, header_ints):
    """Reads a gzipped IDX file (big-endian int32 header, then unsigned bytes)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = np.frombuffer(raw, dtype=">i4", count=header_ints)
    if header[0] != magic:
        raise ValueError(f"{path}: magic {header[0]}, expected {magic}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * header_ints)
    return data.reshape(header[1], -1)


def build_model(state):
    """nn.Sequential(Linear, ReLU, …, Linear) with the shapes the file's weights have."""
    count = len([k for k in state if k.endswith(".weight")])
    layers = []
    for i in range(count):
        out_features, in_features = state[f"layers.{i}.weight"].shape
        if state[f"layers.{i}.bias"].shape != (out_features,):
            raise SystemExit(
                f"layers.{i}: weight {tuple(state[f'layers.{i}.weight'].shape)} and bias "
                f"{tuple(state[f'layers.{i}.bias'].shape)} are not nn.Linear's [out, in] and [out]"
            )
        layers.append(nn.Linear(in_features, out_features))
        if i + 1 < count:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    # Sequential names its Linear modules by position (0, 2, 4, …: ReLUs sit in between).
    renamed = {
        f"{2 * i}.{part}": state[f"layers.{i}.{part}"]
        for i in range(count)
        for part in ("weight", "bias")
    }
    model.load_state_dict(renamed, strict=True)
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()

    state = load_file(str(args.weights))
    with safe_open(str(args.weights), framework="pt") as f:
        metadata = f.metadata() or {}
    model = build_model(state)

    images = read_idx(args.data_dir / "t10k-images-idx3-ubyte.gz", IMAGES_MAGIC, 4)
    labels = read_idx(args.data_dir / "t10k-labels-idx1-ubyte.gz", LABELS_MAGIC, 2).ravel()
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    with torch.no_grad():
        logits = model(x)
    accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    loss = nn.functional.cross_entropy(logits, y).item()

    print(model)
    run = ", ".join(
        f"{k} {metadata[k]}"
        for k in ("method", "lr", "decay", "decay_kind", "hidden", "epochs", "seed")
        if k in metadata
    )
    print(f"run: {run}")
    if "test_accuracy" in metadata:
        recorded = (
            f"{100 * float(metadata['test_accuracy']):.2f}% "
            f"(test loss {float(metadata['test_loss']):.4f})"
        )
    else:
        recorded = "nothing (no test_accuracy in the metadata)"
    print(
        f"test accuracy {100 * accuracy:.2f}% in PyTorch (test loss {loss:.4f}); "
        f"wdlab recorded {recorded}"
    )


if __name__ == "__main__":
    main()
