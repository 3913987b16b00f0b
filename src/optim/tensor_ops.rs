//! The same update as [`super::fused`], as candle tensor ops that run on any device (CUDA
//! included). It allocates new tensors each step; the fused kernel is the CPU fast path.

use super::StepCoeffs;
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
    let step = c.direction.tensor_step(&g, buffers, lr_t)?;
    // θ ← θ(1 − decay) − step
    theta.affine(1.0 - c.decay, 0.0)? - step
}

/// The update of a population's shared buffer, where consecutive blocks of `block_len`
/// elements belong to cells 0, 1, …, G−1 in turn and cell g uses `coeffs[g]`: the buffer is
/// viewed as (rows, G, block_len) and each coefficient as a (1, G, 1) tensor. Returns the new
/// parameter; the state `buffers` are kept in the (rows, G, block_len) view.
pub(super) fn update_cells(
    theta: &Tensor,
    grad: &Tensor,
    buffers: &mut [Tensor],
    coeffs: &[StepCoeffs],
    block_len: usize,
) -> Result<Tensor> {
    let cells = coeffs.len();
    let view = (theta.elem_count() / (cells * block_len), cells, block_len);
    let per_cell = |f: &dyn Fn(&StepCoeffs) -> f64| -> Result<Tensor> {
        let values: Vec<f64> = coeffs.iter().map(f).collect();
        Tensor::from_vec(values, (1, cells, 1), theta.device())?.to_dtype(theta.dtype())
    };
    let th = theta.reshape(view)?;
    for b in buffers.iter_mut() {
        *b = b.reshape(view)?;
    }
    let g = (grad.reshape(view)? + th.broadcast_mul(&per_cell(&|c| c.l2)?)?)?;
    let lr_t = per_cell(&|c| c.lr_t)?;
    let step = coeffs[0]
        .direction
        .cells_step(&g, buffers, &lr_t, &per_cell)?;
    let decay = per_cell(&|c| c.decay)?;
    (th.clone() - th.broadcast_mul(&decay)?)?
        .sub(&step)?
        .reshape(theta.shape())
}
