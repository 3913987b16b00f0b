//! Decoupled weight decay (Hanson & Pratt 1988; Loshchilov & Hutter 2019, Alg. 1 and 2):
//! θ ← θ − factor·θ, applied outside the optimiser's (possibly adaptive) direction.
//!
//! The per-step factor depends on the convention ([`super::WdScaling`]):
//! - paper (default): factor = η_t·λ', scaled by the schedule multiplier but not by α, so the
//!   decay is a hyper-parameter separate from the learning rate;
//! - lr (PyTorch, candle, optax): factor = η_t·α·λ', so changing α also changes the decay.

/// θ ← θ(1 − factor) for one element, where factor is the whole per-step decay.
#[inline(always)]
pub(crate) fn decay(theta: f32, factor: f32) -> f32 {
    theta - factor * theta
}
