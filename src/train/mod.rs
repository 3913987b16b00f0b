//! Training: a run's configuration ([`config`]), its data on the device ([`data`]), what is
//! stepped ([`learner`]), the loop ([`run_loop`]) and the per-epoch records and files
//! ([`metrics`]). [`train`] trains one network, [`train_population`] the cells of a grid of
//! one method together; both take the CPU network on the CPU and candle ops elsewhere (or
//! wherever [`Engine::Candle`] asks for them).

pub(crate) mod config;
pub(crate) mod data;
mod learner;
mod memory;
pub(crate) mod metrics;
mod run_loop;
pub(crate) use run_loop::EXPLODED_LOSS;

pub(crate) use config::{DataConfig, TrainConfig};
pub use config::{Engine, RunBuilder, RunConfig};
pub use data::DeviceData;
pub(crate) use memory::check as check_memory;
pub use metrics::EpochRecord;
pub(crate) use metrics::MetricsFile;
use run_loop::{run_loop, LoopOutcome};

use crate::error::Failure;
use crate::nn::{layer_sizes, CpuNet, Mlp, PopulationMlp};
use crate::optim::{OptimConfig, PopulationOptimizer, UpdateKernel, WdOptimizer};
use crate::progress::Progress;
use candle_core::{Result, Tensor};
use learner::{PopulationLearner, SingleLearner};

/// A finished run: the model and every evaluated epoch's record.
pub struct Trained {
    pub model: Mlp,
    pub records: Vec<EpochRecord>,
    /// Seconds spent in the training steps of each epoch (no evaluation), for benchmarks.
    pub train_seconds: Vec<f64>,
}

/// What one cell of a population run measured.
pub struct CellOutcome {
    pub records: Vec<EpochRecord>,
    /// Set when the cell's loss became NaN or infinite; its records stop there.
    pub diverged: Option<Failure>,
    /// The cell's final parameters, shaped like [`Mlp::vars`].
    pub params: Vec<Tensor>,
    /// Seconds the whole population spent in training steps in each epoch (no evaluation);
    /// the same for every cell.
    pub train_seconds: Vec<f64>,
}

/// Steps in the whole run (the schedule spans them), refused when the count overflows.
fn total_steps(run: &RunConfig, data: &DeviceData) -> anyhow::Result<u64> {
    (data.train.len().div_ceil(run.batch_size()) as u64)
        .checked_mul(run.epochs() as u64)
        .ok_or_else(|| {
            crate::error::usage(format!(
                "--epochs {} makes more steps than can be counted; train fewer epochs",
                run.epochs()
            ))
        })
}

/// The largest batch a run's buffers need: `--batch-size`, or the whole training split when
/// it holds fewer images.
fn batch_rows(run: &RunConfig, data: &DeviceData) -> usize {
    run.batch_size().min(data.train.len())
}

/// Trains a fresh MLP from `run.seed` with the optimiser `optim`, calling `on_epoch` with each
/// evaluated epoch's record (see [`RunConfig::evaluates`]) as soon as it exists. A NaN or
/// infinite loss stops the run with [`Failure::Diverged`] after the finished epochs have been
/// reported. Sizes are checked against the machine's memory before anything is allocated.
pub fn train(
    optim: &OptimConfig,
    run: &RunConfig,
    data: &DeviceData,
    progress: &Progress,
    on_epoch: &mut dyn FnMut(&EpochRecord) -> anyhow::Result<()>,
) -> anyhow::Result<Trained> {
    let sizes = layer_sizes(data.pixels, run.hidden());
    memory::check(&sizes, 1, batch_rows(run, data), optim.state_buffers())?;
    let total_steps = total_steps(run, data)?;
    let model = Mlp::with_norm(&sizes, run.norm(), run.seed(), &data.device)?;
    let on_epoch = &mut |_, r: &EpochRecord| on_epoch(r);
    let (model, mut out) = if run.trains_on_host(&data.device) {
        let optims = std::slice::from_ref(optim);
        let mut learner = CpuNet::new(&model, optims, total_steps, batch_rows(run, data))?;
        let out = run_loop(&mut learner, run, data, progress, on_epoch)?;
        learner.write_into(&model)?;
        (model, out)
    } else {
        let kernel = UpdateKernel::TensorOps;
        let opt = WdOptimizer::with_kernel(model.params(), optim.clone(), total_steps, kernel)?;
        let mut learner = SingleLearner { model, opt };
        let out = run_loop(&mut learner, run, data, progress, on_epoch)?;
        (learner.model, out)
    };
    if let Some(failure) = out.diverged.pop().flatten() {
        return Err(failure.into());
    }
    Ok(Trained {
        model,
        records: out.records.pop().unwrap_or_default(),
        train_seconds: out.train_seconds,
    })
}

/// Trains the `cells` (one method, any learning rates and decays) together from `run.seed`
/// on the same batches; `on_epoch(cell, record)` receives each cell's records as they come.
/// A cell that diverges is recorded as such; the others go on.
pub fn train_population(
    cells: &[OptimConfig],
    run: &RunConfig,
    data: &DeviceData,
    progress: &Progress,
    on_epoch: &mut dyn FnMut(usize, &EpochRecord) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<CellOutcome>> {
    let sizes = layer_sizes(data.pixels, run.hidden());
    let state = cells.first().map_or(0, OptimConfig::state_buffers);
    memory::check(&sizes, cells.len(), batch_rows(run, data), state)?;
    let total_steps = total_steps(run, data)?;
    if run.trains_on_host(&data.device) {
        let base = Mlp::with_norm(&sizes, run.norm(), run.seed(), &data.device)?;
        let mut learner = CpuNet::new(&base, cells, total_steps, batch_rows(run, data))?;
        let out = run_loop(&mut learner, run, data, progress, on_epoch)?;
        return outcomes(out, |g| learner.cell_params(g));
    }
    let model = PopulationMlp::new(&sizes, run.norm(), cells.len(), run.seed(), &data.device)?;
    let params = model.optimizer_params();
    let kernel = UpdateKernel::TensorOps;
    let opt = PopulationOptimizer::with_kernel(params, cells.to_vec(), total_steps, kernel)?;
    let mut learner = PopulationLearner { model, opt };
    let out = run_loop(&mut learner, run, data, progress, on_epoch)?;
    outcomes(out, |g| learner.model.cell_params(g))
}

/// Each cell's records, divergence and final parameters.
fn outcomes(
    out: LoopOutcome,
    params: impl Fn(usize) -> Result<Vec<Tensor>>,
) -> anyhow::Result<Vec<CellOutcome>> {
    let train_seconds = out.train_seconds;
    out.records
        .into_iter()
        .zip(out.diverged)
        .enumerate()
        .map(|(g, (records, diverged))| {
            Ok(CellOutcome {
                records,
                diverged,
                params: params(g)?,
                train_seconds: train_seconds.clone(),
            })
        })
        .collect()
}
