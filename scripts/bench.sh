#!/usr/bin/env bash
# Times wdlab's training epochs for each optimiser variant and batch size and, when a Python
# with torch is available, the same MLP in PyTorch (scripts/bench_torch.py), alternating the
# two in separate processes so that both see the same machine state; prints a markdown table
# with the wdlab/PyTorch time ratio. Timings are never asserted in tests: report ratios
# measured side by side in one run.
#
#   scripts/bench.sh [--methods sgd,sgdw,adam,adamw] [--batch-sizes 128,1024] [--rounds 2]
#                    [--python PATH] [--setup-torch]
#
# --python PATH   a Python that can `import torch` (default: .venv-torch/bin/python if present)
# --setup-torch   create .venv-torch with torch and numpy from PyPI first (several GB)
set -euo pipefail
cd "$(dirname "$0")/.."

methods=sgd,sgdw,adam,adamw
batch_sizes=128,1024
rounds=2
python=""
setup=0
while [ $# -gt 0 ]; do
  case "$1" in
    --methods) methods=$2; shift 2 ;;
    --batch-sizes) batch_sizes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --setup-torch) setup=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$setup" = 1 ]; then
  python3 -m venv .venv-torch
  .venv-torch/bin/pip install --quiet torch numpy
fi
if [ -z "$python" ] && [ -x .venv-torch/bin/python ]; then python=.venv-torch/bin/python; fi
if [ -n "$python" ] && ! "$python" -c 'import torch' 2>/dev/null; then
  echo "bench.sh: $python cannot import torch; PyTorch is left out" >&2
  python=""
fi

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/wdlab"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
  for b in ${batch_sizes//,/ }; do
    for m in ${methods//,/ }; do
      echo "round $round: $m batch $b" >&2
      "$bin" bench --json --methods "$m" --batch-sizes "$b" >>"$log"
      if [ -n "$python" ]; then
        # One warm-up epoch is implicit in wdlab bench; bench_torch warms up for a few steps.
        "$python" scripts/bench_torch.py --json --methods "$m" --batch-size "$b" --threads "$(nproc)" >>"$log"
      fi
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Median s/epoch of each (impl, method, batch) over the rounds, then the ratio.
python3 - "$log" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for r in rows:
    by.setdefault((r["impl"], r["method"], r["batch_size"]), []).append(r)
keys = sorted({(m, b) for (_, m, b) in by}, key=lambda k: (k[1], ["sgd", "sgdw", "adam", "adamw"].index(k[0])))
print("| method | batch | wdlab s/epoch | wdlab GFLOP/s (of sgemm) | wdlab RSS MiB | PyTorch s/epoch | PyTorch RSS MiB | wdlab/PyTorch |")
print("|---|---|---|---|---|---|---|---|")
for m, b in keys:
    w = by.get(("wdlab", m, b), [])
    t = by.get(("pytorch", m, b), [])
    ws = statistics.median(r["seconds_per_epoch"] for r in w) if w else None
    ts = statistics.median(r["seconds_per_epoch"] for r in t) if t else None
    gf = statistics.median(r["gflops"] for r in w) if w else None
    fr = statistics.median(r["sgemm_fraction"] for r in w) if w else None
    wr = max(r["peak_rss_mib"] or 0 for r in w) if w else None
    tr = max(r["peak_rss_mib"] for r in t) if t else None
    f = lambda x, s: (s % x) if x is not None else "–"
    ratio = f"{ws / ts:.2f}" if ws and ts else "–"
    print(f"| {m} | {b} | {f(ws, '%.3f')} | {f(gf, '%.0f')} ({f(fr and 100 * fr, '%.0f')} %) | {f(wr, '%.0f')} | {f(ts, '%.3f')} | {f(tr, '%.0f')} | {ratio} |")
PY
