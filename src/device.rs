//! The device a run trains on, parsed once from `--device` into a [`DeviceSpec`]; the defaults
//! that depend on it (`--jobs`, `--cells`) match on the type, never on its spelling. Also the
//! CPU floating-point settings for training.

use crate::error::usage;
use candle_core::Device;
use serde::{Deserialize, Serialize};

/// A parsed `--device` value: `cpu`, `cuda` / `gpu` (the first GPU) or `cuda:N`, in any case.
/// Checked before any data is loaded; serialised as its canonical name (`cpu`, `cuda:0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceSpec {
    #[default]
    Cpu,
    Cuda(usize),
}

impl std::str::FromStr for DeviceSpec {
    type Err = anyhow::Error;

    /// Parses the spelling and refuses CUDA in a build without it, naming the fix.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let spec = DeviceSpec::from_spelling(s)?;
        if !spec.is_cpu() && !cfg!(feature = "cuda") {
            return Err(usage(format!(
                "{s} asks for CUDA, but this wdlab was built without it. Rebuild with \
                 `cargo build --release --features cuda` (needs nvcc; without a CUDA toolkit, \
                 see scripts/cuda-toolchain.sh and docs/reference.md's CUDA section), or use --device cpu"
            )));
        }
        Ok(spec)
    }
}

impl DeviceSpec {
    /// The device a spelling names, whether or not this build can open it.
    pub(crate) fn from_spelling(s: &str) -> anyhow::Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => DeviceSpec::Cpu,
            "cuda" | "gpu" => DeviceSpec::Cuda(0),
            other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(n)) => DeviceSpec::Cuda(n),
                _ => {
                    return Err(usage(format!(
                        "{s:?} is not a device: use cpu, cuda or cuda:N (N = GPU index)"
                    )))
                }
            },
        })
    }

    pub fn is_cpu(self) -> bool {
        self == DeviceSpec::Cpu
    }

    /// Opens the device (a runtime error if the GPU is missing or the driver fails).
    pub fn open(self) -> anyhow::Result<Device> {
        match self {
            DeviceSpec::Cpu => Ok(Device::Cpu),
            DeviceSpec::Cuda(n) => Device::new_cuda(n).map_err(|e| {
                anyhow::anyhow!(
                    "cannot open CUDA device {n}: {e}. Check `nvidia-smi`, or use --device cpu"
                )
            }),
        }
    }
}

impl TryFrom<String> for DeviceSpec {
    type Error = anyhow::Error;

    fn try_from(s: String) -> anyhow::Result<Self> {
        s.parse()
    }
}

impl From<DeviceSpec> for String {
    fn from(d: DeviceSpec) -> String {
        d.to_string()
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// Flushes subnormal floats to zero (FTZ and DAZ) on this thread, on x86-64.
///
/// Adam's second moments decay towards values below f32's normal range (about 1.2e-38) for
/// weights whose gradients vanish; each arithmetic operation on a subnormal costs up to a
/// hundred cycles on x86, which made Adam+L2 runs up to 2.5x slower in a reference study.
/// Subnormals are far below anything that changes a weight, so training loses nothing.
pub(crate) fn flush_subnormals_to_zero() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: setting the FTZ (bit 15) and DAZ (bit 6) flags of MXCSR only changes how this
    // thread rounds subnormal results and inputs; every x86-64 CPU with SSE2 supports both.
    #[allow(deprecated)]
    unsafe {
        use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
        _mm_setcsr(_mm_getcsr() | 0x8040);
    }
}

/// [`flush_subnormals_to_zero`] on the calling thread and on every thread of rayon's pool (the
/// threads gemm and the fused update run on): the flags are per thread.
pub(crate) fn flush_subnormals_on_all_threads() {
    flush_subnormals_to_zero();
    rayon::broadcast(|_| flush_subnormals_to_zero());
}
