//! The command line: the flags of every subcommand ([`args`], shared groups defined once;
//! [`study_args`], the study commands'), how the domain's values are spelled ([`values`]),
//! and one step that turns the arguments into validated domain values ([`resolve`];
//! [`resolve_study`] for the study commands). Only `commands` and `main` use this module.

pub mod args;
pub(crate) mod resolve;
pub(crate) mod resolve_study;
pub mod study_args;
mod values;

pub use args::*;
use clap::{Parser, Subcommand};
pub use study_args::*;

/// `--hidden` of the commands that train outside a study.
const HIDDEN_1024: &str = "Hidden layer widths, comma-separated (e.g. 1024 or 512,256) \
[default: 1024]";

/// `--label-noise` of `wdlab train`.
const LABEL_NOISE_0: &str = "Replace the labels of a fraction P of the training images \
(0 ≤ P < 1; validation and test labels are never touched) by a class drawn uniformly from the \
nine wrong ones [default: 0]";

/// The exit codes, shown under every `--help` (error.rs defines them).
const EXIT_CODES: &str = "Exit codes: 0 success; 1 runtime error (I/O, data, a study folder that \
contradicts itself); 2 usage error or invalid value (a flag, an output path, a folder of other \
settings or data); 3 the run diverged; 130 interrupted by Ctrl-C (a study keeps its finished \
cells and resumes).";

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
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train the MLP on MNIST with one optimiser variant.
    #[command(
        after_help = EXIT_CODES,
        mut_arg("hidden", |a| a.help(HIDDEN_1024)),
        mut_arg("norm", |a| a.help("Normalisation of each hidden layer's pre-activation \
[default: none]")),
        mut_arg("train_size", |a| a.help("Train on the first N training images only: quick \
runs, or a regime that overfits, where weight decay matters [default: all that the validation \
split leaves]")),
        mut_arg("label_noise", |a| a.help(LABEL_NOISE_0)),
    )]
    Train(TrainArgs),
    /// Time training epochs of each variant (s/epoch, GFLOP/s, share of the sgemm rate).
    #[command(
        after_help = EXIT_CODES,
        mut_arg("hidden", |a| a.help(HIDDEN_1024)),
        mut_arg("norm", |a| a.help("Normalisation of each hidden layer's pre-activation \
[default: none]")),
        mut_arg("train_size", |a| a.help("Time on the first N training images only \
[default: all 60,000]")),
    )]
    Bench(BenchArgs),
    /// Optimisation paths on a two-parameter surface: how weight decay pulls them toward the
    /// origin (GD, GD + L2, GD with decoupled decay, Adam + L2, AdamW).
    #[command(after_help = EXIT_CODES)]
    Trajectory(TrajectoryArgs),
    /// The weight norm ‖θ‖ over epochs on MNIST for several decay values, from existing runs
    /// (--runs) or from short runs it trains (--train).
    #[command(
        after_help = EXIT_CODES,
        mut_arg("hidden", |a| a.help(HIDDEN_1024)),
        mut_arg("norm", |a| a.help("With --train: normalisation of each hidden layer's \
pre-activation [default: none]")),
        mut_arg("train_size", |a| a.help("With --train: train on the first N training images \
[default: 5000]")),
    )]
    Norms(NormsArgs),
    /// Train the four variants with the same seeds, initial weights and batch order; print the
    /// final test accuracy (mean ± sd over seeds) and draw learning curves.
    #[command(
        after_help = EXIT_CODES,
        mut_arg("eval_every", |a| a.help("Evaluate every N epochs and after the last, the points \
of the learning curves [default: 5]")),
    )]
    Compare(CompareArgs),
    /// Grid of learning rate × decay per method over seeds, scored on the validation split;
    /// resumable, and shardable over machines with --shard K/N.
    #[command(after_help = EXIT_CODES)]
    Sweep(SweepArgs),
    /// Analyse a study folder: heat maps, coupling slopes, chosen settings and their test
    /// accuracy, verdicts (report.md and SVG figures).
    #[command(after_help = EXIT_CODES)]
    Report(ReportArgs),
    /// The whole study in one command: sweep, refinement, more seeds at the chosen cells, test
    /// predictions, the equivalence check, the report.
    #[command(after_help = EXIT_CODES)]
    Reproduce(ReproduceArgs),
    /// One table of the verdicts of several study folders, and where each claim holds
    /// (README's "Results" is its output).
    #[command(after_help = EXIT_CODES)]
    Summary(SummaryArgs),
    /// A regime map: one compact study per value of an axis (training length, label noise,
    /// training images), and what the axis does to the coupling of the best decay to α
    /// (map.md, map.svg); resumable.
    #[command(after_help = EXIT_CODES)]
    Map(MapArgs),
    /// Print the shell completion script for SHELL (e.g. `wdlab completions bash >
    /// ~/.local/share/bash-completion/completions/wdlab`).
    Completions(CompletionsArgs),
    /// Print the man page (roff): `wdlab man > wdlab.1; man ./wdlab.1`.
    Man,
}
