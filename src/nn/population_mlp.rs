//! Population training: the G cells of a learning-rate × decay grid of one method trained
//! together as one batched model on the same batches, so a whole heat map costs one loop.
//!
//! Layout. The first layer of all cells is one (in, G·h₁) matrix, so its forward product and
//! weight gradient are single wide gemms (x·W₁ and xᵀ·dz₁) instead of G narrow ones; the
//! later layers are (G, in, out) tensors multiplied batch-wise. Cell g owns columns
//! g·h₁..(g+1)·h₁ of the first layer and index g of the others. Every cell starts from the
//! weights a single run with the same seed starts from, sees the same batches, and is updated
//! with its own α and λ by one fused pass ([`PopulationOptimizer`]); a test checks the result
//! against single runs of the same cells.

use crate::config::RunConfig;
use crate::cpu_net::{eval_chunk, CpuNet};
use crate::error::Failure;
use crate::metrics::EpochRecord;
use crate::model::{relu_backward, Mlp};
use crate::optim::{OptimConfig, PopulationOptimizer, PopulationParam};
use crate::train::{
    layer_sizes, run_loop, Batch, DeviceData, EvalSet, Learner, LoopOutcome, Progress,
};
use candle_core::{DType, Result, Tensor, Var, D};

/// G copies of the MLP, stored side by side.
pub struct PopulationMlp {
    sizes: Vec<usize>,
    cells: usize,
    /// Weight and bias of each layer: (in, G·out) and (G·out) for the first layer,
    /// (G, in, out) and (G, out) for the others.
    params: Vec<Var>,
}

impl PopulationMlp {
    /// `cells` copies of `Mlp::new(sizes, seed)`.
    pub fn new(
        sizes: &[usize],
        cells: usize,
        seed: u64,
        device: &candle_core::Device,
    ) -> Result<Self> {
        let base = Mlp::new(sizes, seed, device)?;
        let mut params = Vec::with_capacity(2 * base.layers.len());
        for (i, layer) in base.layers.iter().enumerate() {
            let (w, b) = (layer.weight.as_tensor(), layer.bias.as_tensor());
            let (fan_in, fan_out) = w.dims2()?;
            let (w, b) = if i == 0 {
                (
                    w.unsqueeze(1)?
                        .broadcast_as((fan_in, cells, fan_out))?
                        .reshape((fan_in, cells * fan_out))?,
                    b.unsqueeze(0)?
                        .broadcast_as((cells, fan_out))?
                        .reshape(cells * fan_out)?,
                )
            } else {
                (
                    w.unsqueeze(0)?
                        .broadcast_as((cells, fan_in, fan_out))?
                        .contiguous()?,
                    b.unsqueeze(0)?
                        .broadcast_as((cells, fan_out))?
                        .contiguous()?,
                )
            };
            params.push(Var::from_tensor(&w)?);
            params.push(Var::from_tensor(&b)?);
        }
        Ok(PopulationMlp {
            sizes: sizes.to_vec(),
            cells,
            params,
        })
    }

    /// The parameters with their per-cell block lengths, for the optimiser.
    pub fn optimizer_params(&self) -> Vec<PopulationParam> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, var)| {
                let layer = i / 2;
                let (fan_in, fan_out) = (self.sizes[layer], self.sizes[layer + 1]);
                let is_bias = i % 2 == 1;
                // First layer: each row holds one block of out values per cell; later layers:
                // each cell's whole (in, out) matrix is one block.
                let block_len = if is_bias || layer == 0 {
                    fan_out
                } else {
                    fan_in * fan_out
                };
                PopulationParam {
                    var: var.clone(),
                    block_len,
                    is_bias,
                }
            })
            .collect()
    }

    /// The parameters of cell `g`, shaped like [`Mlp::vars`].
    pub fn cell_params(&self, g: usize) -> Result<Vec<Tensor>> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, var)| {
                let t = var.as_detached_tensor();
                match (i / 2, i % 2) {
                    (0, 0) => t
                        .reshape((self.sizes[0], self.cells, self.sizes[1]))?
                        .narrow(1, g, 1)?
                        .squeeze(1)?
                        .contiguous(),
                    (0, _) => t.reshape((self.cells, self.sizes[1]))?.get(g),
                    _ => t.get(g),
                }
            })
            .collect()
    }

    fn detached(&self) -> Vec<Tensor> {
        self.params.iter().map(|v| v.as_detached_tensor()).collect()
    }

    /// Logits of every cell, shape (G, n, classes), and each layer's input for the backward
    /// pass (x for the first layer, (G, n, in) activations for the others).
    fn forward(&self, x: &Tensor) -> Result<(Tensor, Vec<Tensor>)> {
        let p = self.detached();
        let n = x.dim(0)?;
        let layers = self.sizes.len() - 1;
        let (g, h1) = (self.cells, self.sizes[1]);
        let mut inputs = vec![x.clone()];
        let z1 = x.matmul(&p[0])?.broadcast_add(&p[1])?;
        let mut h = z1.reshape((n, g, h1))?.transpose(0, 1)?.contiguous()?;
        for layer in 1..layers {
            h = h.relu()?;
            inputs.push(h.clone());
            h = h
                .matmul(&p[2 * layer])?
                .broadcast_add(&p[2 * layer + 1].unsqueeze(1)?)?;
        }
        Ok((h, inputs))
    }

    /// Each cell's mean cross-entropy on the batch (shape [G]) and the gradients.
    fn loss_and_grads(&self, x: &Tensor, y: &Tensor) -> Result<(Tensor, Vec<Tensor>)> {
        let p = self.detached();
        let n = x.dim(0)?;
        let (g, h1) = (self.cells, self.sizes[1]);
        let (logits, inputs) = self.forward(x)?;
        let log_p = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        let y = y.unsqueeze(0)?.broadcast_as(log_p.shape())?;
        let losses = (&log_p * &y)?.sum((1, 2))?.affine(-1.0 / n as f64, 0.0)?;
        let mut dz = (log_p.exp()? - &y)?.affine(1.0 / n as f64, 0.0)?;
        let mut grads = vec![None; p.len()];
        for layer in (1..self.sizes.len() - 1).rev() {
            let a = &inputs[layer];
            grads[2 * layer] = Some(a.transpose(1, 2)?.matmul(&dz)?);
            grads[2 * layer + 1] = Some(dz.sum(1)?);
            dz = relu_backward(&dz.matmul(&p[2 * layer].transpose(1, 2)?)?, a)?;
        }
        // Back to the first layer's (n, G·h₁) layout: one wide gemm for all cells.
        let dz1 = dz.transpose(0, 1)?.contiguous()?.reshape((n, g * h1))?;
        grads[0] = Some(x.t()?.matmul(&dz1)?);
        grads[1] = Some(dz1.sum(0)?);
        let grads = grads
            .into_iter()
            .map(|g| g.expect("every layer visited"))
            .collect();
        Ok((losses, grads))
    }
}

/// A population and its optimiser, for the shared training loop.
struct PopulationLearner {
    model: PopulationMlp,
    opt: PopulationOptimizer,
}

impl Learner for PopulationLearner {
    fn cells(&self) -> usize {
        self.model.cells
    }

    fn step(&mut self, batch: &Batch) -> Result<Tensor> {
        let (x, y) = batch.tensors()?;
        let (losses, grads) = self.model.loss_and_grads(&x, &y)?;
        self.opt.step_with(&grads)?;
        Ok(losses)
    }

    fn evaluate(&mut self, set: &EvalSet) -> Result<Vec<(f64, f64)>> {
        let g = self.model.cells;
        let n = set.len();
        let chunk = eval_chunk(g, self.model.sizes[1]);
        let device = set.x.device();
        let mut loss = Tensor::zeros(g, DType::F32, device)?;
        let mut correct = Tensor::zeros(g, DType::F32, device)?;
        for start in (0..n).step_by(chunk) {
            let len = chunk.min(n - start);
            let (logits, _) = self.model.forward(&set.x.narrow(0, start, len)?)?;
            let log_p = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
            let y = set.one_hot.narrow(0, start, len)?.unsqueeze(0)?;
            loss = (loss - log_p.broadcast_mul(&y)?.sum((1, 2))?)?;
            let labels = set.labels.narrow(0, start, len)?.unsqueeze(0)?;
            let hits = logits.argmax(D::Minus1)?.broadcast_eq(&labels)?;
            correct = (correct + hits.to_dtype(DType::F32)?.sum(1)?)?;
        }
        let loss = loss.to_vec1::<f32>()?;
        let correct = correct.to_vec1::<f32>()?;
        Ok(loss
            .iter()
            .zip(&correct)
            .map(|(&l, &c)| (l as f64 / n as f64, c as f64 / n as f64))
            .collect())
    }

    fn weight_norms(&self) -> Result<Vec<f64>> {
        let g = self.model.cells;
        let mut sums = Tensor::zeros(g, DType::F32, self.model.params[0].device())?;
        for (i, var) in self.model.params.iter().enumerate() {
            let sq = var.as_detached_tensor().sqr()?;
            let per_cell = if i == 0 {
                sq.reshape((self.model.sizes[0], g, self.model.sizes[1]))?
                    .sum((0, 2))?
            } else {
                sq.reshape((g, ()))?.sum(1)?
            };
            sums = (sums + per_cell)?;
        }
        Ok(sums
            .to_vec1::<f32>()?
            .into_iter()
            .map(|s| (s as f64).sqrt())
            .collect())
    }
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
    let sizes = layer_sizes(data, &run.hidden);
    let total_steps = (data.train.len().div_ceil(run.batch_size) * run.epochs) as u64;
    if data.device.is_cpu() {
        let base = Mlp::new(&sizes, run.seed, &data.device)?;
        let mut learner = CpuNet::new(&base, cells, total_steps, run.batch_size)?;
        let out = run_loop(&mut learner, run, data, progress, on_epoch)?;
        return outcomes(out, |g| learner.cell_params(g));
    }
    let model = PopulationMlp::new(&sizes, cells.len(), run.seed, &data.device)?;
    let opt = PopulationOptimizer::new(model.optimizer_params(), cells.to_vec(), total_steps)?;
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
