//! A population as candle tensors: the G cells of a learning-rate × decay grid of one method
//! as one batched model, so a whole heat map trains in one loop on a GPU.
//!
//! Layout ([`super::cells`]): the first layer of all cells is one (in, G·h₁) matrix, so its
//! forward product and weight gradient are single wide gemms (x·W₁ and xᵀ·dz₁) instead of G
//! narrow ones; the later layers are (G, in, out) tensors multiplied batch-wise. Every cell
//! starts from the weights a single run with the same seed starts from and is updated with its
//! own α and λ by [`crate::optim::PopulationOptimizer`]; tests check it against single runs
//! and against the CPU network.

use super::cells::{block_len, param_kind, slot, Slot};
use super::layer_norm::{self, Norm};
use super::mlp::{relu_backward, Mlp};
use crate::optim::PopulationParam;
use candle_core::{DType, Result, Tensor, Var, D};

/// G copies of the MLP, stored side by side.
pub(crate) struct PopulationMlp {
    sizes: Vec<usize>,
    cells: usize,
    /// Weight and bias of each layer: (in, G·out) and (G·out) for the first layer,
    /// (G, in, out) and (G, out) for the others; then gain and shift (G, h) of each
    /// LayerNorm.
    params: Vec<Var>,
    norm: Norm,
}

/// What [`PopulationMlp::forward`] keeps for the backward pass.
struct Forward {
    logits: Tensor,
    /// Each layer's input: x for the first layer, (G, n, in) activations for the others.
    inputs: Vec<Tensor>,
    /// x̂ and 1/σ of each normalised hidden layer, (G, n, h) and (G, n, 1).
    normalised: Vec<(Tensor, Tensor)>,
}

impl PopulationMlp {
    /// `cells` copies of `Mlp::with_norm(sizes, norm, seed)`.
    pub(crate) fn new(
        sizes: &[usize],
        norm: Norm,
        cells: usize,
        seed: u64,
        device: &candle_core::Device,
    ) -> Result<Self> {
        let base = Mlp::with_norm(sizes, norm, seed, device)?;
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
        for n in &base.norms {
            for v in [&n.gain, &n.shift] {
                let t = v.as_tensor();
                let h = t.dim(0)?;
                params.push(Var::from_tensor(
                    &t.unsqueeze(0)?.broadcast_as((cells, h))?.contiguous()?,
                )?);
            }
        }
        Ok(PopulationMlp {
            sizes: sizes.to_vec(),
            cells,
            params,
            norm,
        })
    }

    /// How many networks (cells) this holds.
    pub(crate) fn cells(&self) -> usize {
        self.cells
    }

    /// The layer sizes of every cell: inputs, hidden widths, classes.
    pub(crate) fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The parameters with their per-cell block lengths, for the optimiser.
    pub(crate) fn optimizer_params(&self) -> Vec<PopulationParam> {
        self.params
            .iter()
            .enumerate()
            .map(|(p, var)| PopulationParam {
                var: var.clone(),
                block_len: block_len(&self.sizes, p),
                kind: param_kind(&self.sizes, p),
            })
            .collect()
    }

    /// The parameters of cell `g`, shaped like [`Mlp::vars`].
    pub(crate) fn cell_params(&self, g: usize) -> Result<Vec<Tensor>> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, var)| {
                let t = var.as_detached_tensor();
                match slot(&self.sizes, i) {
                    Slot::Weight(0) => t
                        .reshape((self.sizes[0], self.cells, self.sizes[1]))?
                        .narrow(1, g, 1)?
                        .squeeze(1)?
                        .contiguous(),
                    Slot::Bias(0) => t.reshape((self.cells, self.sizes[1]))?.get(g),
                    _ => t.get(g),
                }
            })
            .collect()
    }

    fn detached(&self) -> Vec<Tensor> {
        self.params.iter().map(|v| v.as_detached_tensor()).collect()
    }

    /// Logits of every cell on the images `x`, shape (G, n, classes).
    pub(crate) fn logits(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward(x)?.logits)
    }

    /// ‖θ‖₂ of each cell over all its weights and biases.
    pub(crate) fn weight_norms(&self) -> Result<Vec<f64>> {
        let g = self.cells;
        let mut sums = Tensor::zeros(g, DType::F32, self.params[0].device())?;
        for (i, var) in self.params.iter().enumerate() {
            let sq = var.as_detached_tensor().sqr()?;
            let per_cell = if i == 0 {
                sq.reshape((self.sizes[0], g, self.sizes[1]))?.sum((0, 2))?
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

    /// The gain and shift of hidden layer `l`'s LayerNorm, shaped (G, 1, h) to broadcast over
    /// the images.
    fn norm_params(&self, p: &[Tensor], l: usize) -> Result<(Tensor, Tensor)> {
        let at = 2 * (self.sizes.len() - 1) + 2 * l;
        Ok((p[at].unsqueeze(1)?, p[at + 1].unsqueeze(1)?))
    }

    /// Logits of every cell, shape (G, n, classes), with what the backward pass needs.
    fn forward(&self, x: &Tensor) -> Result<Forward> {
        let p = self.detached();
        let n = x.dim(0)?;
        let layers = self.sizes.len() - 1;
        let (g, h1) = (self.cells, self.sizes[1]);
        let mut inputs = vec![x.clone()];
        let mut normalised = Vec::new();
        let z1 = x.matmul(&p[0])?.broadcast_add(&p[1])?;
        let mut h = z1.reshape((n, g, h1))?.transpose(0, 1)?.contiguous()?;
        for layer in 1..layers {
            if self.norm == Norm::Layer {
                let (gain, shift) = self.norm_params(&p, layer - 1)?;
                let (y, xhat, rstd) = layer_norm::forward(&h, &gain, &shift)?;
                normalised.push((xhat, rstd));
                h = y;
            }
            h = h.relu()?;
            inputs.push(h.clone());
            h = h
                .matmul(&p[2 * layer])?
                .broadcast_add(&p[2 * layer + 1].unsqueeze(1)?)?;
        }
        Ok(Forward {
            logits: h,
            inputs,
            normalised,
        })
    }

    /// Each cell's mean cross-entropy on the batch (shape [G]) and the gradients.
    pub(crate) fn loss_and_grads(&self, x: &Tensor, y: &Tensor) -> Result<(Tensor, Vec<Tensor>)> {
        let p = self.detached();
        let n = x.dim(0)?;
        let (g, h1) = (self.cells, self.sizes[1]);
        let Forward {
            logits,
            inputs,
            normalised,
        } = self.forward(x)?;
        let layers = self.sizes.len() - 1;
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
            if let Some((xhat, rstd)) = normalised.get(layer - 1) {
                let (gain, _) = self.norm_params(&p, layer - 1)?;
                let (dz_norm, dgain, dshift) = layer_norm::backward(&dz, xhat, rstd, &gain, 1)?;
                let at = 2 * layers + 2 * (layer - 1);
                (grads[at], grads[at + 1]) = (Some(dgain), Some(dshift));
                dz = dz_norm;
            }
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
