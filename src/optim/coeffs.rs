//! One step's coefficients: the decay transform ([`super::decay::DecayTransform`]) placed
//! where the method's decay kind puts it, and the method's direction. Each step of each
//! parameter is
//!
//! ```text
//! g ← g + l2·θ;   θ ← θ − decay·θ − step(η_t·α, direction(g))
//! ```
//!
//! and a method is a choice of which of `l2` and `decay` is on (its [`super::DecayKind`]) and
//! which direction it follows (its [`Direction`]):
//!
//! | method | l2         | decay (per step)                    | direction          |
//! |--------|------------|-------------------------------------|--------------------|
//! | sgd    | λ          | 0                                   | momentum SGD       |
//! | sgdw   | 0          | η_t·λ' (paper) or η_t·α·λ' (lr)     | momentum SGD       |
//! | adam   | λ          | 0                                   | Adam               |
//! | adamw  | 0          | η_t·λ' (paper) or η_t·α·λ' (lr)     | Adam               |
//! | lion   | λ          | 0                                   | Lion (sign)        |
//! | lionw  | 0          | η_t·λ' (paper) or η_t·α·λ' (lr)     | Lion (sign)        |
//!
//! The kernels ([`super::fused`] on host buffers, [`super::tensor_ops`] as candle ops) apply
//! these coefficients in one pass; they never look at the method, and the direction's own
//! update is written once, in its method's file.

use super::decay::Placed;
use super::lion::{self, LionScalars};
use super::sgd::{self, SgdScalars};
use super::{adam, AdamScalars, OptimConfig, ParamKind};
use candle_core::{Result, Tensor};

/// The direction a method follows, with the scalars of one step. Each variant's update lives
/// in its method's file; this enum only dispatches to it, so the kernels never look at the
/// method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Direction {
    Sgd(SgdScalars),
    Adam(AdamScalars<f64>),
    Lion(LionScalars),
}

/// A per-cell coefficient as a (1, G, 1) tensor, for the population's tensor ops.
pub(crate) type PerCell<'a> = &'a dyn Fn(&dyn Fn(&StepCoeffs) -> f64) -> Result<Tensor>;

impl Direction {
    /// The fused host update of every element: g ← g + l2·θ (before the direction);
    /// θ ← θ − decay·θ − step (after it). Inlined into the kernel's loop so that each
    /// direction compiles to its own tight vectorisable loop.
    #[inline(always)]
    pub(crate) fn fused(
        self,
        theta: &mut [f32],
        grad: &[f32],
        buffers: &mut [&mut [f32]],
        p: Placed,
    ) {
        match self {
            Direction::Sgd(s) => sgd::fused(theta, grad, buffers, &s, p),
            Direction::Adam(s) => adam::fused(theta, grad, buffers, &s.to_f32(), p),
            Direction::Lion(s) => lion::fused(theta, grad, buffers, &s, p),
        }
    }

    /// The step to subtract (already scaled by `lr_t` = η_t·α) for the gradient `g` (the L2
    /// term included), as candle ops; replaces the state `buffers`.
    pub(crate) fn tensor_step(
        self,
        g: &Tensor,
        buffers: &mut [Tensor],
        lr_t: f64,
    ) -> Result<Tensor> {
        match self {
            Direction::Sgd(s) => sgd::tensor_step(g, buffers, &s, lr_t),
            Direction::Adam(s) => adam::tensor_step(g, buffers, &s, lr_t),
            Direction::Lion(s) => lion::tensor_step(g, buffers, &s, lr_t),
        }
    }

    /// [`Self::tensor_step`] of a population whose cells share this direction with their own
    /// scalars (`per_cell` reads one from each cell's coefficients; `lr_t` is per cell).
    pub(crate) fn cells_step(
        self,
        g: &Tensor,
        buffers: &mut [Tensor],
        lr_t: &Tensor,
        per_cell: PerCell,
    ) -> Result<Tensor> {
        match self {
            Direction::Sgd(_) => sgd::cells_step(g, buffers, lr_t, per_cell),
            Direction::Adam(_) => adam::cells_step(g, buffers, lr_t, per_cell),
            Direction::Lion(_) => lion::cells_step(g, buffers, lr_t, per_cell),
        }
    }
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
    /// `kind` (a bias is exempt under `--no-decay-biases`): the decay transform placed where
    /// the method's [`super::DecayKind`] puts it, and the method's direction.
    pub(crate) fn coeffs(&self, t: u64, eta: f64, kind: ParamKind) -> StepCoeffs {
        let (l2, decay) = self.decay_transform().placed(eta, self.lr(), kind);
        StepCoeffs {
            l2,
            decay,
            lr_t: eta * self.lr(),
            direction: self.method().def().direction(self, t),
        }
    }
}

impl StepCoeffs {
    /// The scalars of the fused kernel, cast once per call.
    pub(crate) fn placed(&self) -> Placed {
        Placed {
            l2: self.l2 as f32,
            decay: self.decay as f32,
            lr_t: self.lr_t as f32,
        }
    }

    /// (keep, scale) with θ − decay·θ − lr_t·(g + l2·θ) = keep·θ − scale·g, when the update
    /// is linear in g: SGD without momentum. Then keep = 1 − decay − lr_t·l2, scale = lr_t.
    pub(crate) fn linear_form(&self) -> Option<(f64, f64)> {
        match self.direction {
            Direction::Sgd(SgdScalars { momentum: 0.0 }) => {
                Some((1.0 - self.decay - self.lr_t * self.l2, self.lr_t))
            }
            _ => None,
        }
    }
}
