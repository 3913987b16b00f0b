//! The optimiser of the CPU network (`nn::CpuNet`): G cells of one method, each with its own
//! learning rate and decay, over parameters held in host buffers. Cell g owns every G-th block
//! of a parameter (as in [`super::PopulationOptimizer`]); G = 1 is a single run. The update of
//! each parameter is one fused pass ([`super::fused::apply`]); for plain SGD and SGDW the
//! caller may instead fold it into the weight-gradient gemm ([`StepCoeffs::linear_form`]).

use super::cells::{cell_coeffs, check_cells};
use super::{fused, OptimConfig, ParamKind, StepClock, StepCoeffs};
use candle_core::Result;

/// A parameter as the optimiser sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostParam {
    /// Elements in the buffer (all cells).
    pub(crate) len: usize,
    /// Consecutive elements of one cell; blocks belong to cells 0, 1, …, G−1, 0, 1, … in turn.
    pub(crate) block_len: usize,
    /// Biases are exempt from decay in cells with `decay_biases = false`.
    pub(crate) kind: ParamKind,
}

pub(crate) struct HostOptimizer {
    cells: Vec<OptimConfig>,
    params: Vec<HostParam>,
    clock: StepClock,
    /// Zero, one (momentum) or two (Adam's m and v) buffers per parameter.
    state: Vec<Vec<Vec<f32>>>,
}

impl HostOptimizer {
    /// The cells must share the method family's state and the schedule (η_t is one per step).
    pub(crate) fn new(
        params: &[HostParam],
        cells: Vec<OptimConfig>,
        total_steps: u64,
    ) -> Result<Self> {
        let blocks = params.iter().map(|p| (p.len, p.block_len));
        let first = check_cells(&cells, blocks)?;
        let (buffers, schedule) = (first.state_buffers(), first.schedule());
        let state = params
            .iter()
            .map(|p| vec![vec![0f32; p.len]; buffers])
            .collect();
        Ok(HostOptimizer {
            params: params.to_vec(),
            clock: StepClock::new(schedule, total_steps),
            state,
            cells,
        })
    }

    /// True when every cell's update is θ ← keep·θ − η_t·α·g (plain SGD or SGDW, no state).
    pub(crate) fn linear_in_gradient(&self) -> bool {
        self.cells[0].state_buffers() == 0
    }

    /// Starts the next step: the coefficients of each parameter (outer) for each cell (inner).
    pub(crate) fn begin_step(&mut self) -> Vec<Vec<StepCoeffs>> {
        let (t, eta) = self.clock.tick();
        self.params
            .iter()
            .map(|p| cell_coeffs(&self.cells, t, eta, p.kind))
            .collect()
    }

    /// Updates parameter `index` in place from its gradient with the step's `coeffs`.
    pub(crate) fn update(
        &mut self,
        index: usize,
        theta: &mut [f32],
        grad: &[f32],
        coeffs: &[StepCoeffs],
    ) {
        let block_len = self.params[index].block_len;
        fused::apply(theta, grad, &mut self.state[index], coeffs, block_len);
    }
}
