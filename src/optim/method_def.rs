//! What a method is ([`MethodDef`]): its names, the place of its decay ([`DecayKind`]), the
//! hyper-parameters it takes ([`Hyper`]) with their defaults, its state and the
//! scalars of its direction at each step. Each direction's file ([`super::sgd`],
//! [`super::adam`], [`super::lion`]) implements it; the registry ([`super::method`]) lists
//! the methods.

use super::{Direction, Hyper, OptimConfig};

/// Where a method's decay sits relative to its direction: the one difference within a pair
/// (Loshchilov & Hutter 2019, Alg. 1 and 2: the L2 term enters the gradient, the decoupled
/// decay bypasses the direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecayKind {
    /// L2 regularisation: g ← g + λθ before the direction (`--l2 λ`).
    L2,
    /// Decoupled weight decay: θ ← θ − η_t·λ'·θ beside the direction (`--wd λ'`).
    Decoupled,
}

/// A method's names: on the command line and in results files, in tables, in `--help`.
pub(crate) struct Names {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) help: &'static str,
}

/// The names of a direction's two methods.
pub(crate) struct PairNames {
    pub(crate) l2: Names,
    pub(crate) decoupled: Names,
}

/// What a method is: its names, its decay's place, its hyper-parameters with their defaults,
/// its state and the scalars of its direction at each step. The update itself is the
/// [`Direction`] the method returns, applied by the kernels.
pub(crate) trait MethodDef: Sync {
    /// The names of the direction's two methods, with L2 and with decoupled decay.
    fn pair(&self) -> &'static PairNames;
    /// The name on the command line and in results files.
    fn name(&self) -> &'static str {
        self.names().name
    }
    /// A readable label for tables and legends.
    fn label(&self) -> &'static str {
        self.names().label
    }
    /// One line for `--help`.
    fn help(&self) -> &'static str {
        self.names().help
    }
    /// This method's names: the pair's entry for its decay kind.
    fn names(&self) -> &'static Names {
        match self.decay_kind() {
            DecayKind::L2 => &self.pair().l2,
            DecayKind::Decoupled => &self.pair().decoupled,
        }
    }
    /// The direction's short name in legends (`SGD`, `Adam`): the two methods of a pair share it.
    fn direction_name(&self) -> &'static str;
    /// Where the decay sits.
    fn decay_kind(&self) -> DecayKind;
    /// The hyper-parameters the method takes (others are refused on the command line).
    fn hypers(&self) -> &'static [Hyper];
    /// The learning rate a run gets when none is given.
    fn default_lr(&self) -> f64;
    /// The value of `h` a run gets when none is given: the hyper-parameter's own default
    /// (PyTorch's SGD and Adam constants) unless the direction sets another.
    fn default(&self, h: Hyper) -> f64 {
        h.default()
    }
    /// State buffers per parameter under `cfg` (momentum; Adam's m and v).
    fn state_buffers(&self, cfg: &OptimConfig) -> usize;
    /// The direction's scalars at step `t` (1-based).
    fn direction(&self, cfg: &OptimConfig, t: u64) -> Direction;
    /// Refuses hyper-parameter values the direction cannot use, naming the flag.
    fn validate(&self, _cfg: &OptimConfig) -> anyhow::Result<()> {
        Ok(())
    }
}
