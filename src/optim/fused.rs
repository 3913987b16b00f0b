//! The CPU update: one pass over each parameter buffer, in place, for all four variants.
//!
//! A naive candle version of AdamW costs about fifteen allocating tensor ops per parameter and
//! step; this kernel reads θ, g and the state once and writes θ and the state once. It runs
//! through candle's in-place custom-op interface, so the parameter stays a candle `Var`.

use super::adam::adam_direction;
use super::decay::decay;
use super::l2::add_l2;
use super::momentum::momentum_step;
use super::{Direction, StepCoeffs};
use candle_core::{bail, CpuStorage, InplaceOp2, Layout, Result, Tensor, Var};
use std::sync::Mutex;

/// Updates `var` in place from `grad` and the host state `buffers`.
pub(super) fn update(
    var: &Var,
    grad: &Tensor,
    buffers: &mut [Vec<f32>],
    c: &StepCoeffs,
) -> Result<()> {
    let op = FusedUpdate {
        coeffs: *c,
        buffers: Mutex::new(buffers),
    };
    var.as_tensor().inplace_op2(&grad.contiguous()?, &op)
}

struct FusedUpdate<'a> {
    coeffs: StepCoeffs,
    /// The op's interface takes `&self`; the lock is never contended.
    buffers: Mutex<&'a mut [Vec<f32>]>,
}

impl InplaceOp2 for FusedUpdate<'_> {
    fn name(&self) -> &'static str {
        "wdlab-fused-update"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        src: &CpuStorage,
        src_l: &Layout,
    ) -> Result<()> {
        let (CpuStorage::F32(theta), CpuStorage::F32(grad)) = (dst, src) else {
            bail!("the fused update takes f32 parameters and gradients")
        };
        let (Some((t0, t1)), Some((g0, g1))) =
            (dst_l.contiguous_offsets(), src_l.contiguous_offsets())
        else {
            bail!("the fused update takes contiguous parameters and gradients")
        };
        let mut buffers = self.buffers.lock().expect("optimizer state lock poisoned");
        apply(
            &mut theta[t0..t1],
            &grad[g0..g1],
            &mut buffers,
            &self.coeffs,
        );
        Ok(())
    }
}

/// The update of every element: g ← g + l2·θ; θ ← θ − decay·θ − step, where the step is
/// η_t·α·g (SGD), the momentum buffer (SGD with momentum), or η_t·α·m̂/(√v̂+ε) (Adam).
/// The loops are split by direction so each compiles to a tight vectorisable loop.
pub fn apply(theta: &mut [f32], grad: &[f32], buffers: &mut [Vec<f32>], c: &StepCoeffs) {
    assert_eq!(
        theta.len(),
        grad.len(),
        "parameter and gradient sizes differ"
    );
    let (l2, wd, lr_t) = (c.l2 as f32, c.decay as f32, c.lr_t as f32);
    match (c.direction, buffers) {
        (Direction::Sgd { .. }, []) => {
            for (p, &g) in theta.iter_mut().zip(grad) {
                *p = decay(*p, wd) - lr_t * add_l2(g, *p, l2);
            }
        }
        (Direction::Sgd { momentum }, [buf]) => {
            for ((p, &g), m) in theta.iter_mut().zip(grad).zip(buf.iter_mut()) {
                let step = momentum_step(m, lr_t * add_l2(g, *p, l2), momentum as f32);
                *p = decay(*p, wd) - step;
            }
        }
        (Direction::Adam(s), [m, v]) => {
            for (((p, &g), m), v) in theta
                .iter_mut()
                .zip(grad)
                .zip(m.iter_mut())
                .zip(v.iter_mut())
            {
                let d = adam_direction(m, v, add_l2(g, *p, l2), &s);
                *p = decay(*p, wd) - lr_t * d;
            }
        }
        (direction, buffers) => unreachable!(
            "{direction:?} with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        ),
    }
}
