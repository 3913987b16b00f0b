//! Failures that map to the documented exit codes (docs/reference.md, "Exit codes", and every `--help`): 0
//! success, 1 runtime error (I/O, data), 2 usage or invalid value, 3 diverged, 130 interrupted.

/// Exit status for each outcome.
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const RUNTIME: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const DIVERGED: i32 = 3;
    /// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A flag value that makes no sense; the message names the flag and the fix.
    #[error("{0}")]
    Usage(String),
    /// The training loss became NaN, infinite, or exploded (see `train::run_loop`); `loss`
    /// is the mean per-step loss of the steps read back together, on every path.
    #[error(
        "diverged at epoch {epoch}, step {step}: the training loss became {loss} per step (the \
         mean since the last check; a run diverges at a NaN or infinite loss, or one over \
         1000 × ln 10, a thousand times a uniform guess's). Lower --lr (or the decay coefficient); the epochs finished before \
         are kept"
    )]
    Diverged {
        epoch: usize,
        step: usize,
        loss: f32,
    },
    /// Ctrl-C during a study ([`crate::util::interrupt`]).
    #[error(
        "interrupted (Ctrl-C): the cells in training were dropped, every finished cell is kept \
         in the results file; run the same command again to resume where it stopped"
    )]
    Interrupted,
}

/// Shorthand for a usage error with a formatted message.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    Failure::Usage(msg.into()).into()
}

/// The exit code for an error: the first [`Failure`] in its chain decides, anything else is a
/// runtime error.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return match f {
                Failure::Usage(_) => exit::USAGE,
                Failure::Diverged { .. } => exit::DIVERGED,
                Failure::Interrupted => exit::INTERRUPTED,
            };
        }
    }
    exit::RUNTIME
}

/// True when the error is a divergence (a sweep records it and goes on).
pub fn is_divergence(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|c| matches!(c.downcast_ref::<Failure>(), Some(Failure::Diverged { .. })))
}
