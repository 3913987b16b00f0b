//! Adam's direction (Kingma & Ba 2015; PyTorch's placement of ε):
//! m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², d = m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

/// Per-step scalars of Adam's direction: the betas, their complements and the bias
/// corrections at step t. Computed in f64 (so that 1 − β₂ is exact to f64, as in PyTorch,
/// where the Python float 1 − 0.999 is rounded once), then cast for the f32 kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AdamScalars<F> {
    pub(crate) beta1: F,
    pub(crate) one_minus_beta1: F,
    pub(crate) beta2: F,
    pub(crate) one_minus_beta2: F,
    /// 1 / (1 − β₁ᵗ)
    pub(crate) inv_bias1: F,
    /// 1 / √(1 − β₂ᵗ)
    pub(crate) inv_sqrt_bias2: F,
    pub(crate) eps: F,
}

impl AdamScalars<f64> {
    /// The scalars for step `t` (1-based).
    pub(crate) fn at_step(beta1: f64, beta2: f64, eps: f64, t: u64) -> Self {
        let t = t.min(i32::MAX as u64) as i32;
        AdamScalars {
            beta1,
            one_minus_beta1: 1.0 - beta1,
            beta2,
            one_minus_beta2: 1.0 - beta2,
            inv_bias1: 1.0 / (1.0 - beta1.powi(t)),
            inv_sqrt_bias2: 1.0 / (1.0 - beta2.powi(t)).sqrt(),
            eps,
        }
    }

    pub(crate) fn to_f32(self) -> AdamScalars<f32> {
        AdamScalars {
            beta1: self.beta1 as f32,
            one_minus_beta1: self.one_minus_beta1 as f32,
            beta2: self.beta2 as f32,
            one_minus_beta2: self.one_minus_beta2 as f32,
            inv_bias1: self.inv_bias1 as f32,
            inv_sqrt_bias2: self.inv_sqrt_bias2 as f32,
            eps: self.eps as f32,
        }
    }
}

/// Updates the moments with gradient `g` and returns the direction m̂/(√v̂ + ε).
#[inline(always)]
pub(crate) fn adam_direction(m: &mut f32, v: &mut f32, g: f32, s: &AdamScalars<f32>) -> f32 {
    *m = s.beta1 * *m + s.one_minus_beta1 * g;
    *v = s.beta2 * *v + s.one_minus_beta2 * g * g;
    (*m * s.inv_bias1) / (v.sqrt() * s.inv_sqrt_bias2 + s.eps)
}
