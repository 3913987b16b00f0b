//! The four optimiser variants the project compares, built from small transforms in the
//! manner of optax (adamw = scale_by_adam → add_decayed_weights → scale_by_learning_rate):
//!
//! | method | gradient transform | direction          | decoupled decay |
//! |--------|--------------------|--------------------|-----------------|
//! | sgd    | g + λθ ([`l2`])    | momentum SGD       | –               |
//! | sgdw   | –                  | momentum SGD       | [`decay`]       |
//! | adam   | g + λθ ([`l2`])    | Adam ([`adam`])    | –               |
//! | adamw  | –                  | Adam ([`adam`])    | [`decay`]       |
//!
//! Every variant then takes θ ← θ − (per-step decay)·θ − η_t·α·direction; the table above is
//! [`OptimConfig::coeffs`], the one place where the four differ. Notation (README): λ is the L2
//! coefficient, λ' the decoupled decay, α the learning rate, η_t the schedule multiplier.
//!
//! Updates run as one fused pass over each parameter buffer on CPU ([`fused`]; [`host`] for the
//! CPU training path's host buffers) and as candle tensor ops on other devices ([`tensor_ops`]);
//! a test checks that both agree.

pub mod adam;
pub mod decay;
mod fused;
mod host;
pub mod l2;
pub mod momentum;
mod population;
pub mod schedule;
mod tensor_ops;

use candle_core::{backprop::GradStore, DType, Device, Result, Tensor, Var};
use serde::{Deserialize, Serialize};

pub use adam::AdamScalars;
pub use host::{HostOptimizer, HostParam};
pub use population::{PopulationOptimizer, PopulationParam};
pub use schedule::{lr_multiplier, Schedule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// SGD (with optional momentum) on the L2-regularised loss: `--l2 λ`.
    Sgd,
    /// SGD with decoupled weight decay (SGDW, Loshchilov & Hutter Alg. 1): `--wd λ'`.
    Sgdw,
    /// Adam on the L2-regularised loss: `--l2 λ` (PyTorch's Adam(weight_decay=λ)).
    Adam,
    /// Adam with decoupled weight decay (AdamW, Loshchilov & Hutter Alg. 2): `--wd λ'`.
    Adamw,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Sgd, Method::Sgdw, Method::Adam, Method::Adamw];

    pub fn name(self) -> &'static str {
        match self {
            Method::Sgd => "sgd",
            Method::Sgdw => "sgdw",
            Method::Adam => "adam",
            Method::Adamw => "adamw",
        }
    }

    /// True for the decoupled variants (sgdw, adamw), whose coefficient is λ' (`--wd`).
    pub fn is_decoupled(self) -> bool {
        matches!(self, Method::Sgdw | Method::Adamw)
    }

    /// True for the Adam family (adam, adamw).
    pub fn is_adaptive(self) -> bool {
        matches!(self, Method::Adam | Method::Adamw)
    }

    /// A readable label for tables and legends.
    pub fn label(self) -> &'static str {
        match self {
            Method::Sgd => "SGD + L2",
            Method::Sgdw => "SGDW",
            Method::Adam => "Adam + L2",
            Method::Adamw => "AdamW",
        }
    }

    /// The name of the decay flag this method takes.
    pub fn decay_flag(self) -> &'static str {
        if self.is_decoupled() {
            "--wd"
        } else {
            "--l2"
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a decoupled decay λ' is scaled per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum WdScaling {
    /// Loshchilov & Hutter's convention: θ ← θ − η_t·λ'·θ, independent of α. SGDW with λ'
    /// then equals SGD + L2 with λ = λ'/α.
    Paper,
    /// PyTorch's, candle's and optax's convention: θ ← θ − η_t·α·λ'·θ. SGDW with λ' then
    /// equals SGD + L2 with λ = λ'.
    Lr,
}

/// A fully resolved optimiser: method and hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimConfig {
    pub method: Method,
    /// α, the learning rate.
    pub lr: f64,
    /// λ (L2 coefficient) for sgd and adam, λ' (decoupled decay) for sgdw and adamw.
    pub decay: f64,
    pub wd_scaling: WdScaling,
    pub schedule: Schedule,
    /// SGD momentum β (sgd, sgdw).
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Decay (or penalise) biases too; the regulariser ‖θ‖² covers every parameter.
    pub decay_biases: bool,
}

impl OptimConfig {
    /// A configuration with PyTorch's default Adam constants and no momentum.
    pub fn new(method: Method, lr: f64, decay: f64) -> Self {
        OptimConfig {
            method,
            lr,
            decay,
            wd_scaling: WdScaling::Paper,
            schedule: Schedule::Constant,
            momentum: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            decay_biases: true,
        }
    }

    /// The per-step decay factor of a decoupled method at schedule multiplier `eta`.
    pub fn decay_factor(&self, eta: f64) -> f64 {
        match self.wd_scaling {
            WdScaling::Paper => eta * self.decay,
            WdScaling::Lr => eta * self.lr * self.decay,
        }
    }

    /// The scalars of step `t` (1-based) at schedule multiplier `eta`, for a parameter that is
    /// decayed (`decayed`) or exempt (a bias under `--no-decay-biases`). This is where the four
    /// variants differ: which of the L2 term and the decoupled decay is on, and the direction.
    pub fn coeffs(&self, t: u64, eta: f64, decayed: bool) -> StepCoeffs {
        let on = |x: f64| if decayed { x } else { 0.0 };
        let (l2, decay) = match self.method {
            Method::Sgd | Method::Adam => (on(self.decay), 0.0),
            Method::Sgdw | Method::Adamw => (0.0, on(self.decay_factor(eta))),
        };
        let direction = if self.method.is_adaptive() {
            Direction::Adam(AdamScalars::at_step(self.beta1, self.beta2, self.eps, t))
        } else {
            Direction::Sgd {
                momentum: self.momentum,
            }
        };
        StepCoeffs {
            l2,
            decay,
            lr_t: eta * self.lr,
            direction,
        }
    }

    /// How many state buffers each parameter needs (momentum; Adam's m and v).
    pub(crate) fn state_buffers(&self) -> usize {
        match self.method {
            Method::Adam | Method::Adamw => 2,
            Method::Sgd | Method::Sgdw if self.momentum > 0.0 => 1,
            Method::Sgd | Method::Sgdw => 0,
        }
    }
}

/// The direction a method follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Direction {
    Sgd { momentum: f64 },
    Adam(AdamScalars<f64>),
}

/// Everything one update of one parameter needs (in f64; the f32 kernel casts once per call):
/// g ← g + l2·θ; θ ← θ − decay·θ − step(lr_t, direction(g)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepCoeffs {
    /// λ of the L2 term (0 for the decoupled methods and for exempt parameters).
    pub l2: f64,
    /// The whole per-step decoupled decay factor (0 for the L2 methods).
    pub decay: f64,
    /// η_t·α.
    pub lr_t: f64,
    pub direction: Direction,
}

/// Optimiser state of one parameter: zero, one or two buffers of its size.
enum State {
    /// Host buffers updated by the fused CPU kernel (f32 on the CPU).
    Host(Vec<Vec<f32>>),
    /// Tensors updated with candle ops (CUDA, and f64 parameters anywhere).
    Device(Vec<Tensor>),
}

struct Slot {
    var: Var,
    decayed: bool,
    state: State,
}

/// The project's optimiser: any of the four methods, with a schedule over `total_steps`.
/// Implements candle's [`candle_nn::Optimizer`] (so `backward_step` works), and takes
/// hand-computed gradients through [`WdOptimizer::step_with`].
pub struct WdOptimizer {
    cfg: OptimConfig,
    total_steps: u64,
    /// Steps taken so far.
    t: u64,
    slots: Vec<Slot>,
}

impl WdOptimizer {
    /// Parameters of rank 1 are treated as biases (exempt from decay under
    /// `decay_biases = false`).
    pub fn new(vars: Vec<Var>, cfg: OptimConfig, total_steps: u64) -> Result<Self> {
        let slots = vars
            .into_iter()
            .map(|var| {
                let n = var.elem_count();
                let buffers = cfg.state_buffers();
                // The fused kernel is for f32 on the CPU; anything else (CUDA, or f64 as in
                // the trajectory's 2-parameter problems) takes the tensor-op path.
                let state = match (var.device(), var.dtype()) {
                    (Device::Cpu, DType::F32) => State::Host(vec![vec![0f32; n]; buffers]),
                    _ => State::Device(
                        (0..buffers)
                            .map(|_| var.zeros_like())
                            .collect::<Result<_>>()?,
                    ),
                };
                Ok(Slot {
                    decayed: cfg.decay_biases || var.rank() >= 2,
                    var,
                    state,
                })
            })
            .collect::<Result<_>>()?;
        Ok(WdOptimizer {
            cfg,
            total_steps,
            t: 0,
            slots,
        })
    }

    pub fn config(&self) -> &OptimConfig {
        &self.cfg
    }

    /// Steps taken so far.
    pub fn steps_taken(&self) -> u64 {
        self.t
    }

    /// The schedule multiplier η_t of the next step.
    pub fn next_multiplier(&self) -> f64 {
        lr_multiplier(self.cfg.schedule, self.t, self.total_steps)
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
        let eta = self.next_multiplier();
        self.t += 1;
        for (slot, grad) in self.slots.iter_mut().zip(grads) {
            let c = self.cfg.coeffs(self.t, eta, slot.decayed);
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

    fn new(vars: Vec<Var>, (cfg, total_steps): Self::Config) -> Result<Self> {
        WdOptimizer::new(vars, cfg, total_steps)
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
        self.cfg.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.cfg.lr = lr;
    }
}

#[cfg(test)]
mod tests;
