//! The flags of the study commands: `sweep`, `reproduce`, `report`, `summary`, `compare` and
//! `map`, with the groups they share (the regime of [`StudyArgs`], how cells run in
//! [`CellsArgs`]). The groups every command shares are in [`super::args`].

use super::args::*;
use super::values;
use crate::map::{AxisValues, MapPreset};
use crate::optim::Method;
use crate::study::{CellBackend, MethodGrid, Preset, Shard};
use clap::{ArgAction, Args};
use std::path::PathBuf;

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
    /// outward where the best sits at an end of the decay axis or the axis is flat, √2 steps
    /// beside steep floors, the α between the chosen one and one that fails, the next α
    /// beyond a chosen α at an end), round after round; resumable.
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
    /// Runs refinement may add per point to bracket every α's best decay [default: 128].
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
