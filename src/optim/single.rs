//! The optimiser of one network on the candle path (CUDA, f64 parameters, and the CPU when a
//! run asks for the candle path): any of the four methods over candle `Var`s, with a schedule
//! over the run's steps. Implements candle's [`candle_nn::Optimizer`] (so `backward_step`
//! works), and takes hand-computed gradients through [`WdOptimizer::step_with`].

use super::state::{State, UpdateKernel};
use super::{fused, tensor_ops, OptimConfig, ParamKind, StepClock};
use candle_core::{backprop::GradStore, Result, Tensor, Var};

struct Slot {
    var: Var,
    kind: ParamKind,
    state: State,
}

pub struct WdOptimizer {
    cfg: OptimConfig,
    clock: StepClock,
    slots: Vec<Slot>,
}

impl WdOptimizer {
    /// Each parameter with its kind: biases are exempt from the decay when the configuration
    /// says `decay_biases = false`. f32 parameters on the CPU take the fused kernel, the others
    /// (CUDA, f64) candle tensor ops.
    pub fn new(params: Vec<(Var, ParamKind)>, cfg: OptimConfig, total_steps: u64) -> Result<Self> {
        let kernel = UpdateKernel::fastest_for(params.iter().map(|p| &p.0));
        Self::with_kernel(params, cfg, total_steps, kernel)
    }

    /// [`Self::new`] with the update code chosen by the caller (the candle path on the CPU
    /// takes tensor ops, as CUDA does).
    pub fn with_kernel(
        params: Vec<(Var, ParamKind)>,
        cfg: OptimConfig,
        total_steps: u64,
        kernel: UpdateKernel,
    ) -> Result<Self> {
        kernel.check(params.iter().map(|p| &p.0))?;
        let buffers = cfg.state_buffers();
        let slots = params
            .into_iter()
            .map(|(var, kind)| {
                let state = State::zeros(&var, buffers, kernel)?;
                Ok(Slot { var, kind, state })
            })
            .collect::<Result<_>>()?;
        Ok(WdOptimizer {
            clock: StepClock::new(cfg.schedule(), total_steps),
            cfg,
            slots,
        })
    }

    /// One step with the gradients of the parameters, in the order given to [`Self::new`].
    pub fn step_with(&mut self, grads: &[Tensor]) -> Result<()> {
        if grads.len() != self.slots.len() {
            candle_core::bail!(
                "optimizer has {} parameters but got {} gradients",
                self.slots.len(),
                grads.len()
            )
        }
        let (t, eta) = self.clock.tick();
        for (slot, grad) in self.slots.iter_mut().zip(grads) {
            let c = self.cfg.coeffs(t, eta, slot.kind);
            match &mut slot.state {
                State::Host(buffers) => {
                    fused::update(&slot.var, grad, buffers, &[c], slot.var.elem_count())?
                }
                State::Device(buffers) => {
                    let next = tensor_ops::update(&slot.var, grad, buffers, &c)?;
                    slot.var.set(&next)?;
                }
            }
        }
        Ok(())
    }
}

impl candle_nn::Optimizer for WdOptimizer {
    /// The configuration and the number of steps the schedule spans.
    type Config = (OptimConfig, u64);

    /// candle passes bare `Var`s, so every one is treated as a weight; a configuration that
    /// exempts biases needs their kinds, through [`WdOptimizer::new`].
    fn new(vars: Vec<Var>, (cfg, total_steps): Self::Config) -> Result<Self> {
        if !cfg.decay_biases() {
            candle_core::bail!(
                "decay_biases = false needs to know which parameters are biases: build the \
                 optimiser with WdOptimizer::new and each parameter's ParamKind"
            )
        }
        let params = vars.into_iter().map(|v| (v, ParamKind::Weight)).collect();
        WdOptimizer::new(params, cfg, total_steps)
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        let grads = self
            .slots
            .iter()
            .map(|s| match grads.get(&s.var) {
                Some(g) => Ok(g.clone()),
                // A parameter the loss does not depend on still decays.
                None => s.var.zeros_like(),
            })
            .collect::<Result<Vec<_>>>()?;
        self.step_with(&grads)
    }

    fn learning_rate(&self) -> f64 {
        self.cfg.lr()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.cfg.set_lr(lr);
    }
}
