#!/usr/bin/env bash
# Sets up the CUDA 13.0 pieces that `cargo build --features cuda` needs (nvcc, headers, and the
# libraries candle links against) from NVIDIA's PyPI wheels, in the git-ignored folder .cuda/
# of the repository, for a machine without a CUDA toolkit. No GPU or driver is needed to build.
#
#   scripts/cuda-toolchain.sh            # once: downloads ~650 MB of wheels, installs ~1.2 GB
#   source .cuda/env.sh                  # in each shell that builds
#   cargo build --release --features cuda
#
# What it does (idempotent: a second run checks and re-links, and downloads nothing):
#   1. `pip download` the pinned wheels (sha256-checked) into .cuda/wheels/;
#   2. `pip install --no-deps --no-index --target .cuda/site` them; NVIDIA's CUDA 13 wheels all
#      install into one prefix, site/nvidia/cu13/ (bin/nvcc, include/, lib/, nvvm/), which is
#      laid out like a toolkit; .cuda/toolkit points at it and is CUDA_HOME;
#   3. adds what the wheels leave out: lib64 -> lib, the unversioned lib*.so links the linker
#      needs (cudart, cublas, cublasLt, curand, nvrtc), targets/x86_64-linux/ (where nvcc.profile
#      looks for include/ and lib/), and lib/stubs/libcuda.so, a link-time stub of the driver
#      API (SONAME libcuda.so.1; every entry point returns CUDA_ERROR_STUB_LIBRARY) built with
#      cc from the names in cuda.h. At run time the real libcuda.so.1 comes from the driver;
#   4. writes .cuda/env.sh, which exports CUDA_HOME, CUDA_PATH, PATH, LIBRARY_PATH,
#      LD_LIBRARY_PATH, CUDARC_CUDA_VERSION=13000 and CUDA_COMPUTE_CAP.
#
# Versions: CUDA 13.0 Update 2 (the pins of PyPI's cuda-toolkit==13.0.2), to match driver 580
# (CUDA 13.0) on the GPU machine: candle's kernels are PTX that the driver JIT-compiles, and
# PTX from a newer nvcc than the driver knows does not load. For another driver, change the
# pins (see `pip download --no-deps cuda-toolkit==13.X.Y` and its METADATA) and the hashes.
#
# Environment:
#   CUDA_COMPUTE_CAP  GPU architecture to compile for, without a GPU to ask (default 90: H100,
#                     H200). candle-kernels compiles PTX for it and SASS for its MoE/GGUF kernels.
#   PYTHON            the Python whose pip is used (default python3).
#   CUDA_DIR          where to put everything (default <repo>/.cuda).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CUDA_DIR="${CUDA_DIR:-$ROOT/.cuda}"
PYTHON="${PYTHON:-python3}"
COMPUTE_CAP="${CUDA_COMPUTE_CAP:-90}"
export PIP_ROOT_USER_ACTION=ignore   # pip installs into .cuda/, not the system, even as root

# Wheel pins (CUDA 13.0.2) with the sha256 of each manylinux x86_64 wheel.
PINS=(
  "nvidia-cuda-nvcc==13.0.88     --hash=sha256:56fe502eb77625a12f25172caa3cdddb4e4c8ba2c8c17dba44b164761b380f03"
  "nvidia-cuda-crt==13.0.88      --hash=sha256:2c8043c7c9e02492716426e9919fc78d2c5b3b2a7a768a88e952676b08aa55a4"
  "nvidia-nvvm==13.0.88          --hash=sha256:c5f41ffeb6466944a026dfa5317d7d85355c119bbec279205d22f1869d1054e0"
  "nvidia-cuda-cccl==13.0.85     --hash=sha256:e0da7ad981f3a8aff08241b5bfc1af868742a63e2762f53a5171c492ef242649"
  "nvidia-cuda-runtime==13.0.96  --hash=sha256:7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548"
  "nvidia-cuda-nvrtc==13.0.88    --hash=sha256:ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575"
  "nvidia-cublas==13.1.0.3       --hash=sha256:ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171"
  "nvidia-curand==10.4.0.35      --hash=sha256:1aee33a5da6e1db083fe2b90082def8915f30f3248d5896bcec36a579d941bfc"
)
# Libraries linked by name (cudarc's dynamic-linking: nvrtc, curand, cublas, cublasLt, and
# cuda = the driver; candle-kernels: cudart), by the file name of their soname.
LIBS=(libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libnvrtc.so.13)

die() { echo "cuda-toolchain: $*" >&2; exit 1; }
say() { echo "cuda-toolchain: $*" >&2; }

[ "$(uname -s)" = Linux ] || die "Linux only (the wheels pinned here are Linux x86_64)"
[ "$(uname -m)" = x86_64 ] || die "x86_64 only: the hashes pin the x86_64 wheels; for $(uname -m), \
edit PINS in this script (drop the hashes) and rerun"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "no pip for $PYTHON (set PYTHON=...)"
command -v cc >/dev/null || die "no C compiler (cc): nvcc needs gcc/g++ as its host compiler"
command -v c++ >/dev/null || die "no C++ compiler (c++): nvcc needs g++ as its host compiler"

mkdir -p "$CUDA_DIR/wheels"
REQ="$CUDA_DIR/requirements.txt"
printf '%s\n' "${PINS[@]}" >"$REQ.new"
mv "$REQ.new" "$REQ"

# 1. Download (pip skips wheels already in the folder whose hash matches).
say "downloading the pinned wheels into $CUDA_DIR/wheels"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --require-hashes -r "$REQ" -d "$CUDA_DIR/wheels"

# 2. Install, unless the same pins are installed already.
SITE="$CUDA_DIR/site"
STAMP="$SITE/.installed-from"
if [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQ"; then
  say "wheels already installed in $SITE"
else
  say "installing into $SITE"
  rm -rf "$SITE"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps --no-index \
    --find-links "$CUDA_DIR/wheels" --require-hashes -r "$REQ" --target "$SITE"
  cp "$REQ" "$STAMP"
fi
TK_REAL="$SITE/nvidia/cu13"
[ -x "$TK_REAL/bin/nvcc" ] || die "no nvcc in $TK_REAL/bin after installing"
ln -sfn "site/nvidia/cu13" "$CUDA_DIR/toolkit"
TK="$CUDA_DIR/toolkit"

# 3. What a toolkit has and the wheels do not.
ln -sfn lib "$TK/lib64"
mkdir -p "$TK/targets"
ln -sfn .. "$TK/targets/x86_64-linux"
for so in "${LIBS[@]}"; do
  [ -e "$TK/lib/$so" ] || die "missing $TK/lib/$so"
  ln -sfn "$so" "$TK/lib/${so%%.so.*}.so"
done

STUBS="$TK/lib/stubs"
mkdir -p "$STUBS"
if [ ! -f "$STUBS/libcuda.so" ] || [ "$TK/include/cuda.h" -nt "$STUBS/libcuda.so" ]; then
  say "building the link-time driver stub $STUBS/libcuda.so"
  # Every cu* identifier in cuda.h, including the _v2.._vN names its #defines map the API to.
  grep -oE '\bcu[A-Z][A-Za-z0-9_]*\b' "$TK/include/cuda.h" | sort -u \
    | awk '{ printf "int %s(void) { return 34; /* CUDA_ERROR_STUB_LIBRARY */ }\n", $1 }' \
      >"$STUBS/libcuda_stub.c"
  cc -shared -fPIC -O0 -w -Wl,-soname,libcuda.so.1 -o "$STUBS/libcuda.so" "$STUBS/libcuda_stub.c"
fi

# 4. The environment.
NVCC_VERSION="$("$TK/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\),.*/\1/p')"
[ "$NVCC_VERSION" = "13.0" ] || die "nvcc reports release '$NVCC_VERSION', expected 13.0"
ENV="$CUDA_DIR/env.sh"
cat >"$ENV" <<EOF
# Written by scripts/cuda-toolchain.sh: source it before \`cargo build --features cuda\`.
export CUDA_HOME="$TK"
export CUDA_PATH="$TK"
export PATH="$TK/bin:\$PATH"
# Build time: the linker finds cudart, cublas, cublasLt, curand, nvrtc and the libcuda stub.
export LIBRARY_PATH="$TK/lib:$TK/lib/stubs\${LIBRARY_PATH:+:\$LIBRARY_PATH}"
# Run time: the CUDA libraries (libcuda.so.1 itself must come from the NVIDIA driver).
export LD_LIBRARY_PATH="$TK/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export CUDARC_CUDA_VERSION=13000
# No GPU to ask at build time: compile for this architecture (90 = H100/H200).
export CUDA_COMPUTE_CAP="\${CUDA_COMPUTE_CAP:-$COMPUTE_CAP}"
EOF

say "nvcc $NVCC_VERSION ready in $TK (compute capability $COMPUTE_CAP)"
cat <<EOF
# CUDA toolchain ready. Build with:
source "$ENV"
cargo build --release --features cuda
EOF
