//! SGD with heavy-ball momentum ([`super::momentum`]) as a method: SGD + L2 (`sgd`) and SGDW
//! (`sgdw`, Loshchilov & Hutter 2019, Alg. 1), its update on host buffers (the fused pass)
//! and as candle ops (one network, or a population's cells).

use super::decay::{decay, Placed};
use super::l2::add_l2;
use super::method_def::{DecayKind, MethodDef, Names, PairNames};
use super::momentum::momentum_step;
use super::{Direction, Hyper, OptimConfig, PerCell};
use crate::error::usage;
use crate::util::fmt::exact;
use candle_core::{Result, Tensor};

/// Per-step scalars of SGD's direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SgdScalars {
    /// The heavy-ball momentum β (0: plain SGD, no buffer).
    pub(crate) momentum: f64,
}

/// SGD with the decay before the direction (L2) or beside it (decoupled).
pub(crate) struct Sgd(pub(crate) DecayKind);

/// The names of the Sgd methods.
const NAMES: PairNames = PairNames {
    l2: Names {
        name: "sgd",
        label: "SGD + L2",
        help: "SGD (with optional momentum) on the L2-regularised loss: --l2 λ",
    },
    decoupled: Names {
        name: "sgdw",
        label: "SGDW",
        help: "SGD with decoupled weight decay (SGDW, Loshchilov & Hutter Alg. 1): --wd λ'",
    },
};

impl MethodDef for Sgd {
    fn pair(&self) -> &'static PairNames {
        &NAMES
    }

    fn direction_name(&self) -> &'static str {
        "SGD"
    }

    fn decay_kind(&self) -> DecayKind {
        self.0
    }

    fn hypers(&self) -> &'static [Hyper] {
        &[Hyper::Momentum]
    }

    /// α = 0.1, good for three epochs of the full MNIST.
    fn default_lr(&self) -> f64 {
        0.1
    }

    /// The momentum buffer, when there is momentum.
    fn state_buffers(&self, cfg: &OptimConfig) -> usize {
        usize::from(cfg.hyper(Hyper::Momentum) > 0.0)
    }

    fn direction(&self, cfg: &OptimConfig, _t: u64) -> Direction {
        Direction::Sgd(SgdScalars {
            momentum: cfg.hyper(Hyper::Momentum),
        })
    }

    /// Plain SGD + L2 with αλ ≥ 1 flips or zeroes every weight each step.
    fn validate(&self, c: &OptimConfig) -> anyhow::Result<()> {
        if self.0 == DecayKind::L2 && c.lr() * c.decay() >= 1.0 {
            return Err(usage(format!(
                "--lr × --l2 = {} × {} ≥ 1: plain SGD would shrink every weight by a factor 1 − αλ ≤ 0 \
                 each step; lower --l2 (e.g. 1e-4 to 1e-3)",
                exact(c.lr()),
                exact(c.decay())
            )));
        }
        Ok(())
    }
}

/// The fused update of every element: θ ← decay(θ) − η_t·α·(g + l2·θ), or with momentum
/// θ ← decay(θ) − m where m ← βm + η_t·α·(g + l2·θ).
#[inline(always)]
pub(super) fn fused(
    theta: &mut [f32],
    grad: &[f32],
    buffers: &mut [&mut [f32]],
    s: &SgdScalars,
    c: Placed,
) {
    let momentum = s.momentum as f32;
    let Placed {
        l2,
        decay: wd,
        lr_t,
    } = c;
    match buffers {
        [] => {
            for (p, &g) in theta.iter_mut().zip(grad) {
                *p = decay(*p, wd) - lr_t * add_l2(g, *p, l2);
            }
        }
        [buf] => {
            for ((p, &g), m) in theta.iter_mut().zip(grad).zip(buf.iter_mut()) {
                let step = momentum_step(m, lr_t * add_l2(g, *p, l2), momentum);
                *p = decay(*p, wd) - step;
            }
        }
        _ => unreachable!(
            "SGD with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        ),
    }
}

/// The step as candle ops: η_t·α·g, or the momentum buffer m ← βm + η_t·α·g.
pub(super) fn tensor_step(
    g: &Tensor,
    buffers: &mut [Tensor],
    s: &SgdScalars,
    lr_t: f64,
) -> Result<Tensor> {
    let momentum = s.momentum;
    match buffers {
        [] => g.affine(lr_t, 0.0),
        [buf] => {
            *buf = (buf.affine(momentum, 0.0)? + g.affine(lr_t, 0.0)?)?;
            Ok(buf.clone())
        }
        _ => candle_core::bail!(
            "SGD with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        ),
    }
}

/// [`tensor_step`] of a population, each cell with its own β and η_t·α.
pub(super) fn cells_step(
    g: &Tensor,
    buffers: &mut [Tensor],
    lr_t: &Tensor,
    per_cell: PerCell,
) -> Result<Tensor> {
    match buffers {
        [] => g.broadcast_mul(lr_t),
        [buf] => {
            let momentum = per_cell(&|c| match c.direction {
                Direction::Sgd(s) => s.momentum,
                _ => 0.0,
            })?;
            *buf = (buf.broadcast_mul(&momentum)? + g.broadcast_mul(lr_t)?)?;
            Ok(buf.clone())
        }
        _ => candle_core::bail!(
            "SGD with {} state buffers: OptimConfig::state_buffers is out of step",
            buffers.len()
        ),
    }
}
