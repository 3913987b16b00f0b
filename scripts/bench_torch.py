#!/usr/bin/env python3
"""PyTorch (CPU) peer for wdlab's speed and accuracy numbers.

Trains the same model as wdlab — a 784-1024-10 ReLU MLP with nn.Linear's default
initialisation, f32, mean cross-entropy — on the 60,000 MNIST training images in
shuffled mini-batches (the last, partial batch included), and reports seconds per
epoch, samples per second, test accuracy and the process's peak RSS.

Optimisers, with --weight-decay read per method (wdlab's notation, see shared DESIGN.md):
  sgd    torch.optim.SGD, weight_decay = λ (L2: the gradient gets λθ)
  sgdw   torch.optim.SGD without weight decay, after a decoupled decay θ ← (1 − λ')θ
         applied with one torch._foreach_mul_ over all parameters before each step
         (Loshchilov & Hutter 2019, Alg. 1, paper convention: λ' is not scaled by lr)
  adam   torch.optim.Adam, weight_decay = λ (L2)
  adamw  torch.optim.AdamW, weight_decay as torch defines it (θ shrinks by lr·wd per step)
Default learning rates: 0.1 for sgd/sgdw, 1e-3 for adam/adamw.

Timing covers the training loop only (shuffling, batch gathering, forward, backward,
step); evaluation is not timed. A few warm-up steps on a throwaway model come first, so
one-off costs (allocator growth, oneDNN/MKL kernel selection) are not timed, and the timed
model still sees exactly --epochs epochs. Peak RSS is ru_maxrss of the whole process, so
with several methods in one run it is the peak so far; import_rss_mib is the part that
importing torch alone takes (its CUDA-enabled PyPI build maps several hundred MiB).

Example:
    python scripts/bench_torch.py --methods sgd,adamw --threads 2 --json
"""

import argparse
import json
import resource
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from mnist_idx import DATA_DIR, load_split

METHODS = ("sgd", "sgdw", "adam", "adamw")
DEFAULT_LR = {"sgd": 0.1, "sgdw": 0.1, "adam": 1e-3, "adamw": 1e-3}
def peak_rss_mib():
    """Peak resident set of this process so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def make_model():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))


def make_step(method, params, lr, weight_decay, momentum):
    """Returns step(), which applies one update after backward()."""
    if method == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    elif method == "sgdw":
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
    elif method == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)

    def step():
        if method == "sgdw":
            # The gradient was taken at θ_prev, so decaying θ before the step gives
            # θ_prev − lr·g − λ'θ_prev (with momentum: − m instead of − lr·g).
            with torch.no_grad():
                torch._foreach_mul_(params, 1.0 - weight_decay)
        opt.step()
        opt.zero_grad(set_to_none=True)

    return step


def train_epoch(model, step, x, y, batch_size, generator):
    order = torch.randperm(x.shape[0], generator=generator)
    for start in range(0, x.shape[0], batch_size):
        idx = order[start:start + batch_size]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        step()
    return loss.item()


@torch.no_grad()
def accuracy(model, x, y, chunk=2000):
    correct = sum(
        (model(x[i:i + chunk]).argmax(dim=1) == y[i:i + chunk]).sum().item()
        for i in range(0, x.shape[0], chunk)
    )
    return correct / x.shape[0]


def warm_up(method, args, lr, x, y):
    model = make_model()
    params = list(model.parameters())
    step = make_step(method, params, lr, args.weight_decay, args.momentum)
    for i in range(args.warmup_steps):
        start = (i * args.batch_size) % (x.shape[0] - args.batch_size)
        F.cross_entropy(model(x[start:start + args.batch_size]),
                        y[start:start + args.batch_size]).backward()
        step()


def bench(method, args, train, test, import_rss_mib):
    lr = args.lr if args.lr is not None else DEFAULT_LR[method]
    warm_up(method, args, lr, *train)

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = make_model()
    params = list(model.parameters())
    step = make_step(method, params, lr, args.weight_decay, args.momentum)
    seconds = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        train_loss = train_epoch(model, step, *train, args.batch_size, generator)
        seconds.append(time.perf_counter() - t0)

    per_epoch = sum(seconds) / len(seconds)
    return {
        "impl": "pytorch",
        "method": method,
        "batch_size": args.batch_size,
        "seconds_per_epoch": round(per_epoch, 3),
        "samples_per_s": round(train[0].shape[0] / per_epoch, 1),
        "test_accuracy": accuracy(model, *test),
        "epochs": args.epochs,
        "lr": lr,
        "weight_decay": args.weight_decay,
        "momentum": args.momentum if method in ("sgd", "sgdw") else None,
        "threads": args.threads,
        "last_batch_loss": round(train_loss, 5),
        "peak_rss_mib": peak_rss_mib(),
        "import_rss_mib": import_rss_mib,
        "torch": torch.__version__,
    }


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", default=",".join(METHODS),
                   help="comma-separated subset of " + ",".join(METHODS))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate for every method (default: 0.1 sgd/sgdw, 1e-3 adam/adamw)")
    p.add_argument("--weight-decay", type=float, default=1e-4,
                   help="λ for sgd/adam, λ' for sgdw, torch's weight_decay for adamw")
    p.add_argument("--momentum", type=float, default=0.0, help="for sgd and sgdw")
    p.add_argument("--warmup-steps", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    args = p.parse_args()
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        p.error(f"unknown method(s) {unknown}; choose from {METHODS}")
    if args.epochs < 1 or args.batch_size < 1 or args.threads < 1:
        p.error("--epochs, --batch-size and --threads must be at least 1")
    args.methods = methods
    return args


def main():
    args = parse_args()
    # What importing torch alone costs, before any data or model: a baseline to
    # subtract when comparing peak RSS with wdlab.
    import_rss_mib = peak_rss_mib()
    torch.set_num_threads(args.threads)
    train = load_split(args.data_dir, "train")
    test = load_split(args.data_dir, "t10k")
    for method in args.methods:
        r = bench(method, args, train, test, import_rss_mib)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{method:6} batch {r['batch_size']}, {r['threads']} threads: "
                  f"{r['seconds_per_epoch']:.2f} s/epoch, {r['samples_per_s']:.0f} samples/s, "
                  f"test accuracy {100 * r['test_accuracy']:.2f} % after {r['epochs']} "
                  f"epoch(s), peak RSS {r['peak_rss_mib']:.0f} MiB "
                  f"({r['import_rss_mib']:.0f} MiB after importing torch)", flush=True)


if __name__ == "__main__":
    main()
