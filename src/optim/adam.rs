//! Adam's direction (Kingma & Ba 2015; PyTorch's placement of ε) and the Adam methods
//! (`adam`, `adamw`) with their update on host buffers and as candle ops:
//! m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², d = m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

use super::decay::{decay, Placed};
use super::l2::add_l2;
use super::method_def::{DecayKind, MethodDef, Names, PairNames};
use super::{Direction, Hyper, OptimConfig, PerCell};
use candle_core::{Result, Tensor};

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

/// Adam with the decay before the direction (L2, PyTorch's Adam(weight_decay=λ)) or beside it
/// (AdamW, Loshchilov & Hutter 2019, Alg. 2).
pub(crate) struct Adam(pub(crate) DecayKind);

/// The names of the Adam methods.
const NAMES: PairNames = PairNames {
    l2: Names {
        name: "adam",
        label: "Adam + L2",
        help: "Adam on the L2-regularised loss: --l2 λ (PyTorch's Adam(weight_decay=λ))",
    },
    decoupled: Names {
        name: "adamw",
        label: "AdamW",
        help: "Adam with decoupled weight decay (AdamW, Loshchilov & Hutter Alg. 2): --wd λ'",
    },
};

impl MethodDef for Adam {
    fn pair(&self) -> &'static PairNames {
        &NAMES
    }

    fn direction_name(&self) -> &'static str {
        "Adam"
    }

    fn decay_kind(&self) -> DecayKind {
        self.0
    }

    fn hypers(&self) -> &'static [Hyper] {
        &[Hyper::Beta1, Hyper::Beta2, Hyper::Eps]
    }

    /// PyTorch's: α = 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8.
    fn default_lr(&self) -> f64 {
        1e-3
    }

    /// m and v.
    fn state_buffers(&self, _cfg: &OptimConfig) -> usize {
        2
    }

    fn direction(&self, cfg: &OptimConfig, t: u64) -> Direction {
        Direction::Adam(AdamScalars::at_step(
            cfg.hyper(Hyper::Beta1),
            cfg.hyper(Hyper::Beta2),
            cfg.hyper(Hyper::Eps),
            t,
        ))
    }
}

/// The fused update of every element: θ ← decay(θ) − η_t·α·m̂/(√v̂ + ε) with the moments of
/// g + l2·θ.
#[inline(always)]
pub(super) fn fused(
    theta: &mut [f32],
    grad: &[f32],
    buffers: &mut [&mut [f32]],
    s: &AdamScalars<f32>,
    c: Placed,
) {
    let Placed {
        l2,
        decay: wd,
        lr_t,
    } = c;
    let [m, v] = buffers else {
        unreachable!(
            "Adam with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        )
    };
    for (((p, &g), m), v) in theta
        .iter_mut()
        .zip(grad)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
    {
        let d = adam_direction(m, v, add_l2(g, *p, l2), s);
        *p = decay(*p, wd) - lr_t * d;
    }
}

/// The step as candle ops: η_t·α·m̂/(√v̂ + ε), with m and v replaced.
pub(super) fn tensor_step(
    g: &Tensor,
    buffers: &mut [Tensor],
    s: &AdamScalars<f64>,
    lr_t: f64,
) -> Result<Tensor> {
    let [m, v] = buffers else {
        candle_core::bail!(
            "Adam with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        )
    };
    *m = (m.affine(s.beta1, 0.0)? + g.affine(s.one_minus_beta1, 0.0)?)?;
    *v = (v.affine(s.beta2, 0.0)? + g.sqr()?.affine(s.one_minus_beta2, 0.0)?)?;
    let denom = v.sqrt()?.affine(s.inv_sqrt_bias2, s.eps)?;
    m.affine(s.inv_bias1 * lr_t, 0.0)? / denom
}

/// [`tensor_step`] of a population, each cell with its own scalars and η_t·α.
pub(super) fn cells_step(
    g: &Tensor,
    buffers: &mut [Tensor],
    lr_t: &Tensor,
    per_cell: PerCell,
) -> Result<Tensor> {
    let [m, v] = buffers else {
        candle_core::bail!(
            "Adam with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        )
    };
    let adam = |f: &dyn Fn(&AdamScalars<f64>) -> f64| {
        per_cell(&|c| match &c.direction {
            Direction::Adam(s) => f(s),
            _ => 0.0,
        })
    };
    *m = (m.broadcast_mul(&adam(&|s| s.beta1)?)?
        + g.broadcast_mul(&adam(&|s| s.one_minus_beta1)?)?)?;
    *v = (v.broadcast_mul(&adam(&|s| s.beta2)?)?
        + g.sqr()?.broadcast_mul(&adam(&|s| s.one_minus_beta2)?)?)?;
    let denom = v
        .sqrt()?
        .broadcast_mul(&adam(&|s| s.inv_sqrt_bias2)?)?
        .broadcast_add(&adam(&|s| s.eps)?)?;
    (m.broadcast_mul(&adam(&|s| s.inv_bias1)?)? / denom)?.broadcast_mul(lr_t)
}
