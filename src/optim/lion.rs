//! Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Alg. 1) as two
//! methods: Lion + L2 (`lion`: g ← g + λθ before the sign) and LionW (`lionw`: decoupled,
//! θ ← θ − η_t·(α·sign(c) + λ'·θ) in the paper convention, θ ← θ − η_t·α·(sign(c) + λ_pt·θ)
//! with `--wd-scaling lr`, as the paper and its PyTorch port `lion-pytorch` write it). One
//! step, with one state buffer m:
//!
//! ```text
//! c = β₁·m + (1 − β₁)·g;   θ ← θ − η_t·α·sign(c);   m ← β₂·m + (1 − β₂)·g
//! ```
//!
//! β₁ = 0.9 and β₂ = 0.99 by default (the paper's, and lion-pytorch's; not Adam's 0.999).
//! The step has the same size α for every element whatever the gradient's scale, so an L2
//! penalty only acts where it flips the sign of c: the starkest case of the L2 / decoupled
//! difference. sign(0) = 0 (torch.sign's, and candle's `sign`).

use super::decay::{decay, Placed};
use super::l2::add_l2;
use super::method_def::{DecayKind, MethodDef, Names, PairNames};
use super::{Direction, Hyper, OptimConfig, PerCell};
use candle_core::{Result, Tensor};

/// Lion with the decay before the sign (L2) or beside it (decoupled).
pub(crate) struct Lion(pub(crate) DecayKind);

/// The names of the Lion methods.
const NAMES: PairNames = PairNames {
    l2: Names {
        name: "lion",
        label: "Lion + L2",
        help: "Lion (Chen et al. 2023) on the L2-regularised loss: --l2 λ",
    },
    decoupled: Names {
        name: "lionw",
        label: "LionW",
        help: "Lion with decoupled weight decay (Chen et al. 2023, Alg. 1): --wd λ'",
    },
};

impl MethodDef for Lion {
    fn pair(&self) -> &'static PairNames {
        &NAMES
    }

    fn direction_name(&self) -> &'static str {
        "Lion"
    }

    fn decay_kind(&self) -> DecayKind {
        self.0
    }

    fn hypers(&self) -> &'static [Hyper] {
        &[Hyper::Beta1, Hyper::Beta2]
    }

    /// The paper's and lion-pytorch's: α = 1e-4 (3–10 times below AdamW's, as the paper
    /// advises), β₁ 0.9, β₂ 0.99. ε is not used.
    fn default_lr(&self) -> f64 {
        1e-4
    }

    fn default(&self, h: Hyper) -> f64 {
        match h {
            Hyper::Beta2 => 0.99,
            _ => h.default(),
        }
    }

    /// The momentum m.
    fn state_buffers(&self, _cfg: &OptimConfig) -> usize {
        1
    }

    fn direction(&self, cfg: &OptimConfig, _t: u64) -> Direction {
        let (beta1, beta2) = (cfg.hyper(Hyper::Beta1), cfg.hyper(Hyper::Beta2));
        Direction::Lion(LionScalars {
            beta1,
            one_minus_beta1: 1.0 - beta1,
            beta2,
            one_minus_beta2: 1.0 - beta2,
        })
    }
}

/// Lion's per-step scalars, computed in f64 (1 − β exact to f64, as a Python float is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LionScalars {
    pub(crate) beta1: f64,
    pub(crate) one_minus_beta1: f64,
    pub(crate) beta2: f64,
    pub(crate) one_minus_beta2: f64,
}

/// sign(x) as torch.sign and candle's `sign`: −1, 0 or 1.
#[inline(always)]
fn sign(x: f32) -> f32 {
    f32::from(x > 0.0) - f32::from(x < 0.0)
}

/// The fused update of every element, in lion-pytorch's order: θ ← decay(θ) − η_t·α·sign(c)
/// with c = β₁m + (1 − β₁)(g + l2·θ), then m ← β₂m + (1 − β₂)(g + l2·θ).
#[inline(always)]
pub(super) fn fused(
    theta: &mut [f32],
    grad: &[f32],
    buffers: &mut [&mut [f32]],
    s: &LionScalars,
    c: Placed,
) {
    let Placed {
        l2,
        decay: wd,
        lr_t,
    } = c;
    let (b1, c1, b2, c2) = (
        s.beta1 as f32,
        s.one_minus_beta1 as f32,
        s.beta2 as f32,
        s.one_minus_beta2 as f32,
    );
    let [m] = buffers else {
        unreachable!(
            "Lion with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        )
    };
    for ((p, &g), m) in theta.iter_mut().zip(grad).zip(m.iter_mut()) {
        let g = add_l2(g, *p, l2);
        let update = sign(b1 * *m + c1 * g);
        *p = decay(*p, wd) - lr_t * update;
        *m = b2 * *m + c2 * g;
    }
}

/// The step as candle ops: η_t·α·sign(β₁m + (1 − β₁)g), with m replaced.
pub(super) fn tensor_step(
    g: &Tensor,
    buffers: &mut [Tensor],
    s: &LionScalars,
    lr_t: f64,
) -> Result<Tensor> {
    let [m] = buffers else {
        candle_core::bail!(
            "Lion with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        )
    };
    let c = (m.affine(s.beta1, 0.0)? + g.affine(s.one_minus_beta1, 0.0)?)?;
    *m = (m.affine(s.beta2, 0.0)? + g.affine(s.one_minus_beta2, 0.0)?)?;
    c.sign()?.affine(lr_t, 0.0)
}

/// [`tensor_step`] of a population, each cell with its own β₁, β₂ and η_t·α.
pub(super) fn cells_step(
    g: &Tensor,
    buffers: &mut [Tensor],
    lr_t: &Tensor,
    per_cell: PerCell,
) -> Result<Tensor> {
    let [m] = buffers else {
        candle_core::bail!(
            "Lion with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        )
    };
    let lion = |f: &dyn Fn(&LionScalars) -> f64| {
        per_cell(&|c| match &c.direction {
            Direction::Lion(s) => f(s),
            _ => 0.0,
        })
    };
    let c = (m.broadcast_mul(&lion(&|s| s.beta1)?)?
        + g.broadcast_mul(&lion(&|s| s.one_minus_beta1)?)?)?;
    *m = (m.broadcast_mul(&lion(&|s| s.beta2)?)?
        + g.broadcast_mul(&lion(&|s| s.one_minus_beta2)?)?)?;
    c.sign()?.broadcast_mul(lr_t)
}
