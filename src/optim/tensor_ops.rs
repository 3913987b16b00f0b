//! The same update as [`super::fused`], as candle tensor ops that run on any device (CUDA
//! included). It allocates new tensors each step; the fused kernel is the CPU fast path.

use super::{Direction, StepCoeffs};
use candle_core::{Result, Tensor};

/// Returns the updated parameter and replaces the state `buffers` with their new values.
pub(super) fn update(
    theta: &Tensor,
    grad: &Tensor,
    buffers: &mut [Tensor],
    c: &StepCoeffs,
) -> Result<Tensor> {
    let lr_t = c.lr_t;
    // g ← g + λθ
    let g = if c.l2 != 0.0 {
        (grad + theta.affine(c.l2, 0.0)?)?
    } else {
        grad.clone()
    };
    let step = match (c.direction, buffers) {
        (Direction::Sgd { .. }, []) => g.affine(lr_t, 0.0)?,
        (Direction::Sgd { momentum }, [buf]) => {
            *buf = (buf.affine(momentum, 0.0)? + g.affine(lr_t, 0.0)?)?;
            buf.clone()
        }
        (Direction::Adam(s), [m, v]) => {
            *m = (m.affine(s.beta1 as f64, 0.0)? + g.affine(1.0 - s.beta1 as f64, 0.0)?)?;
            *v = (v.affine(s.beta2 as f64, 0.0)? + g.sqr()?.affine(1.0 - s.beta2 as f64, 0.0)?)?;
            let denom = v.sqrt()?.affine(s.inv_sqrt_bias2 as f64, s.eps as f64)?;
            (m.affine(s.inv_bias1 as f64 * lr_t, 0.0)? / denom)?
        }
        (direction, buffers) => candle_core::bail!(
            "{direction:?} with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        ),
    };
    // θ ← θ(1 − decay) − step
    theta.affine(1.0 - c.decay, 0.0)? - step
}
