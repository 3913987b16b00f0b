#!/usr/bin/env bash
# The GPU check: trains one epoch of each of the four optimisers on the GPU and on the CPU from
# the same seed, and prints a markdown table of s/epoch and test accuracy, and the largest
# |CPU − GPU| accuracy difference (expected: a few hundredths of a point at most; rounding
# differs between the two backends, nothing else does).
#
#   scripts/gpu-check.sh [BINARY]      # BINARY: a wdlab built with --features cuda
#                                      #         (default target/release/wdlab)
#
# Then it times a POPULATION × POPULATION learning-rate × decay grid on the GPU trained as one
# population against the same cells as single runs, one at a time (issue 5's population line):
# `wdlab bench --population N --methods sgd,adamw --train-size 3000 --epochs 2 --device cuda`.
#
# Environment: EPOCHS (1), SEED (0), DEVICE (cuda), DATA_DIR (data/mnist), POPULATION (6; 0
#   skips the population timing),
#   METHODS ("sgd sgdw adam adamw"), TRAIN_ARGS (more `wdlab train` flags for every run),
#   MAX_DELTA (0.10: the largest |Δ accuracy| in points before the check fails),
#   CUDA_LIB_DIRS (extra folders to search for the CUDA libraries, colon-separated),
#   WORK (where the runs write their metrics; default a temporary folder, removed after).
# Exit status: 0 on success; 1 if a run fails, a library is missing or |Δ| > MAX_DELTA.
#
# ## Building the binary
# Either build where you are and carry the binary, or build on the GPU machine:
#
#   scripts/cuda-toolchain.sh && source .cuda/env.sh     # only without a CUDA toolkit;
#   cargo build --release --features cuda                # CUDA_COMPUTE_CAP=90 for H100/H200
#
# The binary links the CUDA libraries dynamically (`ldd`): libcuda.so.1 (the NVIDIA driver's),
# libcudart.so.13, libcublas.so.13 (which loads libcublasLt.so.13) and libcurand.so.10, from
# a CUDA 13 toolkit (/usr/local/cuda/lib64) or NVIDIA's wheels, as PyTorch installs them
# (site-packages/nvidia/cu13/lib). This script finds the missing ones (in CUDA_LIB_DIRS,
# $CUDA_HOME, /usr/local/cuda, then the `nvidia` package of python3) and puts their folders on
# LD_LIBRARY_PATH; where no libcurand.so.10 exists (recent PyTorch wheels lack it) it builds a
# stand-in for the calls candle makes at device creation, and says so in its report. It
# needs a driver that supports CUDA 13.0 (580 or newer). The kernels are PTX and SASS for
# compute capability 9.0 (sm_90a, with the default CUDA_COMPUTE_CAP=90 at build time); the
# driver compiles the PTX on first use, which the warm-up run pays for.
#
# ## On the lent H200 machine (no network, at most 64 MiB carried per command)
# Build here (scripts/cuda-toolchain.sh; CUDA_COMPUTE_CAP=90 is the H200's), then carry the
# binary gzipped (about 49 MiB plain, 12 MiB gzipped; the tracked tree, data/mnist included,
# travels too and is about 12 MB) under an ignored path of the repository:
#
#   mkdir -p target/gpu && gzip -9 -c "${CARGO_TARGET_DIR:-target}/release/wdlab" >target/gpu/wdlab.gz
#   # device run tool: carry ["target/gpu"], timeout_s 480, command:
#   gunzip -f target/gpu/wdlab.gz && bash scripts/gpu-check.sh target/gpu/wdlab | tee "$OUT/gpu-check.md"
#
# The table goes to stdout (and $OUT/gpu-check.md), progress and errors to stderr; paste the
# table into BENCHMARKS.md. Building on that machine instead would need the crates vendored
# (`cargo vendor`: about 110 MB of sources; it has no crates.io), which does not travel.
# There the driver provides libcuda.so.1 and PyTorch's wheels (site-packages/nvidia/cu13/lib)
# or the toolkit the rest; to pick the folders by hand:
#   CUDA_LIB_DIRS="$(python3 -c 'import nvidia, os; print(os.path.join(nvidia.__path__[0], "cu13", "lib"))')"
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-target/release/wdlab}"
EPOCHS="${EPOCHS:-1}"
SEED="${SEED:-0}"
DEVICE="${DEVICE:-cuda}"
DATA_DIR="${DATA_DIR:-$ROOT/data/mnist}"
MAX_DELTA="${MAX_DELTA:-0.10}"
POPULATION="${POPULATION:-6}"
read -r -a METHODS <<<"${METHODS:-sgd sgdw adam adamw}"
read -r -a TRAIN_ARGS <<<"${TRAIN_ARGS:-}"

die() { echo "gpu-check: $*" >&2; exit 1; }
say() { echo "gpu-check: $*" >&2; }

[ -x "$BIN" ] || die "no executable $BIN (build with: cargo build --release --features cuda)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[ -d "$DATA_DIR" ] || die "no data folder $DATA_DIR"

if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi

# Make the dynamic loader find the CUDA libraries the binary needs.
missing_libs() { ldd "$BIN" 2>/dev/null | awk '/not found/ { print $1 }'; }
lib_dirs() {
  local d py
  if [ -n "${CUDA_LIB_DIRS:-}" ]; then tr ':' '\n' <<<"$CUDA_LIB_DIRS"; fi
  for d in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda; do
    [ -n "$d" ] && printf '%s\n' "$d/lib64" "$d/lib" "$d/targets/x86_64-linux/lib"
  done
  for py in python3 python; do
    command -v "$py" >/dev/null || continue
    # NVIDIA's wheels (PyTorch's CUDA libraries): site-packages/nvidia/{cu13,cublas,...}/lib.
    "$py" - <<'EOF' 2>/dev/null || true
import glob, os
try:
    import nvidia
except ImportError:
    raise SystemExit
for root in nvidia.__path__:
    for d in sorted(glob.glob(os.path.join(root, "*", "lib"))):
        print(d)
EOF
  done
}
if [ -n "$(missing_libs)" ]; then
  mapfile -t CANDIDATES < <(lib_dirs)
  for lib in $(missing_libs); do
    for d in "${CANDIDATES[@]}"; do
      if [ -e "$d/$lib" ]; then
        say "$lib from $d"
        export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        break
      fi
    done
  done
fi
# libcurand.so.10: candle opens a cuRAND generator when it opens the device (create, set
# stream, seed; destroy at the end), but wdlab draws every random number on the host (initial
# weights, batch order, `wdlab bench`'s gemm matrices) and never asks cuRAND for one. Recent
# PyTorch wheels no longer ship cuRAND, so where no libcurand.so.10 is found, a stand-in is
# built with cc: those four calls succeed, every other cuRAND function the binary imports
# (listed by nm; the binary binds all symbols at start) returns CURAND_STATUS_INTERNAL_ERROR.
# The report says when it was used.
CURAND_NOTE=""
if missing_libs | grep -qx libcurand.so.10; then
  command -v cc >/dev/null || die "libcurand.so.10 not found, and no cc to build a stand-in"
  command -v nm >/dev/null || die "libcurand.so.10 not found, and no nm to build a stand-in"
  SHIM="$WORK/curand-shim"
  mkdir -p "$SHIM"
  {
    echo '/* Stands in for cuRAND where it is missing (scripts/gpu-check.sh). */'
    echo 'static int generator;'
    echo 'int curandCreateGenerator(void **gen, int kind) { (void)kind; *gen = &generator; return 0; }'
    echo 'int curandSetStream(void *gen, void *stream) { (void)gen; (void)stream; return 0; }'
    echo 'int curandSetPseudoRandomGeneratorSeed(void *gen, unsigned long long s) { (void)gen; (void)s; return 0; }'
    echo 'int curandDestroyGenerator(void *gen) { (void)gen; return 0; }'
    nm -D --undefined-only "$BIN" | awk '{ sub(/@.*/, "", $2) } $2 ~ /^curand/ { print $2 }' |
      grep -vxE 'curand(CreateGenerator|SetStream|SetPseudoRandomGeneratorSeed|DestroyGenerator)' |
      sort -u | awk '{ printf "int %s(void) { return 999; /* CURAND_STATUS_INTERNAL_ERROR */ }\n", $1 }'
  } >"$SHIM/curand_shim.c"
  echo 'libcurand.so.10 { global: curand*; local: *; };' >"$SHIM/curand.map"
  cc -shared -fPIC -O2 -Wl,-soname,libcurand.so.10 -Wl,--version-script="$SHIM/curand.map" \
    -o "$SHIM/libcurand.so.10" "$SHIM/curand_shim.c"
  export LD_LIBRARY_PATH="$SHIM${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "libcurand.so.10 not found: using a stand-in (see the comment in this script)"
  CURAND_NOTE="- libcurand.so.10: not on this machine; a stand-in whose generator calls succeed and whose draws fail was used (training draws no random numbers on the GPU)"
fi
if [ -n "$(missing_libs)" ]; then
  ldd "$BIN" >&2 || true
  die "libraries not found: $(missing_libs | tr '\n' ' ')(libcuda.so.1 comes with the NVIDIA \
driver; set CUDA_LIB_DIRS for the others)"
fi

# One run; prints "s/epoch test_accuracy" (the mean seconds of its epochs, the last accuracy).
run() {
  local method=$1 device=$2 out="$WORK/$1-$2"
  rm -rf "$out"
  if ! "$BIN" train --optimizer "$method" --epochs "$EPOCHS" --seed "$SEED" --quiet \
    --data-dir "$DATA_DIR" --device "$device" --out "$out" ${TRAIN_ARGS[@]+"${TRAIN_ARGS[@]}"} \
    >"$out.log" 2>&1; then
    cat "$out.log" >&2
    die "wdlab train --optimizer $method --device $device failed"
  fi
  # metrics.csv: epoch,train_loss,val_accuracy,test_loss,test_accuracy,weight_norm,seconds
  awk -F, '
    NR == 1 && $5 != "test_accuracy" { print "bad header: " $0 > "/dev/stderr"; exit 1 }
    NR > 1 { secs += $7; acc = $5; n++ }
    END { if (n == 0) exit 1; printf "%.3f %.6f\n", secs / n, acc }
  ' "$out/metrics.csv" || die "cannot read $out/metrics.csv"
}

echo "## wdlab gpu-check"
echo
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader |
    sed 's/^/- GPU: /'
else
  echo "- GPU: (no nvidia-smi)"
fi
echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "- binary: $BIN ($("$BIN" --version)), $(du -h "$BIN" | cut -f1)"
if [ -n "$CURAND_NOTE" ]; then echo "$CURAND_NOTE"; fi
echo "- CUDA libraries: $(ldd "$BIN" | awk '/libcu|libnvrtc/ { print $3 }' | tr '\n' ' ')"
echo "- runs: \`wdlab train --optimizer M --epochs $EPOCHS --seed $SEED --quiet --device $DEVICE|cpu${TRAIN_ARGS[*]:+ ${TRAIN_ARGS[*]}}\`"

# A first short GPU run pays the one-time costs (driver start, PTX compiled to the GPU's code
# and cached), so that the table times training alone.
say "warming up the GPU (first launch compiles the PTX kernels)"
warm_start=$(date +%s)
"$BIN" train --optimizer adamw --epochs 1 --train-size 1000 --seed "$SEED" --quiet \
  --data-dir "$DATA_DIR" --device "$DEVICE" >"$WORK/warmup.log" 2>&1 ||
  { cat "$WORK/warmup.log" >&2; die "the GPU warm-up run failed"; }
echo "- first GPU launch (1,000 images, includes PTX JIT): $(( $(date +%s) - warm_start )) s"
echo

echo "| optimizer | CPU s/epoch | GPU s/epoch | speed-up | CPU test acc | GPU test acc | \|Δ\| (points) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
max_delta=0
for m in "${METHODS[@]}"; do
  say "$m on $DEVICE"
  res=$(run "$m" "$DEVICE")
  read -r gs ga <<<"$res"
  say "$m on cpu"
  res=$(run "$m" cpu)
  read -r cs ca <<<"$res"
  # The table row, then |Δ| in points on a line of its own.
  out=$(awk -v m="$m" -v cs="$cs" -v gs="$gs" -v ca="$ca" -v ga="$ga" 'BEGIN {
    d = 100 * (ca - ga); if (d < 0) d = -d
    printf "| %s | %.2f | %.2f | %.1f× | %.2f %% | %.2f %% | %.2f |\n%.4f\n",
      m, cs, gs, (gs > 0 ? cs / gs : 0), 100 * ca, 100 * ga, d, d }')
  echo "${out%$'\n'*}"
  delta="${out##*$'\n'}"
  max_delta=$(awk -v a="$max_delta" -v b="$delta" 'BEGIN { print (b > a ? b : a) }')
done
echo
echo "Largest |CPU − GPU| test-accuracy difference: $(printf '%.2f' "$max_delta") points (limit $MAX_DELTA)."
if awk -v d="$max_delta" -v lim="$MAX_DELTA" 'BEGIN { exit !(d > lim) }'; then
  die "CPU and GPU accuracies differ by $max_delta points, more than $MAX_DELTA"
fi

if [ "$POPULATION" -gt 0 ]; then
  say "a ${POPULATION}×${POPULATION} grid on $DEVICE: population vs single runs"
  echo
  echo "### A ${POPULATION} × ${POPULATION} grid on the GPU: one population vs single runs"
  echo
  echo "\`wdlab bench --population $POPULATION --methods sgd,adamw --train-size 3000 --epochs 2 --device $DEVICE\`"
  echo
  # `wdlab bench` reads the bundled data/mnist, relative to the repository root.
  (cd "$ROOT" && "$BIN" bench --population "$POPULATION" --methods sgd,adamw --train-size 3000 \
    --epochs 2 --device "$DEVICE") 2>"$WORK/population.log" ||
    { cat "$WORK/population.log" >&2; die "wdlab bench --population failed on $DEVICE"; }
fi
