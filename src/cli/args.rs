//! The flags of every subcommand. Flags that several commands share are defined once, as a
//! group flattened where it is used (`--device`, `--data-dir`, `--hidden`, `--train-size`,
//! `--quiet`, and the training rule: `--schedule`, `--momentum`, `--wd-scaling`,
//! `--no-decay-biases`). Values are parsed here; [`super::resolve`] turns them into validated
//! domain values.

use super::values;
use crate::data::{DATA_DIR_ENV, DEFAULT_DATA_DIR};
use crate::device::DeviceSpec;
use crate::map::{AxisValues, MapPreset};
use crate::nn::Norm;
use crate::optim::{Method, Schedule, WdScaling};
use crate::study::{CellBackend, MethodGrid, Preset, Shard};
use crate::trajectory::SurfaceKind;
use clap::{ArgAction, Args};
use std::path::PathBuf;

/// `--device`.
#[derive(Debug, Clone, Args)]
pub struct DeviceArg {
    /// cpu, cuda (or gpu) or cuda:N for the N-th GPU (CUDA needs a build with `--features
    /// cuda`).
    #[arg(long, default_value = "cpu", value_parser = values::device)]
    pub(crate) device: DeviceSpec,
}

/// `--data-dir`.
#[derive(Debug, Clone, Args)]
pub struct DataDirArg {
    /// Folder with the four MNIST-format IDX files (.gz or plain). Other data than the bundled
    /// MNIST only warns when its checksums differ (Fashion-MNIST, say). The default data/mnist
    /// is read from the working folder when it is there, else from the copy compiled into
    /// wdlab, so any folder works.
    #[arg(long, env = DATA_DIR_ENV, default_value = DEFAULT_DATA_DIR)]
    pub(crate) data_dir: PathBuf,
}

/// `--train-size`.
#[derive(Debug, Clone, Args)]
pub struct TrainSizeArg {
    /// Train on the first N training images only: quick runs, or a regime that overfits, where
    /// weight decay matters [default: all that the validation split leaves; norms: 5000; a
    /// study: its preset's].
    #[arg(long, value_name = "N")]
    pub(crate) train_size: Option<usize>,
}

/// `--label-noise` and `--data-seed`.
#[derive(Debug, Clone, Args)]
pub struct LabelNoiseArg {
    /// Replace the labels of a fraction P of the training images (0 ≤ P < 1; validation and
    /// test labels are never touched) by a class drawn uniformly from the nine wrong ones
    /// [default: 0, or a study's preset's].
    #[arg(long, value_name = "P")]
    pub(crate) label_noise: Option<f64>,
    /// Seed that picks the noisy labels, apart from --seed: every method, learning rate and
    /// run seed sees the same corrupted set [default: 0].
    #[arg(long, value_name = "N")]
    pub(crate) data_seed: Option<u64>,
}

/// `--hidden` and `--norm`: the network's shape.
#[derive(Debug, Clone, Args)]
pub struct HiddenArg {
    /// Hidden layer widths, comma-separated (e.g. 1024 or 512,256) [default: 1024, or a
    /// study's preset's].
    #[arg(long, value_delimiter = ',', action = ArgAction::Set)]
    pub(crate) hidden: Option<Vec<usize>>,
    /// Normalisation of each hidden layer's pre-activation [default: none, or a study's
    /// preset's].
    #[arg(long, value_enum)]
    pub(crate) norm: Option<Norm>,
}

/// `--quiet`.
#[derive(Debug, Clone, Args)]
pub struct QuietArg {
    /// No progress bars, no per-epoch or per-cell lines, no header line: only the results.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// The training rule shared by every optimiser: schedule, SGD momentum, decay convention,
/// biases. Unset values take `wdlab train`'s defaults, or a study's preset's.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Learning-rate schedule η_t; it scales the decoupled decay too [default: constant; a
    /// study: cosine].
    #[arg(long, value_enum)]
    pub(crate) schedule: Option<Schedule>,
    /// SGD momentum β for sgd and sgdw: m ← βm + η_t·α·g [default: 0]. With momentum SGD + L2
    /// and SGDW are different algorithms.
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) momentum: Option<f64>,
    /// How --wd is scaled: `paper` (Loshchilov & Hutter: η_t·λ') or `lr` (PyTorch, candle,
    /// optax: η_t·α·λ', so torch.optim.AdamW(lr, weight_decay=λ') is `--wd λ' --wd-scaling
    /// lr`) [default: paper].
    #[arg(long, value_enum)]
    pub(crate) wd_scaling: Option<WdScaling>,
    /// Exempt biases from the decay or penalty (by default every parameter is regularised, as
    /// the ‖θ‖² of the L2-regularised risk says).
    #[arg(long)]
    pub(crate) no_decay_biases: bool,
}

/// The optimiser of `wdlab train` and its hyper-parameters.
#[derive(Debug, Clone, Args)]
pub struct OptimArgs {
    /// Optimiser: sgd, adam and lion take --l2 λ (coupled L2 penalty); sgdw, adamw and lionw
    /// take --wd λ' (decoupled weight decay).
    #[arg(long, value_enum, default_value_t = Method::Adamw)]
    pub(crate) optimizer: Method,
    /// Learning rate α [default: 0.1 for sgd/sgdw, 0.001 for adam/adamw, 0.0001 for lion/lionw].
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) lr: Option<f64>,
    /// L2 coefficient λ for sgd, adam and lion: the gradient becomes ∇R + λθ [default: 0].
    #[arg(long, value_name = "λ", allow_hyphen_values = true)]
    pub(crate) l2: Option<f64>,
    /// Decoupled weight decay λ' for sgdw, adamw and lionw. Paper convention (default): θ ← θ − η_t·λ'·θ
    /// per step, independent of --lr, so SGDW with λ' equals SGD+L2 with λ = λ'/α. See
    /// --wd-scaling for PyTorch's convention [default: 1e-4].
    #[arg(long, value_name = "λ'", allow_hyphen_values = true)]
    pub(crate) wd: Option<f64>,
    #[command(flatten)]
    pub(crate) rule: RuleArgs,
    /// β₁ for adam/adamw (first moment) and lion/lionw (the interpolation inside the sign)
    /// [default: 0.9].
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) beta1: Option<f64>,
    /// β₂ for adam/adamw (second moment) and lion/lionw (the momentum) [default: 0.999; 0.99
    /// for lion/lionw].
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) beta2: Option<f64>,
    /// Adam ε for adam and adamw, added to √v̂ [default: 1e-8].
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) eps: Option<f64>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    #[command(flatten)]
    pub(crate) optim: OptimArgs,
    /// Passes over the training images.
    #[arg(long, default_value_t = 3)]
    pub(crate) epochs: usize,
    /// Images per step (the last batch of an epoch may be smaller).
    #[arg(long, default_value_t = 128)]
    pub(crate) batch_size: usize,
    #[command(flatten)]
    pub(crate) hidden: HiddenArg,
    /// Evaluate (and write a metrics row) every N epochs and after the last one; evaluation
    /// of 10,000 test images costs more than an epoch of a small training subset.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) eval_every: usize,
    /// Seed of the initial weights and the batch order.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    #[command(flatten)]
    pub(crate) device: DeviceArg,
    #[command(flatten)]
    pub(crate) data_dir: DataDirArg,
    /// Load MNIST from the Hugging Face Hub with candle-datasets instead (needs a build with
    /// `--features hub` and internet on first use).
    #[arg(long, conflicts_with = "data_dir")]
    pub(crate) hub: bool,
    /// Hold out the last N training images as a validation split (never the test set).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) val_size: usize,
    #[command(flatten)]
    pub(crate) train_size: TrainSizeArg,
    #[command(flatten)]
    pub(crate) label_noise: LabelNoiseArg,
    /// Write metrics.csv (one row per epoch, as it goes) and config.json into DIR (created if
    /// missing; its parent folder must exist). A DIR that already holds a run is refused
    /// unless --force is given.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Replace what --out or --save would otherwise refuse: the run in an --out folder that
    /// already holds one (metrics.csv or config.json), and an existing --save file.
    #[arg(long)]
    pub(crate) force: bool,
    /// Save the trained weights as safetensors in nn.Linear's layout (layers.{i}.weight
    /// [out, in], layers.{i}.bias [out], f32), with the run's settings and final test accuracy
    /// in the metadata. The file's folder must exist (or be the --out folder); an existing file
    /// is replaced only with --force. Both are checked before training starts.
    #[arg(long, value_name = "FILE.safetensors")]
    pub(crate) save: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) quiet: QuietArg,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Variants to time, comma-separated.
    #[arg(long, value_delimiter = ',', action = ArgAction::Set, default_value = "sgd,sgdw,adam,adamw")]
    pub(crate) methods: Vec<Method>,
    /// Batch sizes to time, comma-separated.
    #[arg(long, value_delimiter = ',', action = ArgAction::Set, default_value = "128,1024")]
    pub(crate) batch_sizes: Vec<usize>,
    /// Epochs per measurement: the first warms up, the rest are timed (at least 1).
    #[arg(long, default_value_t = 2)]
    pub(crate) epochs: usize,
    #[command(flatten)]
    pub(crate) hidden: HiddenArg,
    #[command(flatten)]
    pub(crate) device: DeviceArg,
    #[command(flatten)]
    pub(crate) data_dir: DataDirArg,
    #[command(flatten)]
    pub(crate) train_size: TrainSizeArg,
    /// One JSON object per line instead of a table (for scripts/bench.sh).
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) quiet: QuietArg,
    /// Instead: time an N×N learning-rate × decay grid of each method trained as N² single
    /// runs one at a time, as one population, and one run per core side by side (as a study's
    /// --jobs would) (use with --train-size and --epochs).
    #[arg(long, value_name = "N")]
    pub(crate) population: Option<usize>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrajectoryArgs {
    /// Write paths.csv and the SVG figures into DIR.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// The empirical risk R_emp(θ₁, θ₂) to descend.
    #[arg(long, value_enum, default_value_t = SurfaceKind::Quadratic)]
    pub(crate) surface: SurfaceKind,
    /// Start point [default: -1.5,2.5; two-basin: 0.3,3].
    #[arg(
        long,
        value_name = "X,Y",
        value_delimiter = ',', action = ArgAction::Set,
        allow_hyphen_values = true
    )]
    pub(crate) start: Option<Vec<f64>>,
    /// Step size α of every run [default: 0.05; rosenbrock: 0.005].
    #[arg(long, value_name = "α")]
    pub(crate) lr: Option<f64>,
    /// Number of steps [default: 500; rosenbrock: 4000].
    #[arg(long, value_name = "N")]
    pub(crate) steps: Option<usize>,
    /// Decay values λ in L2 form, comma-separated; GD + L2 and Adam + L2 use λ, GD with decoupled
    /// decay and AdamW use λ' = αλ per step. λ = 0 (plain GD) is always run. The figure shows
    /// the smallest and the largest positive λ [default: 0,0.3,3; two-basin: 0,0.3,2;
    /// rosenbrock: 0,0.1,1].
    #[arg(long, value_name = "λ,...", value_delimiter = ',', action = ArgAction::Set)]
    pub(crate) decays: Option<Vec<f64>>,
    /// Quadratic only: the unregularised minimum c [default: 2,1].
    #[arg(
        long,
        value_name = "X,Y",
        value_delimiter = ',', action = ArgAction::Set,
        allow_hyphen_values = true
    )]
    pub(crate) minimum: Option<Vec<f64>>,
    /// Quadratic only: the eigenvalues h₁, h₂ of the Hessian H [default: 1,10].
    #[arg(long, value_name = "H1,H2", value_delimiter = ',', action = ArgAction::Set)]
    pub(crate) curvatures: Option<Vec<f64>>,
    /// Quadratic only: angle in degrees between the first principal axis (curvature h₁) and
    /// the θ₁ axis [default: 60].
    #[arg(long, value_name = "DEG")]
    pub(crate) rotation: Option<f64>,
    #[command(flatten)]
    pub(crate) quiet: QuietArg,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct NormsArgs {
    /// Write weight_norm.svg (and, with --train, the runs under DIR/runs/) into DIR.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Run folders written by `wdlab train --out` (their metrics.csv; config.json names the line).
    #[arg(long, value_name = "DIR", num_args = 1.., required_unless_present = "train", conflicts_with = "train")]
    pub(crate) runs: Vec<PathBuf>,
    /// Train one short run per --decays value (each evaluated every epoch) and plot those.
    #[arg(long)]
    pub(crate) train: bool,
    /// With --train: replace the runs DIR/runs/ already holds (refused without it).
    #[arg(long, requires = "train")]
    pub(crate) force: bool,
    /// With --train: the optimiser of every run.
    #[arg(long, value_enum, default_value_t = Method::Sgdw)]
    pub(crate) optimizer: Method,
    /// With --train: the decay values, comma-separated: λ' (--wd) for sgdw and adamw, λ (--l2)
    /// for sgd and adam.
    #[arg(long, value_delimiter = ',', action = ArgAction::Set, default_value = "0,0.001,0.003,0.01")]
    pub(crate) decays: Vec<f64>,
    /// With --train: learning rate α [default: 0.1 for sgd/sgdw, 0.001 for adam/adamw].
    #[arg(long)]
    pub(crate) lr: Option<f64>,
    /// With --train: epochs of each run.
    #[arg(long, default_value_t = 10)]
    pub(crate) epochs: usize,
    #[command(flatten)]
    pub(crate) train_size: TrainSizeArg,
    #[command(flatten)]
    pub(crate) hidden: HiddenArg,
    /// With --train: images per step.
    #[arg(long, default_value_t = 128)]
    pub(crate) batch_size: usize,
    /// With --train: seed of the initial weights and the batch order (the same for every run).
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    #[command(flatten)]
    pub(crate) data_dir: DataDirArg,
    #[command(flatten)]
    pub(crate) device: DeviceArg,
    #[command(flatten)]
    pub(crate) quiet: QuietArg,
}

/// The regime a study trains in: a preset, and flags that override it.
#[derive(Debug, Clone, Args)]
pub struct StudyArgs {
    /// Regime and grid to start from. Every flag below overrides the preset.
    #[arg(long, value_enum, default_value_t = Preset::Quick)]
    pub(crate) preset: Preset,
    #[command(flatten)]
    pub(crate) train_size: TrainSizeArg,
    #[command(flatten)]
    pub(crate) label_noise: LabelNoiseArg,
    /// Hold out the last N training images for selecting hyper-parameters [preset: 10000].
    #[arg(long, value_name = "N")]
    pub(crate) val_size: Option<usize>,
    /// Passes over the training images [preset: quick 60, the others 100].
    #[arg(long)]
    pub(crate) epochs: Option<usize>,
    /// Images per step [preset: 128].
    #[arg(long)]
    pub(crate) batch_size: Option<usize>,
    #[command(flatten)]
    pub(crate) hidden: HiddenArg,
    #[command(flatten)]
    pub(crate) rule: RuleArgs,
    /// Evaluate every N epochs and after the last (each evaluation runs the 10,000 test and
    /// the validation images, more than a small training subset holds) [preset: quick 20,
    /// full 10].
    #[arg(long, value_name = "N")]
    pub(crate) eval_every: Option<usize>,
    #[command(flatten)]
    pub(crate) cells: CellsArgs,
}

/// How a study's cells run (none of it changes a result): the data, the device, bars, how
/// cells are grouped and how many train side by side.
#[derive(Debug, Clone, Args)]
pub struct CellsArgs {
    #[command(flatten)]
    pub(crate) data_dir: DataDirArg,
    #[command(flatten)]
    pub(crate) device: DeviceArg,
    #[command(flatten)]
    pub(crate) quiet: QuietArg,
    /// How grid cells train: `population` trains all cells of one method and seed together as
    /// one batched model (the same results to float rounding), `single` one run after another.
    /// Default: population on CUDA, single on the CPU (BENCHMARKS.md compares them).
    #[arg(long, value_enum)]
    pub(crate) cells: Option<CellBackend>,
    /// Cells trained side by side, each on its share of the cores (the same results at any N;
    /// rows are written in the order cells finish). Default: one per core on the CPU, 1 on
    /// CUDA (BENCHMARKS.md measures the gain).
    #[arg(long, short = 'j', value_name = "N")]
    pub(crate) jobs: Option<usize>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct CompareArgs {
    #[command(flatten)]
    pub(crate) study: StudyArgs,
    /// Methods to compare [default: those the preset has a setting for: sgd,sgdw,adam,adamw].
    #[arg(long, value_enum, value_delimiter = ',', action = ArgAction::Set)]
    pub(crate) methods: Vec<Method>,
    /// SGD + L2 setting as LR,λ [default: the preset's good cell].
    #[arg(long, value_name = "LR,λ", value_parser = values::setting)]
    pub(crate) sgd: Option<(f64, f64)>,
    /// SGDW setting as LR,λ'.
    #[arg(long, value_name = "LR,λ'", value_parser = values::setting)]
    pub(crate) sgdw: Option<(f64, f64)>,
    /// Adam + L2 setting as LR,λ.
    #[arg(long, value_name = "LR,λ", value_parser = values::setting)]
    pub(crate) adam: Option<(f64, f64)>,
    /// AdamW setting as LR,λ'.
    #[arg(long, value_name = "LR,λ'", value_parser = values::setting)]
    pub(crate) adamw: Option<(f64, f64)>,
    /// Any method's setting as METHOD=LR,DECAY (repeatable; the last of a method counts), e.g.
    /// --setting adamw=1e-3,1e-4.
    #[arg(long = "setting", value_name = "METHOD=LR,DECAY", value_parser = values::method_setting)]
    pub(crate) settings: Vec<(Method, f64, f64)>,
    /// Seeds 0..N (the same initial weights and batch order for every method).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub(crate) seeds: usize,
    /// Output folder (results.csv, runs/, curves.svg, compare.md) [default:
    /// out/compare-<hash of the settings>].
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct SweepArgs {
    #[command(flatten)]
    pub(crate) study: StudyArgs,
    /// The study folder (results.csv, runs/, study.json); re-running resumes.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Methods to sweep [default: the preset's four].
    #[arg(long, value_enum, value_delimiter = ',', action = ArgAction::Set)]
    pub(crate) methods: Vec<Method>,
    /// Learning rates for every selected method (replaces the preset's).
    #[arg(
        long,
        value_delimiter = ',', action = ArgAction::Set,
        value_name = "LRS",
        allow_hyphen_values = true
    )]
    pub(crate) lrs: Option<Vec<f64>>,
    /// Decay coefficients for every selected method: λ for sgd/adam, λ' for sgdw/adamw.
    #[arg(
        long,
        value_delimiter = ',', action = ArgAction::Set,
        value_name = "DECAYS",
        allow_hyphen_values = true
    )]
    pub(crate) decays: Option<Vec<f64>>,
    /// One method's grid, METHOD:LRS:DECAYS, e.g. --grid adamw:1e-3,3e-3:0,1e-3. Repeatable:
    /// several for one method are merged (every α with every decay); without --methods only
    /// the methods given by --grid run. A value given twice (or as -0 and 0) is one cell.
    #[arg(long = "grid", value_name = "METHOD:LRS:DECAYS")]
    pub(crate) grids: Vec<MethodGrid>,
    /// Seeds 0..N for every cell [preset: 2].
    #[arg(long, value_name = "N")]
    pub(crate) seeds: Option<usize>,
    /// Run only the K-th of N deterministic slices of the grid (1 ≤ K ≤ N), into
    /// results.shard-K-of-N.csv; `wdlab report` merges the shards.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<Shard>,
    /// After the grid, add cells until every α's best decay is bracketed (the next doubling
    /// outward where the best sits at an end of the decay axis, √2 steps beside steep floors,
    /// the α between the chosen one and one that fails), round after round; resumable.
    #[arg(long, conflicts_with = "shard")]
    pub(crate) refine: bool,
    /// Runs --refine may add outside the grid [default: the preset's budget].
    #[arg(long, value_name = "RUNS", requires = "refine")]
    pub(crate) refine_budget: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Study folders (each written by `wdlab reproduce` or `wdlab sweep`), in table order.
    #[arg(required = true, value_name = "DIR")]
    pub(crate) dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The study folder written by `wdlab sweep` or `wdlab reproduce`.
    pub(crate) dir: PathBuf,
    /// Also run the equivalence check (trains four short runs from the folder's settings).
    #[arg(long)]
    pub(crate) equivalence: bool,
    /// Evaluate every N epochs in the equivalence runs.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) eval_every: usize,
    /// Analyse the rows of FILE (a results CSV, e.g. a replicate kept beside the study) with
    /// the folder's settings instead of the folder's own results, print the verdicts and write
    /// nothing.
    #[arg(long, value_name = "FILE", conflicts_with = "equivalence")]
    pub(crate) results: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) data_dir: DataDirArg,
    #[command(flatten)]
    pub(crate) device: DeviceArg,
    #[command(flatten)]
    pub(crate) quiet: QuietArg,
}

#[derive(Debug, Clone, Args)]
pub struct ReproduceArgs {
    #[command(flatten)]
    pub(crate) study: StudyArgs,
    /// The study folder; re-running resumes every stage.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Runs the refinement stage may add outside the preset's grid to bracket every α's best
    /// decay [default: the preset's budget; 0 skips the stage].
    #[arg(long, value_name = "RUNS")]
    pub(crate) refine_budget: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct MapArgs {
    /// The map: its base regime, axis and values (docs/reference.md, "Regime maps").
    #[arg(long, value_enum)]
    pub(crate) preset: MapPreset,
    /// The axis values instead of the preset's, e.g. --axis epochs=50,100,200,400,800 (the
    /// preset's axis only; points may be added to a map folder later).
    #[arg(long, value_name = "NAME=V1,V2,...")]
    pub(crate) axis: Option<AxisValues>,
    /// Methods [default: sgd,adam,adamw — SGDW's slope is SGD + L2's plus exactly 1].
    #[arg(long, value_enum, value_delimiter = ',', action = ArgAction::Set)]
    pub(crate) methods: Vec<Method>,
    /// The map folder: map.json, one study folder per point, map.md, map.svg; re-running
    /// resumes.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Runs refinement may add per point to bracket every α's best decay [default: 24].
    #[arg(long, value_name = "RUNS")]
    pub(crate) refine_budget: Option<usize>,
    /// Run only the K-th of N slices of every point's grid (no refinement); `wdlab map
    /// --report-only` merges the shards.
    #[arg(long, value_name = "K/N", conflicts_with = "report_only")]
    pub(crate) shard: Option<Shard>,
    /// Train nothing: read the points the folder holds and write map.md and map.svg.
    #[arg(long)]
    pub(crate) report_only: bool,
    /// Base regime: train on the first N training images [map preset: 5000] (not on the
    /// train-size map, whose axis it is).
    #[arg(long, value_name = "N")]
    pub(crate) train_size: Option<usize>,
    /// Base regime: hold out the last N training images for validation [map preset: 10000].
    #[arg(long, value_name = "N")]
    pub(crate) val_size: Option<usize>,
    /// Base regime: passes over the training images [map preset: 100] (not on the epochs map).
    #[arg(long)]
    pub(crate) epochs: Option<usize>,
    /// Base regime: width of the hidden layer [map preset: 256].
    #[arg(long, value_name = "WIDTH")]
    pub(crate) hidden: Option<usize>,
    #[command(flatten)]
    pub(crate) cells: CellsArgs,
}
