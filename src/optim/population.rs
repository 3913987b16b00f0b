//! The optimiser of a population: G grid cells of one method, each with its own learning
//! rate and decay, whose parameters share buffers (cell g owns every G-th block). One fused
//! pass updates every cell with its own coefficients ([`super::fused`]), so a whole heat map
//! costs one training loop.

use super::{fused, lr_multiplier, OptimConfig};
use candle_core::{bail, DType, Device, Result, Tensor, Var};

/// A parameter buffer shared by the cells: blocks of `block_len` elements belong to cells
/// 0, 1, …, G−1, 0, 1, … in turn.
pub struct PopulationParam {
    pub var: Var,
    pub block_len: usize,
    /// Biases are exempt from decay in cells with `decay_biases = false`.
    pub is_bias: bool,
}

struct Slot {
    param: PopulationParam,
    buffers: Vec<Vec<f32>>,
}

pub struct PopulationOptimizer {
    cells: Vec<OptimConfig>,
    total_steps: u64,
    t: u64,
    slots: Vec<Slot>,
}

impl PopulationOptimizer {
    /// The cells must share the method family's state (same number of buffers) and the
    /// schedule (η_t is one per step); the parameters must be f32 on the CPU.
    pub fn new(
        params: Vec<PopulationParam>,
        cells: Vec<OptimConfig>,
        total_steps: u64,
    ) -> Result<Self> {
        let Some(first) = cells.first() else {
            bail!("a population needs at least one cell")
        };
        if cells
            .iter()
            .any(|c| c.state_buffers() != first.state_buffers() || c.schedule != first.schedule)
        {
            bail!("population cells must share the method, the momentum on/off and the schedule")
        }
        let slots = params
            .into_iter()
            .map(|param| {
                if !matches!(param.var.device(), Device::Cpu) || param.var.dtype() != DType::F32 {
                    bail!("population training runs on f32 CPU parameters")
                }
                let n = param.var.elem_count();
                if n % (param.block_len * cells.len()) != 0 {
                    bail!(
                        "a parameter of {n} elements is not G = {} blocks of {}",
                        cells.len(),
                        param.block_len
                    )
                }
                Ok(Slot {
                    buffers: vec![vec![0f32; n]; first.state_buffers()],
                    param,
                })
            })
            .collect::<Result<_>>()?;
        Ok(PopulationOptimizer {
            cells,
            total_steps,
            t: 0,
            slots,
        })
    }

    /// One step of every cell with the gradients of the parameters, in the order given.
    pub fn step_with(&mut self, grads: &[Tensor]) -> Result<()> {
        if grads.len() != self.slots.len() {
            bail!(
                "population has {} parameters but got {} gradients",
                self.slots.len(),
                grads.len()
            )
        }
        let eta = lr_multiplier(self.cells[0].schedule, self.t, self.total_steps);
        self.t += 1;
        for (slot, grad) in self.slots.iter_mut().zip(grads) {
            let coeffs: Vec<_> = self
                .cells
                .iter()
                .map(|c| c.coeffs(self.t, eta, c.decay_biases || !slot.param.is_bias))
                .collect();
            fused::update(
                &slot.param.var,
                grad,
                &mut slot.buffers,
                &coeffs,
                slot.param.block_len,
            )?;
        }
        Ok(())
    }
}
