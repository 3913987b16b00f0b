//! The command line: the flags of every subcommand ([`args`], shared groups defined once), how
//! the domain's values are spelled ([`values`]), and one step that turns the arguments into
//! validated domain values ([`resolve`]). Only `commands` and `main` use this module.

pub mod args;
pub(crate) mod resolve;
mod values;

pub use args::*;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "wdlab",
    version,
    about = "Shows on real MNIST what weight decay does, and why it is not L2 regularisation for Adam",
    long_about = "Shows on real MNIST what weight decay does, and why it is not L2 regularisation \
for Adam (Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019).\n\n\
Notation: λ is the L2 coefficient (--l2: the loss gets (λ/2)‖θ‖², the gradient gets λθ), λ' the \
decoupled weight decay (--wd: θ ← θ − η_t·λ'·θ each step), α the learning rate (--lr), η_t the \
schedule multiplier (--schedule).",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train the MLP on MNIST with one optimiser variant.
    Train(TrainArgs),
    /// Time training epochs of each variant (s/epoch, GFLOP/s, share of the sgemm rate).
    Bench(BenchArgs),
    /// Optimisation paths on a two-parameter surface: how weight decay pulls them toward the
    /// origin (GD, GD + L2, GD with decoupled decay, Adam + L2, AdamW).
    Trajectory(TrajectoryArgs),
    /// The weight norm ‖θ‖ over epochs on MNIST for several decay values, from existing runs
    /// (--runs) or from short runs it trains (--train).
    Norms(NormsArgs),
    /// Train the four variants with the same seeds, initial weights and batch order; print the
    /// final test accuracy (mean ± sd over seeds) and draw learning curves.
    Compare(CompareArgs),
    /// Grid of learning rate × decay per method over seeds, scored on the validation split;
    /// resumable, and shardable over machines with --shard K/N.
    Sweep(SweepArgs),
    /// Analyse a study folder: heat maps, coupling slopes, chosen settings and their test
    /// accuracy, verdicts (report.md and SVG figures).
    Report(ReportArgs),
    /// The whole study in one command: sweep, refinement, more seeds at the chosen cells, test
    /// predictions, the equivalence check, the report.
    Reproduce(ReproduceArgs),
    /// One table of the verdicts of several study folders, and where each claim holds
    /// (README's "Results" is its output).
    Summary(SummaryArgs),
}
