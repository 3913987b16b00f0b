//! Optimiser state of one parameter buffer: zero, one (momentum) or two (Adam's m and v)
//! buffers of its size, on the host for the fused kernel or as tensors for candle ops.

use candle_core::{Result, Var};

pub(super) enum State {
    /// Host buffers updated by the fused CPU kernel (f32 on the CPU).
    Host(Vec<Vec<f32>>),
    /// Tensors updated with candle ops (CUDA, and f64 parameters anywhere).
    Device(Vec<candle_core::Tensor>),
}

impl State {
    /// `buffers` zeroed buffers the size of `var`, where `kernel` keeps them.
    pub(super) fn zeros(var: &Var, buffers: usize, kernel: UpdateKernel) -> Result<Self> {
        Ok(if kernel == UpdateKernel::Fused {
            State::Host(vec![vec![0f32; var.elem_count()]; buffers])
        } else {
            State::Device(
                (0..buffers)
                    .map(|_| var.zeros_like())
                    .collect::<Result<_>>()?,
            )
        })
    }
}

/// Which code updates the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKernel {
    /// One fused pass over host buffers ([`super::fused`]): f32 parameters on the CPU.
    Fused,
    /// candle tensor ops ([`super::tensor_ops`]): any device and dtype; what CUDA runs.
    TensorOps,
}

impl UpdateKernel {
    /// The fused kernel where it can run (f32 on the CPU), tensor ops elsewhere.
    pub(crate) fn fastest_for<'a>(mut vars: impl Iterator<Item = &'a Var>) -> Self {
        if vars.all(|v| v.device().is_cpu() && v.dtype() == candle_core::DType::F32) {
            UpdateKernel::Fused
        } else {
            UpdateKernel::TensorOps
        }
    }

    /// Refuses the fused kernel for parameters it cannot update.
    pub(super) fn check<'a>(self, vars: impl Iterator<Item = &'a Var>) -> Result<()> {
        if self == UpdateKernel::Fused && UpdateKernel::fastest_for(vars) != UpdateKernel::Fused {
            candle_core::bail!("the fused update takes f32 parameters on the CPU")
        }
        Ok(())
    }
}
