//! The CPU training path: G networks (one for a single run, a grid's cells for a population)
//! stepped on host buffers that are allocated once, with gemm called directly.
//!
//! Why not candle ops on the CPU: every candle op allocates its output, so a step of the
//! 784-1024-10 MLP at batch 128 allocated and zeroed about 7 MB (page faults, memset), and
//! transposed operands went through strided copies; a population of 36 cells allocated 115 MB
//! of gradients per step. Here a step is: gather the batch → `x·W` + bias + ReLU per layer →
//! softmax cross-entropy and its gradient in one pass → per layer the input gradient (with the
//! ReLU mask) and the weight gradient (gemm reading the transposes through strides) → the
//! fused optimiser pass ([`crate::optim::HostOptimizer`]). For plain SGD and SGDW the update
//! is linear in the gradient, θ ← keep·θ − η_t·α·g, so it is done by the weight-gradient gemm
//! itself (gemm computes dst ← alpha·dst + beta·lhs·rhs): no gradient buffer, no extra pass.
//!
//! With LayerNorm ([`super::layer_norm`]) a hidden layer's pre-activation is normalised per row
//! and cell before the ReLU, keeping x̂ and 1/σ for the backward pass, which turns the ReLU's
//! masked gradient into the pre-activation's before the layer's own gradients.
//!
//! Parameters follow the cell layout of [`super::cells`] (the layout of [`Mlp`] when G = 1);
//! activations are (batch, G·width), cells side by side. The kernels are [`super::host_ops`].
//!
//! Tests (tests/training.rs) check this path against the candle one ([`Mlp::loss_and_grads`]
//! with [`crate::optim::WdOptimizer`], and [`super::PopulationMlp`]) for all four methods,
//! single runs and populations.

use super::cells::{block_len, param_kind, slot, Slot};
use super::host_ops::{
    argmax, column_sums, eval_chunk, log_sum_exp, matmul, relu_mask, softmax_cross_entropy, View,
    PARALLEL_MIN,
};
use super::layer_norm::{host_backward, host_forward, HostCache};
use super::Mlp;
use crate::optim::{HostOptimizer, HostParam, OptimConfig, ParamKind};
use candle_core::{bail, Device, Result, Tensor};
use rayon::prelude::*;

/// G multi-layer perceptrons with their optimiser, on host memory.
pub struct CpuNet {
    sizes: Vec<usize>,
    cells: usize,
    /// Weight and bias of each layer, in the layout above.
    params: Vec<Vec<f32>>,
    /// Gradient buffers; empty for weights whose update is fused into the gradient's gemm.
    grads: Vec<Vec<f32>>,
    opt: HostOptimizer,
    /// The gathered batch (batch × in) and its labels.
    x: Vec<f32>,
    labels: Vec<u32>,
    /// Each layer's output for the batch: ReLU(z) for hidden layers, logits last.
    outs: Vec<Vec<f32>>,
    /// Two buffers for the backward pass's ∂loss/∂z.
    delta: [Vec<f32>; 2],
    /// x̂ (batch × G·h) and 1/σ (batch × G) of each normalised hidden layer; empty without
    /// LayerNorm.
    norm_cache: Vec<(Vec<f32>, Vec<f32>)>,
    /// Layer outputs of an evaluation chunk, allocated at the first evaluation.
    eval_outs: Vec<Vec<f32>>,
    batch_size: usize,
}

impl CpuNet {
    /// `cells.len()` copies of `model` (the same initial weights), one optimiser configuration
    /// per cell, for batches of at most `batch_size` images.
    pub fn new(
        model: &Mlp,
        cells: &[OptimConfig],
        total_steps: u64,
        batch_size: usize,
    ) -> Result<Self> {
        let g = cells.len();
        let (sizes, params) = Self::replicated_params(model, g)?;
        let described: Vec<HostParam> = params
            .iter()
            .enumerate()
            .map(|(p, data)| HostParam {
                len: data.len(),
                block_len: block_len(&sizes, p),
                kind: param_kind(&sizes, p),
            })
            .collect();
        let opt = HostOptimizer::new(&described, cells.to_vec(), total_steps)?;
        let grads = Self::gradient_buffers(&params, &sizes, &opt);
        let norm_cache = sizes[1..sizes.len() - 1]
            .iter()
            .take(model.norms.len())
            .map(|&h| (vec![0f32; batch_size * g * h], vec![0f32; batch_size * g]))
            .collect();
        let widest = sizes[1..].iter().max().copied().unwrap_or(0);
        Ok(CpuNet {
            x: vec![0f32; batch_size * sizes[0]],
            labels: Vec::with_capacity(batch_size),
            outs: sizes[1..]
                .iter()
                .map(|&s| vec![0f32; batch_size * g * s])
                .collect(),
            delta: [
                vec![0f32; batch_size * g * widest],
                vec![0f32; batch_size * g * widest],
            ],
            norm_cache,
            sizes,
            cells: g,
            params,
            grads,
            opt,
            eval_outs: Vec::new(),
            batch_size,
        })
    }

    /// The layer widths of `model` (input first) and its parameters repeated for `g` cells in
    /// the cell layout: each layer's weight and bias, then each norm's gain and shift.
    fn replicated_params(model: &Mlp, g: usize) -> Result<(Vec<usize>, Vec<Vec<f32>>)> {
        let mut sizes = vec![model.layers[0].weight.dim(0)?];
        let mut params = Vec::with_capacity(2 * model.layers.len());
        for (i, layer) in model.layers.iter().enumerate() {
            let (fan_in, fan_out) = layer.weight.dims2()?;
            if fan_in != sizes[i] {
                bail!(
                    "layer {i} takes {fan_in} inputs after a layer of {}",
                    sizes[i]
                )
            }
            sizes.push(fan_out);
            let w = layer
                .weight
                .as_detached_tensor()
                .flatten_all()?
                .to_vec1::<f32>()?;
            let b = layer.bias.as_detached_tensor().to_vec1::<f32>()?;
            params.push(if i == 0 {
                // (in, out) → (in, G·out): each row repeated once per cell.
                w.chunks(fan_out).flat_map(|row| row.repeat(g)).collect()
            } else {
                w.repeat(g)
            });
            params.push(b.repeat(g));
        }
        for n in &model.norms {
            for v in [&n.gain, &n.shift] {
                params.push(v.as_detached_tensor().to_vec1::<f32>()?.repeat(g));
            }
        }
        Ok((sizes, params))
    }

    /// A zeroed gradient buffer per parameter; empty for a weight whose update `opt` fuses
    /// into the gradient's gemm.
    fn gradient_buffers(
        params: &[Vec<f32>],
        sizes: &[usize],
        opt: &HostOptimizer,
    ) -> Vec<Vec<f32>> {
        params
            .iter()
            .enumerate()
            .map(|(p, data)| {
                let fused = param_kind(sizes, p) == ParamKind::Weight && opt.linear_in_gradient();
                vec![0f32; if fused { 0 } else { data.len() }]
            })
            .collect()
    }

    /// Cell `g`'s parameters as tensors shaped like [`Mlp::vars`] ((in, out) weights).
    pub fn cell_params(&self, g: usize) -> Result<Vec<Tensor>> {
        let cells = self.cells;
        let dev = &Device::Cpu;
        self.params
            .iter()
            .enumerate()
            .map(|(p, data)| match slot(&self.sizes, p) {
                Slot::Weight(0) => {
                    let (fan_in, fan_out) = (self.sizes[0], self.sizes[1]);
                    let w: Vec<f32> = data
                        .chunks(cells * fan_out)
                        .flat_map(|row| &row[g * fan_out..(g + 1) * fan_out])
                        .copied()
                        .collect();
                    Tensor::from_vec(w, (fan_in, fan_out), dev)
                }
                Slot::Weight(l) => {
                    let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
                    let block = fan_in * fan_out;
                    Tensor::from_slice(&data[g * block..(g + 1) * block], (fan_in, fan_out), dev)
                }
                Slot::Bias(l) | Slot::Gain(l) | Slot::Shift(l) => {
                    let n = self.sizes[l + 1];
                    Tensor::from_slice(&data[g * n..(g + 1) * n], n, dev)
                }
            })
            .collect()
    }

    /// Writes cell 0's parameters into `model` (the result of a single run).
    pub(crate) fn write_into(&self, model: &Mlp) -> Result<()> {
        for (var, t) in model.vars().iter().zip(self.cell_params(0)?) {
            var.set(&t)?;
        }
        Ok(())
    }

    /// One optimiser step of every cell on the batch `x` (rows × in) with `labels`; returns
    /// each cell's mean cross-entropy before the step.
    pub fn step_host(&mut self, x: &[f32], labels: &[u32]) -> Result<Vec<f32>> {
        let rows = labels.len();
        let g = self.cells;
        let layers = self.sizes.len() - 1;
        if rows == 0 || rows > self.batch_size || x.len() != rows * self.sizes[0] {
            bail!(
                "a batch of {rows} labels and {} values does not fit {} images of {} pixels",
                x.len(),
                self.batch_size,
                self.sizes[0]
            )
        }
        let cache = Some(self.norm_cache.as_mut_slice());
        forward(&self.sizes, g, &self.params, x, rows, &mut self.outs, cache);
        let classes = self.sizes[layers];
        let [cur, next] = &mut self.delta;
        let losses = softmax_cross_entropy(&self.outs[layers - 1], labels, g, classes, cur)?;
        let coeffs = self.opt.begin_step();
        let (mut cur, mut next) = (cur, next);
        for i in (0..layers).rev() {
            let (fan_in, fan_out) = (self.sizes[i], self.sizes[i + 1]);
            let (width_in, width_out) = (g * fan_in, g * fan_out);
            let (wp, bp) = (2 * i, 2 * i + 1);
            if let Some((xhat, rstd)) = self.norm_cache.get(i).filter(|_| i + 1 < layers) {
                // ∂loss/∂y of the LayerNorm's output → ∂loss/∂z, and the gain's and shift's
                // gradients, before their update.
                let (gp, sp) = (2 * layers + 2 * i, 2 * layers + 2 * i + 1);
                let [dgain, dshift] = &mut self.grads[gp..=sp] else {
                    unreachable!("a gain and a shift per normalised layer")
                };
                host_backward(
                    &mut cur[..rows * width_out],
                    width_out,
                    fan_out,
                    &xhat[..rows * width_out],
                    &rstd[..rows * g],
                    &self.params[gp],
                    dgain,
                    dshift,
                );
                for p in [gp, sp] {
                    self.opt
                        .update(p, &mut self.params[p], &self.grads[p], &coeffs[p]);
                }
            }
            let dz = &cur[..rows * width_out];
            let a: &[f32] = if i == 0 { x } else { &self.outs[i - 1] };
            column_sums(dz, width_out, &mut self.grads[bp]);
            // The input gradient first: it needs the weights before their update.
            if i > 0 {
                let w = &self.params[wp];
                for cell in 0..g {
                    let d = View::rows(dz, cell * fan_out, width_out);
                    let wt = View::rows_t(w, cell * fan_in * fan_out, fan_out);
                    let dims = (rows, fan_in, fan_out);
                    matmul(dims, next, cell * fan_in, width_in, d, wt, None, 1.0);
                }
                relu_mask(&mut next[..rows * width_in], &a[..rows * width_in]);
            }
            // The weight gradient aᵀ·dz, or the whole SGD update θ ← keep·θ − η_t·α·aᵀ·dz.
            let fused = self.grads[wp].is_empty();
            let linear: Vec<(f64, f64)> = if fused {
                coeffs[wp]
                    .iter()
                    .map(|c| c.linear_form().expect("fused only when linear"))
                    .collect()
            } else {
                Vec::new()
            };
            let dst = if fused {
                &mut self.params[wp]
            } else {
                &mut self.grads[wp]
            };
            // The first layer's cells are column blocks of one matrix: one gemm when they share
            // their coefficients (always for G = 1), else one per cell.
            let shared = linear.windows(2).all(|w| w[0] == w[1]);
            let groups = if i == 0 && shared { 1 } else { g };
            for group in 0..groups {
                let (lhs, rhs, off, row, n) = if i == 0 {
                    let n = width_out / groups;
                    let rhs = View::rows(dz, group * n, width_out);
                    (View::rows_t(a, 0, fan_in), rhs, group * n, width_out, n)
                } else {
                    let lhs = View::rows_t(a, group * fan_in, width_in);
                    let rhs = View::rows(dz, group * fan_out, width_out);
                    (lhs, rhs, group * fan_in * fan_out, fan_out, fan_out)
                };
                let (keep, scale) = match linear.get(group) {
                    Some(&(keep, lr)) => (Some(keep as f32), -lr as f32),
                    None => (None, 1.0),
                };
                matmul((fan_in, n, rows), dst, off, row, lhs, rhs, keep, scale);
            }
            if !fused {
                self.opt
                    .update(wp, &mut self.params[wp], &self.grads[wp], &coeffs[wp]);
            }
            self.opt
                .update(bp, &mut self.params[bp], &self.grads[bp], &coeffs[bp]);
            std::mem::swap(&mut cur, &mut next);
        }
        Ok(losses)
    }

    /// One step on the images `indices` of a training set held as host `images` (rows of
    /// `pixels`) and `labels`: the batch is gathered into buffers kept between steps.
    pub(crate) fn step_indices(
        &mut self,
        images: &[f32],
        labels: &[u32],
        indices: &[u32],
    ) -> Result<Vec<f32>> {
        let pixels = self.sizes[0];
        let mut x = std::mem::take(&mut self.x);
        let mut batch_labels = std::mem::take(&mut self.labels);
        x.resize(indices.len() * pixels, 0.0);
        batch_labels.clear();
        for (dst, &i) in x.chunks_mut(pixels).zip(indices) {
            let i = i as usize;
            dst.copy_from_slice(&images[i * pixels..(i + 1) * pixels]);
        }
        batch_labels.extend(indices.iter().map(|&i| labels[i as usize]));
        let losses = self.step_host(&x, &batch_labels);
        (self.x, self.labels) = (x, batch_labels);
        losses
    }

    /// The mean cross-entropy of each cell on host `images` and `labels` and the class it
    /// predicts for each image, forwarded in chunks through buffers allocated at the first
    /// evaluation.
    pub(crate) fn evaluate_host(&mut self, images: &[f32], labels: &[u32]) -> Vec<(f64, Vec<u8>)> {
        let (g, layers) = (self.cells, self.sizes.len() - 1);
        let classes = self.sizes[layers];
        let widest = self.sizes[1..].iter().max().copied().unwrap_or(0);
        let chunk = eval_chunk(g, widest);
        if self.eval_outs.is_empty() {
            self.eval_outs = self.sizes[1..]
                .iter()
                .map(|&s| vec![0f32; chunk * g * s])
                .collect();
        }
        let n = labels.len();
        let pixels = self.sizes[0];
        let mut loss = vec![0f64; g];
        let mut predicted = vec![Vec::with_capacity(n); g];
        for start in (0..n).step_by(chunk) {
            let rows = chunk.min(n - start);
            let x = &images[start * pixels..(start + rows) * pixels];
            forward(
                &self.sizes,
                g,
                &self.params,
                x,
                rows,
                &mut self.eval_outs,
                None,
            );
            let logits = &self.eval_outs[layers - 1];
            for (r, &label) in labels[start..start + rows].iter().enumerate() {
                let row = &logits[r * g * classes..(r + 1) * g * classes];
                for (cell, z) in row.chunks(classes).enumerate() {
                    loss[cell] += (log_sum_exp(z) - z[label as usize]) as f64;
                    predicted[cell].push(u8::try_from(argmax(z)).unwrap_or(u8::MAX));
                }
            }
        }
        loss.iter().map(|&l| l / n as f64).zip(predicted).collect()
    }

    /// ‖θ‖₂ of each cell over all its weights and biases.
    pub(crate) fn weight_norms(&self) -> Vec<f64> {
        let g = self.cells;
        let mut sums = vec![0f64; g];
        for (p, data) in self.params.iter().enumerate() {
            for (i, chunk) in data.chunks(block_len(&self.sizes, p)).enumerate() {
                sums[i % g] += chunk.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>();
            }
        }
        sums.into_iter().map(f64::sqrt).collect()
    }

    /// How many networks (cells) this holds.
    pub(crate) fn cells(&self) -> usize {
        self.cells
    }
}

/// Forward pass of `rows` images `x` (rows × in) through every cell, leaving each layer's
/// output in `outs` (LayerNorm, when `params` hold its gains, and ReLU applied to hidden
/// layers; logits last). `cache` receives what LayerNorm's backward pass needs (training).
fn forward(
    sizes: &[usize],
    cells: usize,
    params: &[Vec<f32>],
    x: &[f32],
    rows: usize,
    outs: &mut [Vec<f32>],
    mut cache: Option<&mut [(Vec<f32>, Vec<f32>)]>,
) {
    let layers = sizes.len() - 1;
    let normalised = params.len() > 2 * layers;
    for i in 0..layers {
        let (fan_in, fan_out) = (sizes[i], sizes[i + 1]);
        let width = cells * fan_out;
        let (done, rest) = outs.split_at_mut(i);
        let out = &mut rest[0];
        let (w, b) = (&params[2 * i], &params[2 * i + 1]);
        if i == 0 {
            let (x, w) = (View::rows(x, 0, fan_in), View::rows(w, 0, width));
            matmul((rows, width, fan_in), out, 0, width, x, w, None, 1.0);
        } else {
            let a = &done[i - 1];
            for g in 0..cells {
                let a = View::rows(a, g * fan_in, cells * fan_in);
                let w = View::rows(w, g * fan_in * fan_out, fan_out);
                matmul(
                    (rows, fan_out, fan_in),
                    out,
                    g * fan_out,
                    width,
                    a,
                    w,
                    None,
                    1.0,
                );
            }
        }
        let hidden = i + 1 < layers;
        let add_bias = |row: &mut [f32]| {
            if hidden && !normalised {
                for (z, &bias) in row.iter_mut().zip(b) {
                    *z = (*z + bias).max(0.0);
                }
            } else {
                for (z, &bias) in row.iter_mut().zip(b) {
                    *z += bias;
                }
            }
        };
        let out = &mut out[..rows * width];
        if out.len() < PARALLEL_MIN {
            out.chunks_mut(width).for_each(add_bias);
        } else {
            out.par_chunks_mut(width).with_min_len(8).for_each(add_bias);
        }
        if hidden && normalised {
            let (gain, shift) = (&params[2 * layers + 2 * i], &params[2 * layers + 2 * i + 1]);
            let cache = cache.as_deref_mut().map(|c| {
                let (xhat, rstd) = &mut c[i];
                HostCache {
                    xhat: &mut xhat[..rows * width],
                    rstd: &mut rstd[..rows * cells],
                }
            });
            host_forward(out, width, fan_out, gain, shift, cache);
        }
    }
}
