//! G grid cells of one method sharing parameter buffers (a population, or the CPU network):
//! consecutive blocks of `block_len` elements belong to cells 0, 1, …, G−1, 0, 1, … in turn,
//! and each cell has its own learning rate and decay.

use super::{OptimConfig, ParamKind, StepCoeffs};
use candle_core::{bail, Result};

/// Checks that `cells` can share buffers: at least one cell, the same state and schedule (η_t
/// is one per step), and every parameter (elements, block length) made of whole blocks for
/// each cell. Returns the first cell, whose state layout all share.
pub(super) fn check_cells(
    cells: &[OptimConfig],
    params: impl IntoIterator<Item = (usize, usize)>,
) -> Result<&OptimConfig> {
    let Some(first) = cells.first() else {
        bail!("a population needs at least one cell")
    };
    let direction = |c: &OptimConfig| c.method().def().direction_name();
    if cells.iter().any(|c| {
        c.state_buffers() != first.state_buffers()
            || c.schedule() != first.schedule()
            || direction(c) != direction(first)
    }) {
        bail!(
            "population cells must share the direction (SGD, Adam, …), the momentum on/off and \
             the schedule"
        )
    }
    for (len, block_len) in params {
        if block_len == 0 || len % (block_len * cells.len()) != 0 {
            bail!(
                "a parameter of {len} elements is not G = {} blocks of {block_len}",
                cells.len()
            )
        }
    }
    Ok(first)
}

/// Each cell's coefficients of step `t` for a parameter of `kind`.
pub(super) fn cell_coeffs(
    cells: &[OptimConfig],
    t: u64,
    eta: f64,
    kind: ParamKind,
) -> Vec<StepCoeffs> {
    cells.iter().map(|c| c.coeffs(t, eta, kind)).collect()
}
