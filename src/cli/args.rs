//! The flags of every subcommand. Flags that several commands share are defined once, as a
//! group flattened where it is used (`--device`, `--data-dir`, `--hidden`, `--train-size`,
//! `--quiet`, and the training rule: `--schedule`, `--momentum`, `--wd-scaling`,
//! `--no-decay-biases`). Values are parsed here; [`super::resolve`] turns them into validated
//! domain values.

use super::values;
use crate::data::{DATA_DIR_ENV, DEFAULT_DATA_DIR};
use crate::device::DeviceSpec;
use crate::nn::Norm;
use crate::optim::{Hyper, Method, Schedule, WdScaling};
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

impl OptimArgs {
    /// Each hyper-parameter's flag with its value, if given.
    pub(crate) fn hypers(&self) -> [(Hyper, Option<f64>); Hyper::ALL.len()] {
        Hyper::ALL.map(|h| {
            let v = match h {
                Hyper::Momentum => self.rule.momentum,
                Hyper::Beta1 => self.beta1,
                Hyper::Beta2 => self.beta2,
                Hyper::Eps => self.eps,
            };
            (h, v)
        })
    }
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

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}
