//! The training loop: get_batch → loss_and_grads → optimiser step, an evaluation per epoch,
//! and a divergence check. Data lives on the training device for the whole run.

use crate::config::RunConfig;
use crate::cpu_net::CpuNet;
use crate::data::{Mnist, Split, NUM_CLASSES};
use crate::error::Failure;
use crate::metrics::EpochRecord;
use crate::model::Mlp;
use crate::optim::{OptimConfig, WdOptimizer};
use candle_core::{DType, Device, Result, Tensor, D};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::io::IsTerminal;
use std::time::Instant;

/// Images (scaled to [0,1]) with labels and one-hot targets, on the training device.
pub struct EvalSet {
    pub x: Tensor,
    pub labels: Tensor,
    pub one_hot: Tensor,
}

impl EvalSet {
    pub fn new(split: &Split, pixels: usize, device: &Device) -> Result<Self> {
        let n = split.len();
        let x = Tensor::from_slice(&split.images, (n, pixels), device)?;
        let labels: Vec<u32> = split.labels.iter().map(|&l| l as u32).collect();
        let mut one_hot = vec![0f32; n * NUM_CLASSES];
        for (i, &l) in split.labels.iter().enumerate() {
            one_hot[i * NUM_CLASSES + l as usize] = 1.0;
        }
        Ok(EvalSet {
            x,
            labels: Tensor::from_vec(labels, n, device)?,
            one_hot: Tensor::from_vec(one_hot, (n, NUM_CLASSES), device)?,
        })
    }

    pub fn len(&self) -> usize {
        self.labels.dims1().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every split of a data set, uploaded once to the device.
pub struct DeviceData {
    pub train: EvalSet,
    pub val: Option<EvalSet>,
    pub test: EvalSet,
    pub pixels: usize,
    pub device: Device,
}

impl DeviceData {
    pub fn new(data: &Mnist, device: &Device) -> Result<Self> {
        let pixels = data.pixels();
        Ok(DeviceData {
            train: EvalSet::new(&data.train, pixels, device)?,
            val: data
                .val
                .as_ref()
                .map(|v| EvalSet::new(v, pixels, device))
                .transpose()?,
            test: EvalSet::new(&data.test, pixels, device)?,
            pixels,
            device: device.clone(),
        })
    }
}

/// The order in which epoch `epoch` visits the `n` training images: a Fisher–Yates shuffle
/// from ChaCha8 seeded with `seed` on stream `epoch + 1` (stream 0 draws the initial weights),
/// so the order depends only on (seed, epoch) and every method sees the same batches.
pub fn batch_order(seed: u64, epoch: usize, n: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(epoch as u64 + 1);
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(&mut rng);
    order
}

/// One batch: positions `start..start + len` of an epoch's order over the training set.
pub struct Batch<'a> {
    pub set: &'a EvalSet,
    /// The epoch's order on the host and on the set's device.
    pub order: &'a [u32],
    pub order_tensor: &'a Tensor,
    pub start: usize,
    pub len: usize,
}

impl Batch<'_> {
    /// Indices of the batch's images in the training set.
    pub fn indices(&self) -> &[u32] {
        &self.order[self.start..self.start + self.len]
    }

    /// Images and one-hot targets of the batch, gathered on the set's device.
    pub fn tensors(&self) -> Result<(Tensor, Tensor)> {
        let idx = self.order_tensor.narrow(0, self.start, self.len)?;
        Ok((
            self.set.x.index_select(&idx, 0)?,
            self.set.one_hot.index_select(&idx, 0)?,
        ))
    }
}

/// Rows per forward pass during evaluation: large enough to keep gemm busy, small enough to
/// keep activations (rows × 1024 floats) to a few tens of MB.
const EVAL_CHUNK: usize = 2500;

/// Mean cross-entropy and accuracy (a fraction) of the model on `set`.
pub fn evaluate(model: &Mlp, set: &EvalSet) -> Result<(f64, f64)> {
    let n = set.len();
    let mut loss = Tensor::zeros((), DType::F32, set.x.device())?;
    let mut correct = Tensor::zeros((), DType::F32, set.x.device())?;
    for start in (0..n).step_by(EVAL_CHUNK) {
        let len = EVAL_CHUNK.min(n - start);
        let logits = model.logits(&set.x.narrow(0, start, len)?)?;
        let log_p = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        loss = (loss - (log_p * set.one_hot.narrow(0, start, len)?)?.sum_all()?)?;
        let hits = logits
            .argmax(D::Minus1)?
            .eq(&set.labels.narrow(0, start, len)?)?;
        correct = (correct + hits.to_dtype(DType::F32)?.sum_all()?)?;
    }
    let loss = loss.to_scalar::<f32>()? as f64 / n as f64;
    let correct = correct.to_scalar::<f32>()? as f64;
    Ok((loss, correct / n as f64))
}

/// How a run shows its progress.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// No bars and no per-epoch lines.
    pub quiet: bool,
    /// Prefix of bars and lines (the method, or a sweep cell).
    pub label: String,
    /// Draw the epoch bar inside this group (a sweep draws its bar over cells above it).
    pub multi: Option<MultiProgress>,
}

impl Progress {
    /// No bars, no lines (benchmarks, tests, nested runs).
    pub fn silent() -> Self {
        Progress {
            quiet: true,
            ..Progress::default()
        }
    }

    fn epoch_bar(&self, epoch: usize, epochs: usize, steps: usize) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = match &self.multi {
            Some(m) => m.add(ProgressBar::new(steps as u64)),
            None => ProgressBar::new(steps as u64),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} epoch {msg} [{bar:30}] {pos}/{len} steps, {per_sec}, eta {eta}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(self.label.clone());
        bar.set_message(format!("{epoch}/{epochs}"));
        bar
    }
}

/// How often the loss is read back to the host to check for divergence: every step on the CPU
/// (reading is free there), every few steps on a GPU (each read waits for the device).
fn loss_check_interval(device: &Device) -> usize {
    if device.is_cpu() {
        1
    } else {
        16
    }
}

/// What the training loop trains: one network, or a population of networks (grid cells)
/// trained side by side on the same batches ([`crate::population`]).
pub trait Learner {
    /// How many networks (cells) are trained; 1 for a single run.
    fn cells(&self) -> usize;
    /// One optimiser step on a batch; returns each cell's loss before the step, shape [cells].
    fn step(&mut self, batch: &Batch) -> Result<Tensor>;
    /// (mean cross-entropy, accuracy) of each cell on `set`.
    fn evaluate(&mut self, set: &EvalSet) -> Result<Vec<(f64, f64)>>;
    /// ‖θ‖₂ of each cell.
    fn weight_norms(&self) -> Result<Vec<f64>>;
}

/// One network and its optimiser.
struct SingleLearner {
    model: Mlp,
    opt: WdOptimizer,
}

impl Learner for SingleLearner {
    fn cells(&self) -> usize {
        1
    }

    fn step(&mut self, batch: &Batch) -> Result<Tensor> {
        let (x, y) = batch.tensors()?;
        let out = self.model.loss_and_grads(&x, &y)?;
        self.opt.step_with(&out.grads)?;
        out.loss.reshape(1)
    }

    fn evaluate(&mut self, set: &EvalSet) -> Result<Vec<(f64, f64)>> {
        Ok(vec![evaluate(&self.model, set)?])
    }

    fn weight_norms(&self) -> Result<Vec<f64>> {
        Ok(vec![self.model.weight_norm()?])
    }
}

/// What the loop measured: each cell's records, and the divergence that stopped a cell.
pub struct LoopOutcome {
    pub records: Vec<Vec<EpochRecord>>,
    pub diverged: Vec<Option<Failure>>,
    /// Seconds spent in the training steps of each epoch (no evaluation), for benchmarks.
    pub train_seconds: Vec<f64>,
}

/// The training loop shared by single runs and populations: shuffled batches, a step of every
/// cell, losses checked for NaN/inf (a diverged cell is recorded and left out from then on),
/// and an evaluation of every cell on the evaluated epochs, reported through
/// `on_epoch(cell, record)` as soon as it exists.
pub fn run_loop<L: Learner>(
    learner: &mut L,
    run: &RunConfig,
    data: &DeviceData,
    progress: &Progress,
    on_epoch: &mut dyn FnMut(usize, &EpochRecord) -> anyhow::Result<()>,
) -> anyhow::Result<LoopOutcome> {
    let device = &data.device;
    if device.is_cpu() {
        crate::device::flush_subnormals_on_all_threads();
    }
    let cells = learner.cells();
    let n = data.train.len();
    let steps_per_epoch = n.div_ceil(run.batch_size);
    let check_every = loss_check_interval(device);
    let mut out = LoopOutcome {
        records: vec![Vec::with_capacity(run.epochs); cells],
        diverged: (0..cells).map(|_| None).collect(),
        train_seconds: Vec::with_capacity(run.epochs),
    };
    let mut since_record = Instant::now();
    for epoch in 1..=run.epochs {
        let steps_started = Instant::now();
        let order = batch_order(run.seed, epoch, n);
        let order_tensor = Tensor::from_slice(&order, n, device)?;
        let bar = progress.epoch_bar(epoch, run.epochs, steps_per_epoch);
        // Losses are summed on the device and read back every `check_every` steps.
        let mut pending = Tensor::zeros(cells, DType::F32, device)?;
        let mut loss_sums = vec![0f64; cells];
        for step in 0..steps_per_epoch {
            let start = step * run.batch_size;
            let batch = Batch {
                set: &data.train,
                order: &order,
                order_tensor: &order_tensor,
                start,
                len: run.batch_size.min(n - start),
            };
            pending = (pending + learner.step(&batch)?)?;
            if (step + 1) % check_every == 0 || step + 1 == steps_per_epoch {
                for (cell, loss) in pending.to_vec1::<f32>()?.into_iter().enumerate() {
                    if out.diverged[cell].is_some() {
                        continue;
                    }
                    if !loss.is_finite() {
                        out.diverged[cell] = Some(Failure::Diverged {
                            epoch,
                            step: step + 1,
                            loss,
                        });
                    }
                    loss_sums[cell] += loss as f64;
                }
                if out.diverged.iter().all(Option::is_some) {
                    bar.abandon();
                    return Ok(out);
                }
                pending = pending.zeros_like()?;
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        out.train_seconds
            .push(steps_started.elapsed().as_secs_f64());
        if !run.evaluates(epoch) {
            continue;
        }
        let test = learner.evaluate(&data.test)?;
        let val = match &data.val {
            Some(v) => Some(learner.evaluate(v)?),
            None => None,
        };
        let norms = learner.weight_norms()?;
        let seconds = since_record.elapsed().as_secs_f64();
        for cell in (0..cells).filter(|&c| out.diverged[c].is_none()) {
            let record = EpochRecord {
                epoch,
                train_loss: loss_sums[cell] / steps_per_epoch as f64,
                val_accuracy: val.as_ref().map(|v| v[cell].1),
                test_loss: test[cell].0,
                test_accuracy: test[cell].1,
                weight_norm: norms[cell],
                seconds,
            };
            on_epoch(cell, &record)?;
            out.records[cell].push(record);
        }
        since_record = Instant::now();
    }
    Ok(out)
}

/// A finished run: the model and every evaluated epoch's record.
pub struct Trained {
    pub model: Mlp,
    pub records: Vec<EpochRecord>,
    /// Seconds spent in the training steps of each epoch (no evaluation), for benchmarks.
    pub train_seconds: Vec<f64>,
}

/// The layer sizes of the MLP for `data`: pixels, the hidden widths, the classes.
pub fn layer_sizes(data: &DeviceData, hidden: &[usize]) -> Vec<usize> {
    let mut sizes = vec![data.pixels];
    sizes.extend(hidden);
    sizes.push(NUM_CLASSES);
    sizes
}

/// Trains a fresh MLP from `run.seed` with the optimiser `optim`, calling `on_epoch` with each
/// evaluated epoch's record (see [`RunConfig::evaluates`]) as soon as it exists. A NaN or
/// infinite loss stops the run with [`Failure::Diverged`] after the finished epochs have been
/// reported. On the CPU the steps run on host buffers ([`CpuNet`]); elsewhere as candle ops
/// ([`Mlp::loss_and_grads`] and [`WdOptimizer`]).
pub fn train(
    optim: &OptimConfig,
    run: &RunConfig,
    data: &DeviceData,
    progress: &Progress,
    on_epoch: &mut dyn FnMut(&EpochRecord) -> anyhow::Result<()>,
) -> anyhow::Result<Trained> {
    let model = Mlp::new(&layer_sizes(data, &run.hidden), run.seed, &data.device)?;
    let total_steps = (data.train.len().div_ceil(run.batch_size) * run.epochs) as u64;
    let on_epoch = &mut |_, r: &EpochRecord| on_epoch(r);
    let (model, mut out) = if data.device.is_cpu() {
        let optims = std::slice::from_ref(optim);
        let mut learner = CpuNet::new(&model, optims, total_steps, run.batch_size)?;
        let out = run_loop(&mut learner, run, data, progress, on_epoch)?;
        learner.write_into(&model)?;
        (model, out)
    } else {
        let opt = WdOptimizer::new(model.vars(), optim.clone(), total_steps)?;
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

/// One human-readable line per epoch.
pub fn epoch_line(label: &str, epochs: usize, r: &EpochRecord) -> String {
    let val = r
        .val_accuracy
        .map(|v| format!("  val acc {:6.2}%", 100.0 * v))
        .unwrap_or_default();
    format!(
        "{label}epoch {:>3}/{epochs}  train loss {:.4}  test loss {:.4}  test acc {:6.2}%{val}  ‖θ‖ {:.2}  {:.1}s",
        r.epoch,
        r.train_loss,
        r.test_loss,
        100.0 * r.test_accuracy,
        r.weight_norm,
        r.seconds
    )
}
