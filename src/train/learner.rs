//! What the training loop steps: one network or a population of them, on the candle path or
//! on the CPU network, behind one [`Learner`] trait.

use super::data::{Batch, TensorSplit};
use crate::nn::host_ops::{eval_chunk, with_host};
use crate::nn::{CpuNet, Mlp, PopulationMlp};
use crate::optim::{PopulationOptimizer, WdOptimizer};
use candle_core::{DType, Device, Result, Tensor, D};

/// One cell's scores on an evaluated split.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Evaluation {
    /// Mean cross-entropy.
    pub(crate) loss: f64,
    /// Accuracy, a fraction.
    pub(crate) accuracy: f64,
    /// The predicted class of each image, in the split's order (one byte each: the paired
    /// test of two runs compares them image by image).
    pub(crate) predicted: Vec<u8>,
}

/// What the training loop trains: one network, or a population of networks (grid cells)
/// trained side by side on the same batches ([`crate::nn::PopulationMlp`], [`crate::nn::CpuNet`]).
pub(crate) trait Learner {
    /// How many networks (cells) are trained; 1 for a single run.
    fn cells(&self) -> usize;
    /// One optimiser step on a batch; returns each cell's loss before the step, shape [cells].
    fn step(&mut self, batch: &Batch) -> Result<Tensor>;
    /// Each cell's mean cross-entropy, accuracy and predicted class of every image on `set`.
    fn evaluate(&mut self, set: &TensorSplit) -> Result<Vec<Evaluation>>;
    /// ‖θ‖₂ of each cell.
    fn weight_norms(&self) -> Result<Vec<f64>>;
}

/// One network and its optimiser.
pub(super) struct SingleLearner {
    pub(super) model: Mlp,
    pub(super) opt: WdOptimizer,
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

    fn evaluate(&mut self, set: &TensorSplit) -> Result<Vec<Evaluation>> {
        Ok(vec![evaluate(&self.model, set)?])
    }

    fn weight_norms(&self) -> Result<Vec<f64>> {
        Ok(vec![self.model.weight_norm()?])
    }
}

/// A population and its optimiser, for the shared training loop.
pub(super) struct PopulationLearner {
    pub(super) model: PopulationMlp,
    pub(super) opt: PopulationOptimizer,
}

impl Learner for PopulationLearner {
    fn cells(&self) -> usize {
        self.model.cells()
    }

    fn step(&mut self, batch: &Batch) -> Result<Tensor> {
        let (x, y) = batch.tensors()?;
        let (losses, grads) = self.model.loss_and_grads(&x, &y)?;
        self.opt.step_with(&grads)?;
        Ok(losses)
    }

    fn evaluate(&mut self, set: &TensorSplit) -> Result<Vec<Evaluation>> {
        let g = self.model.cells();
        let n = set.len();
        let chunk = eval_chunk(g, self.model.sizes()[1]);
        let device = set.x.device();
        let mut loss = Tensor::zeros(g, DType::F32, device)?;
        let mut predicted = vec![Vec::with_capacity(n); g];
        for start in (0..n).step_by(chunk) {
            let len = chunk.min(n - start);
            let logits = self.model.logits(&set.x.narrow(0, start, len)?)?;
            let log_p = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
            let y = set.one_hot.narrow(0, start, len)?.unsqueeze(0)?;
            loss = (loss - log_p.broadcast_mul(&y)?.sum((1, 2))?)?;
            for (cell, classes) in logits
                .argmax(D::Minus1)?
                .to_vec2::<u32>()?
                .into_iter()
                .enumerate()
            {
                predicted[cell].extend(classes.into_iter().map(class_byte));
            }
        }
        let labels = set.labels.to_vec1::<u32>()?;
        let loss = loss.to_vec1::<f32>()?;
        Ok(loss
            .iter()
            .zip(predicted)
            .map(|(&l, predicted)| Evaluation {
                loss: l as f64 / n as f64,
                accuracy: accuracy(&predicted, &labels),
                predicted,
            })
            .collect())
    }

    fn weight_norms(&self) -> Result<Vec<f64>> {
        self.model.weight_norms()
    }
}

/// The CPU network reads the training set's and each evaluated split's host buffers directly.
impl Learner for CpuNet {
    fn cells(&self) -> usize {
        CpuNet::cells(self)
    }

    fn step(&mut self, batch: &Batch) -> Result<Tensor> {
        let losses = with_host(&batch.set.x, |images: &[f32]| {
            with_host(&batch.set.labels, |labels: &[u32]| {
                self.step_indices(images, labels, batch.indices())
            })
        })???;
        Tensor::new(losses, &Device::Cpu)
    }

    fn evaluate(&mut self, set: &TensorSplit) -> Result<Vec<Evaluation>> {
        with_host(&set.x, |images: &[f32]| {
            with_host(&set.labels, |labels: &[u32]| {
                self.evaluate_host(images, labels)
                    .into_iter()
                    .map(|(loss, predicted)| Evaluation {
                        loss,
                        accuracy: accuracy(&predicted, labels),
                        predicted,
                    })
                    .collect()
            })
        })?
    }

    fn weight_norms(&self) -> Result<Vec<f64>> {
        Ok(CpuNet::weight_norms(self))
    }
}

/// Rows per forward pass during evaluation: large enough to keep gemm busy, small enough to
/// keep activations (rows × 1024 floats) to a few tens of MB.
const EVAL_CHUNK: usize = 2500;

/// Mean cross-entropy, accuracy and predictions of the model on `set`.
pub(crate) fn evaluate(model: &Mlp, set: &TensorSplit) -> Result<Evaluation> {
    let n = set.len();
    let mut loss = Tensor::zeros((), DType::F32, set.x.device())?;
    let mut predicted = Vec::with_capacity(n);
    for start in (0..n).step_by(EVAL_CHUNK) {
        let len = EVAL_CHUNK.min(n - start);
        let logits = model.logits(&set.x.narrow(0, start, len)?)?;
        let log_p = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        loss = (loss - (log_p * set.one_hot.narrow(0, start, len)?)?.sum_all()?)?;
        predicted.extend(
            logits
                .argmax(D::Minus1)?
                .to_vec1::<u32>()?
                .into_iter()
                .map(class_byte),
        );
    }
    let loss = loss.to_scalar::<f32>()? as f64 / n as f64;
    let labels = set.labels.to_vec1::<u32>()?;
    Ok(Evaluation {
        loss,
        accuracy: accuracy(&predicted, &labels),
        predicted,
    })
}

/// A class index as the byte [`Evaluation::predicted`] holds (MNIST has ten classes; a
/// network with more outputs than 255 cannot be built by this tool).
pub(crate) fn class_byte(class: u32) -> u8 {
    u8::try_from(class).unwrap_or(u8::MAX)
}

/// The fraction of `predicted` equal to `labels`.
pub(crate) fn accuracy(predicted: &[u8], labels: &[u32]) -> f64 {
    let hits = predicted
        .iter()
        .zip(labels)
        .filter(|(&p, &l)| u32::from(p) == l)
        .count();
    hits as f64 / labels.len().max(1) as f64
}
