//! Adam's direction (Kingma & Ba 2015; PyTorch's placement of ε):
//! m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², d = m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

/// Per-step scalars of Adam's direction: the betas and the bias corrections at step t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamScalars {
    pub beta1: f32,
    pub beta2: f32,
    /// 1 / (1 − β₁ᵗ)
    pub inv_bias1: f32,
    /// 1 / √(1 − β₂ᵗ)
    pub inv_sqrt_bias2: f32,
    pub eps: f32,
}

impl AdamScalars {
    /// The scalars for step `t` (1-based), bias corrections computed in f64.
    pub fn at_step(beta1: f64, beta2: f64, eps: f64, t: u64) -> Self {
        let t = t as i32;
        AdamScalars {
            beta1: beta1 as f32,
            beta2: beta2 as f32,
            inv_bias1: (1.0 / (1.0 - beta1.powi(t))) as f32,
            inv_sqrt_bias2: (1.0 / (1.0 - beta2.powi(t)).sqrt()) as f32,
            eps: eps as f32,
        }
    }
}

/// Updates the moments with gradient `g` and returns the direction m̂/(√v̂ + ε).
#[inline(always)]
pub fn adam_direction(m: &mut f32, v: &mut f32, g: f32, s: &AdamScalars) -> f32 {
    *m = s.beta1 * *m + (1.0 - s.beta1) * g;
    *v = s.beta2 * *v + (1.0 - s.beta2) * g * g;
    (*m * s.inv_bias1) / (v.sqrt() * s.inv_sqrt_bias2 + s.eps)
}
