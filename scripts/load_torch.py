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
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

from mnist_idx import DATA_DIR, load_split

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

    x, y = load_split(args.data_dir, "t10k")
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
