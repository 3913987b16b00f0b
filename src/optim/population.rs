//! The optimiser of a population: G grid cells of one method, each with its own learning
//! rate and decay, whose parameters share buffers (cell g owns every G-th block). One fused
//! pass updates every cell with its own coefficients ([`super::fused`]), so a whole heat map
//! costs one training loop.

use super::cells::{cell_coeffs, check_cells};
use super::state::{State, UpdateKernel};
use super::{fused, tensor_ops, OptimConfig, ParamKind, StepClock};
use candle_core::{bail, Result, Tensor, Var};

/// A parameter buffer shared by the cells: blocks of `block_len` elements belong to cells
/// 0, 1, …, G−1, 0, 1, … in turn.
pub(crate) struct PopulationParam {
    pub(crate) var: Var,
    pub(crate) block_len: usize,
    /// Biases are exempt from decay in cells with `decay_biases = false`.
    pub(crate) kind: ParamKind,
}

struct Slot {
    param: PopulationParam,
    state: State,
}

pub(crate) struct PopulationOptimizer {
    cells: Vec<OptimConfig>,
    clock: StepClock,
    slots: Vec<Slot>,
}

impl PopulationOptimizer {
    /// The cells must share the method family's state (same number of buffers) and the
    /// schedule (η_t is one per step). `kernel` updates every cell with its own coefficients:
    /// tensor ops with per-cell coefficient tensors (CUDA, and the candle path on the CPU), or
    /// the fused pass over f32 host buffers.
    pub(crate) fn with_kernel(
        params: Vec<PopulationParam>,
        cells: Vec<OptimConfig>,
        total_steps: u64,
        kernel: UpdateKernel,
    ) -> Result<Self> {
        kernel.check(params.iter().map(|p| &p.var))?;
        let blocks = params.iter().map(|p| (p.var.elem_count(), p.block_len));
        let first = check_cells(&cells, blocks)?;
        let (buffers, schedule) = (first.state_buffers(), first.schedule());
        let slots = params
            .into_iter()
            .map(|param| {
                let state = State::zeros(&param.var, buffers, kernel)?;
                Ok(Slot { state, param })
            })
            .collect::<Result<_>>()?;
        Ok(PopulationOptimizer {
            cells,
            clock: StepClock::new(schedule, total_steps),
            slots,
        })
    }

    /// One step of every cell with the gradients of the parameters, in the order given.
    pub(crate) fn step_with(&mut self, grads: &[Tensor]) -> Result<()> {
        if grads.len() != self.slots.len() {
            bail!(
                "population has {} parameters but got {} gradients",
                self.slots.len(),
                grads.len()
            )
        }
        let (t, eta) = self.clock.tick();
        for (slot, grad) in self.slots.iter_mut().zip(grads) {
            let coeffs = cell_coeffs(&self.cells, t, eta, slot.param.kind);
            let (var, block_len) = (&slot.param.var, slot.param.block_len);
            match &mut slot.state {
                State::Host(buffers) => fused::update(var, grad, buffers, &coeffs, block_len)?,
                State::Device(buffers) => {
                    let next = tensor_ops::update_cells(var, grad, buffers, &coeffs, block_len)?;
                    var.set(&next)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Hyper, Method, Schedule};
    use candle_core::Device;

    /// Every method, two cells with different α and decay, fused kernel against tensor ops on
    /// the same parameters and gradients: the CUDA path is the tensor-op one.
    #[test]
    fn fused_and_tensor_population_updates_agree() {
        let dev = Device::Cpu;
        for method in Method::ALL {
            let cells: Vec<OptimConfig> = [(0.05, 0.01), (0.2, 0.0)]
                .iter()
                .map(|&(lr, decay)| {
                    OptimConfig::builder(method)
                        .lr(lr)
                        .decay(decay)
                        .hyper(
                            Hyper::Momentum,
                            if method.takes(crate::optim::Hyper::Momentum) {
                                0.9
                            } else {
                                0.0
                            },
                        )
                        .schedule(Schedule::Cosine)
                        .decay_biases(false)
                        .build()
                        .unwrap()
                })
                .collect();
            let init: Vec<f32> = (0..24).map(|i| (i as f32 * 0.37).sin()).collect();
            let make = |fused: bool| {
                let w = Var::from_slice(&init, (3, 8), &dev).unwrap();
                let b = Var::from_slice(&init[..8], 8, &dev).unwrap();
                let params = vec![
                    PopulationParam {
                        var: w.clone(),
                        block_len: 4,
                        kind: ParamKind::Weight,
                    },
                    PopulationParam {
                        var: b.clone(),
                        block_len: 4,
                        kind: ParamKind::Bias,
                    },
                ];
                let kernel = if fused {
                    UpdateKernel::Fused
                } else {
                    UpdateKernel::TensorOps
                };
                let opt =
                    PopulationOptimizer::with_kernel(params, cells.clone(), 5, kernel).unwrap();
                (opt, w, b)
            };
            let (mut fused, wf, bf) = make(true);
            let (mut ops, wt, bt) = make(false);
            for step in 0..5 {
                let g = |n: usize| {
                    let v: Vec<f32> = (0..n)
                        .map(|i| ((i + 7 * step) as f32 * 0.91).cos())
                        .collect();
                    Tensor::from_vec(v, n, &dev).unwrap()
                };
                let grads = [g(24).reshape((3, 8)).unwrap(), g(8)];
                fused.step_with(&grads).unwrap();
                ops.step_with(&grads).unwrap();
            }
            for (a, b) in [(&wf, &wt), (&bf, &bt)] {
                let d = (a.as_tensor() - b.as_tensor()).unwrap().abs().unwrap();
                let d = d
                    .flatten_all()
                    .unwrap()
                    .max(0)
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                assert!(d < 1e-6, "{method}: fused and tensor paths differ by {d}");
            }
            // The bias of cell 1 (decay 0) and the exempt biases must still have moved.
            assert_ne!(bf.to_vec1::<f32>().unwrap(), init[..8].to_vec());
        }
    }
}
