//! Decoupled weight decay (Hanson & Pratt 1988; Loshchilov & Hutter 2019, Alg. 1 and 2):
//! θ ← θ − factor·θ, applied outside the optimiser's (possibly adaptive) direction.
//!
//! The per-step factor depends on the convention ([`super::WdScaling`]):
//! - paper (default): factor = η_t·λ', scaled by the schedule multiplier but not by α, so the
//!   decay is a hyper-parameter separate from the learning rate;
//! - lr (PyTorch, candle, optax): factor = η_t·α·λ', so changing α also changes the decay.

use super::{DecayKind, ParamKind, WdScaling};

/// θ ← θ(1 − factor) for one element, where factor is the whole per-step decay.
#[inline(always)]
pub(crate) fn decay(theta: f32, factor: f32) -> f32 {
    theta - factor * theta
}

/// Which parameters the decay (or the L2 penalty) covers, as optax's
/// `add_decayed_weights(weight_decay, mask)`: every parameter (the regulariser ‖θ‖² covers
/// them all), or the weights alone (`--no-decay-biases`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecayMask {
    pub(crate) biases: bool,
}

impl DecayMask {
    /// True when the decay applies to a parameter of this kind.
    pub(crate) fn covers(self, kind: ParamKind) -> bool {
        self.biases || kind == ParamKind::Weight
    }
}

/// The decay of a method as a transform: its coefficient, its convention, its mask and its
/// place relative to the direction ([`DecayKind`]). Placing it is the whole difference
/// between L2 and decoupled decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DecayTransform {
    pub(crate) kind: DecayKind,
    /// λ (L2) or λ' (decoupled, in the convention `scaling`).
    pub(crate) coefficient: f64,
    pub(crate) scaling: WdScaling,
    pub(crate) mask: DecayMask,
}

impl DecayTransform {
    /// (before, after) for a parameter of `kind` at schedule multiplier `eta` and learning rate
    /// `lr`: the λ added to the gradient before the direction, and the per-step factor of
    /// θ ← θ − factor·θ beside it. One of the two is 0; both are for a masked-out parameter.
    pub(crate) fn placed(&self, eta: f64, lr: f64, kind: ParamKind) -> (f64, f64) {
        if !self.mask.covers(kind) {
            return (0.0, 0.0);
        }
        match self.kind {
            DecayKind::L2 => (self.coefficient, 0.0),
            DecayKind::Decoupled => (0.0, self.per_step(eta, lr)),
        }
    }

    /// The per-step factor of the decoupled decay at schedule multiplier `eta`: η_t·λ'
    /// (paper) or η_t·α·λ' (lr).
    pub(crate) fn per_step(&self, eta: f64, lr: f64) -> f64 {
        match self.scaling {
            WdScaling::Paper => eta * self.coefficient,
            WdScaling::Lr => eta * lr * self.coefficient,
        }
    }
}

/// The f32 scalars of one parameter's update in the fused kernel: the L2 coefficient placed
/// before the direction, the decoupled factor after it, and η_t·α.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placed {
    pub(crate) l2: f32,
    pub(crate) decay: f32,
    pub(crate) lr_t: f32,
}
