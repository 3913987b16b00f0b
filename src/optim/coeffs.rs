//! The coefficient table: the one place where the four methods differ. Each step of each
//! parameter is
//!
//! ```text
//! g ← g + l2·θ;   θ ← θ − decay·θ − step(η_t·α, direction(g))
//! ```
//!
//! and a method is a choice of which of `l2` and `decay` is on and which direction it follows:
//!
//! | method | l2         | decay (per step)                    | direction          |
//! |--------|------------|-------------------------------------|--------------------|
//! | sgd    | λ          | 0                                   | momentum SGD       |
//! | sgdw   | 0          | η_t·λ' (paper) or η_t·α·λ' (lr)     | momentum SGD       |
//! | adam   | λ          | 0                                   | Adam               |
//! | adamw  | 0          | η_t·λ' (paper) or η_t·α·λ' (lr)     | Adam               |
//!
//! The kernels ([`super::fused`] on host buffers, [`super::tensor_ops`] as candle ops) apply
//! these coefficients in one pass; they never look at the method.

use super::{AdamScalars, Method, OptimConfig, ParamKind};

/// The direction a method follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Direction {
    Sgd { momentum: f64 },
    Adam(AdamScalars<f64>),
}

/// Everything one update of one parameter needs (in f64; the f32 kernel casts once per call):
/// g ← g + l2·θ; θ ← θ − decay·θ − step(lr_t, direction(g)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StepCoeffs {
    /// λ of the L2 term (0 for the decoupled methods and for exempt parameters).
    pub(crate) l2: f64,
    /// The whole per-step decoupled decay factor (0 for the L2 methods).
    pub(crate) decay: f64,
    /// η_t·α.
    pub(crate) lr_t: f64,
    pub(crate) direction: Direction,
}

impl OptimConfig {
    /// The scalars of step `t` (1-based) at schedule multiplier `eta` for a parameter of
    /// `kind` (a bias is exempt under `--no-decay-biases`): the table above.
    pub(crate) fn coeffs(&self, t: u64, eta: f64, kind: ParamKind) -> StepCoeffs {
        let on = |x: f64| if self.decays(kind) { x } else { 0.0 };
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
}

impl StepCoeffs {
    /// (keep, scale) with θ − decay·θ − lr_t·(g + l2·θ) = keep·θ − scale·g, when the update
    /// is linear in g: SGD without momentum. Then keep = 1 − decay − lr_t·l2, scale = lr_t.
    pub(crate) fn linear_form(&self) -> Option<(f64, f64)> {
        match self.direction {
            Direction::Sgd { momentum: 0.0 } => {
                Some((1.0 - self.decay - self.lr_t * self.l2, self.lr_t))
            }
            _ => None,
        }
    }
}
