//! Command-line definitions (clap). Values are checked in [`crate::config`], once.

use crate::optim::{Method, Schedule, WdScaling};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// The whole study in one command: sweep, more seeds at the chosen cells, the equivalence
    /// check, the report.
    Reproduce(ReproduceArgs),
}

/// The optimiser and its hyper-parameters.
#[derive(Debug, Clone, Args)]
pub struct OptimArgs {
    /// Optimiser: sgd and adam take --l2 λ (coupled L2 penalty); sgdw and adamw take --wd λ'
    /// (decoupled weight decay).
    #[arg(long, value_enum, default_value_t = Method::Adamw)]
    pub optimizer: Method,
    /// Learning rate α [default: 0.1 for sgd/sgdw, 0.001 for adam/adamw].
    #[arg(long, allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// L2 coefficient λ for sgd and adam: the gradient becomes ∇R + λθ [default: 0].
    #[arg(long, value_name = "λ", allow_hyphen_values = true)]
    pub l2: Option<f64>,
    /// Decoupled weight decay λ' for sgdw and adamw. Paper convention (default): θ ← θ − η_t·λ'·θ
    /// per step, independent of --lr, so SGDW with λ' equals SGD+L2 with λ = λ'/α. See
    /// --wd-scaling for PyTorch's convention [default: 1e-4].
    #[arg(long, value_name = "λ'", allow_hyphen_values = true)]
    pub wd: Option<f64>,
    /// How --wd is scaled: `paper` (Loshchilov & Hutter: η_t·λ') or `lr` (PyTorch, candle, optax:
    /// η_t·α·λ', so torch.optim.AdamW(lr, weight_decay=λ') is `--wd λ' --wd-scaling lr`).
    #[arg(long, value_enum, default_value_t = WdScaling::Paper)]
    pub wd_scaling: WdScaling,
    /// Learning-rate schedule η_t (it scales the decoupled decay too).
    #[arg(long, value_enum, default_value_t = Schedule::Constant)]
    pub schedule: Schedule,
    /// SGD momentum β for sgd and sgdw: m ← βm + η_t·α·g [default: 0].
    #[arg(long, allow_hyphen_values = true)]
    pub momentum: Option<f64>,
    /// Adam β₁ for adam and adamw [default: 0.9].
    #[arg(long, allow_hyphen_values = true)]
    pub beta1: Option<f64>,
    /// Adam β₂ for adam and adamw [default: 0.999].
    #[arg(long, allow_hyphen_values = true)]
    pub beta2: Option<f64>,
    /// Adam ε for adam and adamw, added to √v̂ [default: 1e-8].
    #[arg(long, allow_hyphen_values = true)]
    pub eps: Option<f64>,
    /// Exempt biases from the decay or penalty (by default every parameter is regularised, as
    /// the ‖θ‖² of the L2-regularised risk says).
    #[arg(long)]
    pub no_decay_biases: bool,
}

/// Where the data comes from and how it is split.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Folder with the four MNIST-format IDX files (.gz or plain). Other data than the bundled
    /// MNIST only warns when its checksums differ (Fashion-MNIST, say).
    #[arg(long, default_value = crate::data::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Load MNIST from the Hugging Face Hub with candle-datasets instead (needs a build with
    /// `--features hub` and internet on first use).
    #[arg(long, conflicts_with = "data_dir")]
    pub hub: bool,
    /// Hold out the last N training images as a validation split (never the test set).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub val_size: usize,
    /// Train on the first N training images only (quick runs, or a regime that overfits).
    #[arg(long, value_name = "N")]
    pub train_size: Option<usize>,
}

/// How long and how big: shared by every command that trains.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Passes over the training images.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Images per step (the last batch of an epoch may be smaller).
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Hidden layer widths, comma-separated (e.g. 1024 or 512,256).
    #[arg(long, value_delimiter = ',', default_value = "1024")]
    pub hidden: Vec<usize>,
    /// Evaluate (and write a metrics row) every N epochs and after the last one; evaluation
    /// of 10,000 test images costs more than an epoch of a small training subset.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub eval_every: usize,
    /// Seed of the initial weights and the batch order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// cpu, cuda or cuda:N (CUDA needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// No progress bars or per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    #[command(flatten)]
    pub optim: OptimArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write metrics.csv (one row per epoch, as it goes) and config.json into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Save the trained weights as safetensors (weights stored (in, out)).
    #[arg(long, value_name = "FILE.safetensors")]
    pub save: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Variants to time, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sgd,sgdw,adam,adamw")]
    pub methods: Vec<Method>,
    /// Batch sizes to time, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "128,1024")]
    pub batch_sizes: Vec<usize>,
    /// Epochs per measurement: the first warms up, the rest are timed (at least 1).
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1024")]
    pub hidden: Vec<usize>,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Train on the first N training images (default: all 60,000).
    #[arg(long, value_name = "N")]
    pub train_size: Option<usize>,
    /// One JSON object per line instead of a table (for scripts/bench.sh).
    #[arg(long)]
    pub json: bool,
    /// Instead: time an N×N learning-rate × decay grid of each method trained as N² single
    /// runs one at a time, as one population, and one run per core side by side (--jobs)
    /// (use with --train-size and --epochs).
    #[arg(long, value_name = "N")]
    pub population: Option<usize>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrajectoryArgs {
    /// Write paths.csv and the SVG figures into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The empirical risk R_emp(θ₁, θ₂) to descend.
    #[arg(long, value_enum, default_value_t = crate::trajectory::SurfaceKind::Quadratic)]
    pub surface: crate::trajectory::SurfaceKind,
    /// Start point [default: -1.5,2.5; two-basin: 0.3,3].
    #[arg(
        long,
        value_name = "X,Y",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub start: Option<Vec<f64>>,
    /// Step size α of every run [default: 0.05; rosenbrock: 0.005].
    #[arg(long, value_name = "α")]
    pub lr: Option<f64>,
    /// Number of steps [default: 500; rosenbrock: 4000].
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// Decay values λ in L2 form, comma-separated; GD + L2 and Adam + L2 use λ, GD with decoupled
    /// decay and AdamW use λ' = αλ per step. λ = 0 (plain GD) is always run. The figure shows
    /// the smallest and the largest positive λ [default: 0,0.3,3; two-basin: 0,0.3,2;
    /// rosenbrock: 0,0.1,1].
    #[arg(long, value_name = "λ,...", value_delimiter = ',')]
    pub decays: Option<Vec<f64>>,
    /// Quadratic only: the unregularised minimum c [default: 2,1].
    #[arg(
        long,
        value_name = "X,Y",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub minimum: Option<Vec<f64>>,
    /// Quadratic only: the eigenvalues h₁, h₂ of the Hessian H [default: 1,10].
    #[arg(long, value_name = "H1,H2", value_delimiter = ',')]
    pub curvatures: Option<Vec<f64>>,
    /// Quadratic only: angle in degrees between the first principal axis (curvature h₁) and
    /// the θ₁ axis [default: 60].
    #[arg(long, value_name = "DEG")]
    pub rotation: Option<f64>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct NormsArgs {
    /// Write weight_norm.svg (and, with --train, the runs under DIR/runs/) into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Run folders written by `wdlab train --out` (their metrics.csv; config.json names the line).
    #[arg(long, value_name = "DIR", num_args = 1.., required_unless_present = "train", conflicts_with = "train")]
    pub runs: Vec<PathBuf>,
    /// Train one short run per --decays value (each evaluated every epoch) and plot those.
    #[arg(long)]
    pub train: bool,
    /// With --train: the optimiser of every run.
    #[arg(long, value_enum, default_value_t = Method::Sgdw)]
    pub optimizer: Method,
    /// With --train: the decay values, comma-separated: λ' (--wd) for sgdw and adamw, λ (--l2)
    /// for sgd and adam.
    #[arg(long, value_delimiter = ',', default_value = "0,0.001,0.003,0.01")]
    pub decays: Vec<f64>,
    /// With --train: learning rate α [default: 0.1 for sgd/sgdw, 0.001 for adam/adamw].
    #[arg(long)]
    pub lr: Option<f64>,
    /// With --train: epochs of each run.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// With --train: train on the first N training images.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub train_size: usize,
    /// With --train: hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1024")]
    pub hidden: Vec<usize>,
    /// With --train: images per step.
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// With --train: seed of the initial weights and the batch order (the same for every run).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// With --train: folder with the MNIST IDX files.
    #[arg(long, default_value = crate::data::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// With --train: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// No per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The regime a study trains in: a preset, and flags that override it.
#[derive(Debug, Clone, Args)]
pub struct StudyArgs {
    /// Regime and grid to start from (quick: 2,000 training images, minutes; full: the real
    /// study, hours). Every flag below overrides the preset.
    #[arg(long, value_enum, default_value_t = crate::study::Preset::Quick)]
    pub preset: crate::study::Preset,
    /// Train on the first N training images (few images and many epochs: a regime that
    /// overfits, where weight decay matters).
    #[arg(long, value_name = "N")]
    pub train_size: Option<usize>,
    /// Hold out the last N training images for selecting hyper-parameters [preset: 10000].
    #[arg(long, value_name = "N")]
    pub val_size: Option<usize>,
    /// Passes over the training images.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Images per step [preset: 128].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Hidden layer widths, comma-separated [preset: 1024].
    #[arg(long, value_delimiter = ',')]
    pub hidden: Option<Vec<usize>>,
    /// Learning-rate schedule η_t [preset: cosine].
    #[arg(long, value_enum)]
    pub schedule: Option<Schedule>,
    /// SGD momentum for sgd and sgdw [preset: 0; with momentum SGD + L2 and SGDW differ].
    #[arg(long)]
    pub momentum: Option<f64>,
    /// How --wd is scaled: paper (η_t·λ') or lr (PyTorch: η_t·α·λ') [preset: paper].
    #[arg(long, value_enum)]
    pub wd_scaling: Option<WdScaling>,
    /// Exempt biases from the decay or penalty.
    #[arg(long)]
    pub no_decay_biases: bool,
    /// Evaluate every N epochs and after the last (evaluation costs as much as training
    /// ~7,000 images).
    #[arg(long, value_name = "N")]
    pub eval_every: Option<usize>,
    /// Folder with the four MNIST-format IDX files.
    #[arg(long, default_value = crate::data::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// No progress bars or per-cell lines.
    #[arg(long, short)]
    pub quiet: bool,
    /// How grid cells train: `population` trains all cells of one method and seed together as
    /// one batched model (the same results to float rounding), `single` one run after another.
    /// Default: population on CUDA; single on CPU, where it measured faster (BENCHMARKS.md).
    #[arg(long, value_enum)]
    pub cells: Option<crate::sweep::CellBackend>,
    /// Cells trained side by side, each on its share of the cores (the same results at any
    /// N; rows are written in the order cells finish). Default: one per core on the CPU
    /// (1.2–1.4× the throughput of one at a time on 2 cores, BENCHMARKS.md); 1 on CUDA.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct CompareArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Methods to compare [default: sgd,sgdw,adam,adamw].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub methods: Vec<Method>,
    /// SGD + L2 setting as LR,λ [default: the preset's good cell].
    #[arg(long, value_name = "LR,λ")]
    pub sgd: Option<String>,
    /// SGDW setting as LR,λ'.
    #[arg(long, value_name = "LR,λ'")]
    pub sgdw: Option<String>,
    /// Adam + L2 setting as LR,λ.
    #[arg(long, value_name = "LR,λ")]
    pub adam: Option<String>,
    /// AdamW setting as LR,λ'.
    #[arg(long, value_name = "LR,λ'")]
    pub adamw: Option<String>,
    /// Seeds 0..N (the same initial weights and batch order for every method).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub seeds: usize,
    /// Output folder (results.csv, runs/, curves.svg, compare.md) [default:
    /// out/compare-<hash of the settings>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct SweepArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// The study folder (results.csv, runs/, study.json); re-running resumes.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Methods to sweep [default: the preset's four].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub methods: Vec<Method>,
    /// Learning rates for every selected method (replaces the preset's).
    #[arg(long, value_delimiter = ',', value_name = "LRS")]
    pub lrs: Option<Vec<f64>>,
    /// Decay coefficients for every selected method: λ for sgd/adam, λ' for sgdw/adamw.
    #[arg(long, value_delimiter = ',', value_name = "DECAYS")]
    pub decays: Option<Vec<f64>>,
    /// One method's grid, METHOD:LRS:DECAYS (repeatable), e.g. --grid adamw:1e-3,3e-3:0,1e-3.
    #[arg(long = "grid", value_name = "METHOD:LRS:DECAYS")]
    pub grids: Vec<String>,
    /// Seeds 0..N for every cell [preset: quick 1, full 2].
    #[arg(long, value_name = "N")]
    pub seeds: Option<usize>,
    /// Run only the K-th of N deterministic slices of the grid (1 ≤ K ≤ N), into
    /// results.shard-K-of-N.csv; `wdlab report` merges the shards.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The study folder written by `wdlab sweep` or `wdlab reproduce`.
    pub dir: PathBuf,
    /// Also run the equivalence check (trains four short runs from the folder's settings).
    #[arg(long)]
    pub equivalence: bool,
    /// Evaluate every N epochs in the equivalence runs.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub eval_every: usize,
    /// Folder with the MNIST files (for --equivalence).
    #[arg(long, default_value = crate::data::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// cpu, cuda or cuda:N (for --equivalence).
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

#[derive(Debug, Clone, Args)]
pub struct ReproduceArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// The study folder; re-running resumes every stage.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}
