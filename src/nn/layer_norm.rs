//! Layer normalisation of a hidden layer's pre-activation (Ba, Kiros & Hinton 2016):
//! y = γ·(z − μ)/√(σ² + ε) + β over the layer's units, then the ReLU. With it a hidden layer's
//! output no longer depends on the scale of its incoming weights, as in the batch-normalised
//! ResNets of Loshchilov & Hutter's experiments, so weight decay on those weights acts only
//! through the effective step size.
//!
//! The same maths three ways: on host rows for [`super::CpuNet`] (cells side by side in a row),
//! and as candle ops for [`super::Mlp`] and [`super::PopulationMlp`], whose forward also runs
//! under candle's autograd (the test of the hand-written backward pass).

use super::host_ops::PARALLEL_MIN;
use candle_core::{Result, Tensor, D};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The normalisation of the hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Linear → ReLU.
    #[default]
    None,
    /// Linear → LayerNorm (learnable gain and shift) → ReLU.
    Layer,
}

impl Norm {
    pub const ALL: [Norm; 2] = [Norm::None, Norm::Layer];

    pub fn name(self) -> &'static str {
        match self {
            Norm::None => "none",
            Norm::Layer => "layer",
        }
    }

    /// True without normalisation (config files leave the field out then).
    pub fn is_none(&self) -> bool {
        *self == Norm::None
    }
}

/// ε under the square root: PyTorch's `nn.LayerNorm` default.
pub(crate) const EPS: f64 = 1e-5;

/// What the backward pass needs of a normalised layer: x̂ = (z − μ)·r for every unit and
/// r = 1/√(σ² + ε) for every row and cell.
pub(super) struct HostCache<'a> {
    pub(super) xhat: &'a mut [f32],
    pub(super) rstd: &'a mut [f32],
}

/// In place on `z` (rows of `width` = G·h elements, cell g owning units g·h..(g+1)·h):
/// z ← ReLU(γ·x̂ + β) per cell with its own `gain` and `shift` (G·h each), keeping x̂ and r in
/// `cache` when given (training) and not otherwise (evaluation).
pub(super) fn host_forward(
    z: &mut [f32],
    width: usize,
    h: usize,
    gain: &[f32],
    shift: &[f32],
    cache: Option<HostCache>,
) {
    let cells = width / h;
    let parallel = z.len() >= PARALLEL_MIN;
    let row = |z: &mut [f32], xhat: Option<&mut [f32]>, rstd: Option<&mut [f32]>| {
        normalise_row(z, h, gain, shift, xhat, rstd)
    };
    match cache {
        Some(c) if parallel => z
            .par_chunks_mut(width)
            .zip(c.xhat.par_chunks_mut(width))
            .zip(c.rstd.par_chunks_mut(cells))
            .for_each(|((z, x), r)| row(z, Some(x), Some(r))),
        Some(c) => z
            .chunks_mut(width)
            .zip(c.xhat.chunks_mut(width))
            .zip(c.rstd.chunks_mut(cells))
            .for_each(|((z, x), r)| row(z, Some(x), Some(r))),
        None if parallel => z.par_chunks_mut(width).for_each(|z| row(z, None, None)),
        None => z.chunks_mut(width).for_each(|z| row(z, None, None)),
    }
}

/// [`host_forward`] on one row: every cell's block of `h` units, x̂ and r kept when given.
fn normalise_row(
    z: &mut [f32],
    h: usize,
    gain: &[f32],
    shift: &[f32],
    mut xhat: Option<&mut [f32]>,
    mut rstd: Option<&mut [f32]>,
) {
    for (g, block) in z.chunks_mut(h).enumerate() {
        let (mean, r) = moments(block);
        let (gain, shift) = (&gain[g * h..(g + 1) * h], &shift[g * h..(g + 1) * h]);
        if let Some(rstd) = rstd.as_deref_mut() {
            rstd[g] = r;
        }
        match xhat.as_deref_mut() {
            Some(xhat) => {
                let xhat = &mut xhat[g * h..(g + 1) * h];
                for (((v, x), &a), &b) in block.iter_mut().zip(xhat).zip(gain).zip(shift) {
                    *x = (*v - mean) * r;
                    *v = (a * *x + b).max(0.0);
                }
            }
            None => {
                for ((v, &a), &b) in block.iter_mut().zip(gain).zip(shift) {
                    *v = (a * ((*v - mean) * r) + b).max(0.0);
                }
            }
        }
    }
}

/// Mean and 1/√(variance + ε) of one cell's units (the biased variance, as PyTorch's).
fn moments(z: &[f32]) -> (f32, f32) {
    let n = z.len() as f32;
    let mean = lane_sum(z, z, |v, _| v) / n;
    let var = lane_sum(z, z, |v, _| (v - mean) * (v - mean)) / n;
    (mean, 1.0 / (var + EPS as f32).sqrt())
}

/// Partial sums kept side by side in [`lane_sum`]: one 256-bit register of f32.
const LANES: usize = 8;

/// Σ f(aᵢ, bᵢ) in [`LANES`] interleaved partial sums. One accumulator would be a serial chain
/// of dependent adds (the compiler may not reorder float sums), and these row sums are most
/// of LayerNorm's cost on the host; lanes let them vectorise. The order is fixed, so the
/// result is the same on every run and thread count.
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    for (ca, cb) in ca.zip(cb) {
        for ((s, &x), &y) in acc.iter_mut().zip(ca).zip(cb) {
            *s += f(x, y);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The backward pass of [`host_forward`] without its ReLU: `d` holds ∂loss/∂y on entry (the
/// ReLU's mask already applied) and ∂loss/∂z on return,
/// ∂z = r·(γ∂y − mean(γ∂y) − x̂·mean(γ∂y·x̂)) per row and cell; `dgain` ← Σ_rows ∂y·x̂ and
/// `dshift` ← Σ_rows ∂y.
#[allow(clippy::too_many_arguments)]
pub(super) fn host_backward(
    d: &mut [f32],
    width: usize,
    h: usize,
    xhat: &[f32],
    rstd: &[f32],
    gain: &[f32],
    dgain: &mut [f32],
    dshift: &mut [f32],
) {
    dgain.fill(0.0);
    dshift.fill(0.0);
    for (dy, x) in d.chunks(width).zip(xhat.chunks(width)) {
        for (((dg, ds), &dy), &x) in dgain.iter_mut().zip(dshift.iter_mut()).zip(dy).zip(x) {
            *dg += dy * x;
            *ds += dy;
        }
    }
    let cells = width / h;
    let row = |((d, x), r): ((&mut [f32], &[f32]), &[f32])| {
        for (g, (d, x)) in d.chunks_mut(h).zip(x.chunks(h)).enumerate() {
            for (d, &a) in d.iter_mut().zip(&gain[g * h..(g + 1) * h]) {
                *d *= a;
            }
            let m1 = lane_sum(d, d, |d, _| d) / h as f32;
            let m2 = lane_sum(d, x, |d, x| d * x) / h as f32;
            for (d, &x) in d.iter_mut().zip(x) {
                *d = r[g] * (*d - m1 - x * m2);
            }
        }
    };
    if d.len() >= PARALLEL_MIN {
        d.par_chunks_mut(width)
            .zip(xhat.par_chunks(width))
            .zip(rstd.par_chunks(cells))
            .for_each(row);
    } else {
        d.chunks_mut(width)
            .zip(xhat.chunks(width))
            .zip(rstd.chunks(cells))
            .for_each(row);
    }
}

/// γ·x̂ + β over the last dimension of `z` (before the ReLU), with x̂ and r = 1/√(σ² + ε)
/// (last dimension kept as 1) for [`backward`]. `gain` and `shift` broadcast against `z`. Made
/// of differentiable ops only, so it also runs under candle's autograd.
pub(super) fn forward(
    z: &Tensor,
    gain: &Tensor,
    shift: &Tensor,
) -> Result<(Tensor, Tensor, Tensor)> {
    let centred = z.broadcast_sub(&z.mean_keepdim(D::Minus1)?)?;
    let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
    let rstd = (var + EPS)?.sqrt()?.recip()?;
    let xhat = centred.broadcast_mul(&rstd)?;
    let y = xhat.broadcast_mul(gain)?.broadcast_add(shift)?;
    Ok((y, xhat, rstd))
}

/// The backward pass of [`forward`]: from ∂loss/∂y, (∂loss/∂z, ∂loss/∂γ, ∂loss/∂β), the last
/// two summed over dimension `rows` of `dy` (the images).
pub(super) fn backward(
    dy: &Tensor,
    xhat: &Tensor,
    rstd: &Tensor,
    gain: &Tensor,
    rows: usize,
) -> Result<(Tensor, Tensor, Tensor)> {
    let dgain = (dy * xhat)?.sum(rows)?;
    let dshift = dy.sum(rows)?;
    let dx = dy.broadcast_mul(gain)?;
    let m1 = dx.mean_keepdim(D::Minus1)?;
    let m2 = (&dx * xhat)?.mean_keepdim(D::Minus1)?;
    let dz = dx
        .broadcast_sub(&m1)?
        .sub(&xhat.broadcast_mul(&m2)?)?
        .broadcast_mul(rstd)?;
    Ok((dz, dgain, dshift))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// Two cells side by side with different gains: pre-activations, gains, shifts and the
    /// upstream gradient of the outputs, (rows, G·h) row-major.
    struct Case {
        rows: usize,
        cells: usize,
        h: usize,
        width: usize,
        z: Vec<f32>,
        gain: Vec<f32>,
        shift: Vec<f32>,
        upstream: Vec<f32>,
    }

    /// What the host kernels give for a [`Case`]: ReLU(LN(z)), ∂z, ∂γ and ∂β.
    struct HostPass {
        out: Vec<f32>,
        d: Vec<f32>,
        dgain: Vec<f32>,
        dshift: Vec<f32>,
    }

    /// The fixed case the test checks: 3 rows, 2 cells of width 5.
    fn case() -> Case {
        let (rows, cells, h) = (3, 2, 5);
        let width = cells * h;
        Case {
            rows,
            cells,
            h,
            width,
            z: (0..rows * width)
                .map(|i| ((i * 37 % 23) as f32 - 11.0) / 4.0)
                .collect(),
            gain: (0..width).map(|i| 0.5 + i as f32 / 10.0).collect(),
            shift: (0..width).map(|i| (i as f32 - 4.0) / 10.0).collect(),
            upstream: (0..rows * width)
                .map(|i| ((i * 13 % 7) as f32 - 3.0) / 5.0)
                .collect(),
        }
    }

    /// Host: forward with the ReLU, then the backward pass below the ReLU's mask.
    fn host_pass(c: &Case) -> HostPass {
        let (rows, cells, h, width) = (c.rows, c.cells, c.h, c.width);
        let mut out = c.z.clone();
        let (mut xhat, mut rstd) = (vec![0f32; rows * width], vec![0f32; rows * cells]);
        let cache = HostCache {
            xhat: &mut xhat,
            rstd: &mut rstd,
        };
        host_forward(&mut out, width, h, &c.gain, &c.shift, Some(cache));
        let mut d: Vec<f32> = c
            .upstream
            .iter()
            .zip(&out)
            .map(|(&u, &o)| if o > 0.0 { u } else { 0.0 })
            .collect();
        let (mut dgain, mut dshift) = (vec![0f32; width], vec![0f32; width]);
        host_backward(
            &mut d,
            width,
            h,
            &xhat,
            &rstd,
            &c.gain,
            &mut dgain,
            &mut dshift,
        );
        HostPass {
            out,
            d,
            dgain,
            dshift,
        }
    }

    /// Autograd, one cell at a time: loss = Σ upstream · ReLU(LN(z)); the host's output and
    /// gradients within 1e-5 of it.
    fn check_against_autograd(c: &Case, host: &HostPass) {
        let dev = Device::Cpu;
        let (rows, h, width) = (c.rows, c.h, c.width);
        for g in 0..c.cells {
            let cols = |v: &[f32]| -> Vec<f32> {
                v.chunks(width)
                    .flat_map(|r| r[g * h..(g + 1) * h].to_vec())
                    .collect()
            };
            let zt = Var::from_vec(cols(&c.z), (rows, h), &dev).unwrap();
            let gt = Var::from_slice(&c.gain[g * h..(g + 1) * h], h, &dev).unwrap();
            let st = Var::from_slice(&c.shift[g * h..(g + 1) * h], h, &dev).unwrap();
            let (y, _, _) = forward(zt.as_tensor(), gt.as_tensor(), st.as_tensor()).unwrap();
            let y = y.relu().unwrap();
            let up = Tensor::from_vec(cols(&c.upstream), (rows, h), &dev).unwrap();
            let loss = (&y * &up).unwrap().sum_all().unwrap();
            let grads = loss.backward().unwrap();
            let close = |a: &[f32], t: &Tensor, what: &str| {
                let b = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                for (x, y) in a.iter().zip(&b) {
                    assert!(
                        (x - y).abs() < 1e-5,
                        "{what} of cell {g}: host {x}, autograd {y}"
                    );
                }
            };
            close(&cols(&host.out), &y, "output");
            close(&cols(&host.d), grads.get(&zt).unwrap(), "∂z");
            close(
                &host.dgain[g * h..(g + 1) * h],
                grads.get(&gt).unwrap(),
                "∂γ",
            );
            close(
                &host.dshift[g * h..(g + 1) * h],
                grads.get(&st).unwrap(),
                "∂β",
            );
        }
    }

    /// The hand-written candle backward gives the same ∂z as the host kernel `d` (cell 0).
    fn check_candle_backward(c: &Case, d: &[f32]) {
        let dev = Device::Cpu;
        let (rows, h, width) = (c.rows, c.h, c.width);
        let z0 = Tensor::from_vec(
            c.z.chunks(width)
                .flat_map(|r| r[..h].to_vec())
                .collect::<Vec<_>>(),
            (rows, h),
            &dev,
        )
        .unwrap();
        let g0 = Tensor::from_slice(&c.gain[..h], h, &dev).unwrap();
        let s0 = Tensor::from_slice(&c.shift[..h], h, &dev).unwrap();
        let (y, xh, r) = forward(&z0, &g0, &s0).unwrap();
        let dy: Vec<f32> = c
            .upstream
            .chunks(width)
            .zip(y.to_vec2::<f32>().unwrap())
            .flat_map(|(u, y)| {
                u[..h]
                    .iter()
                    .zip(y)
                    .map(|(&u, y)| if y > 0.0 { u } else { 0.0 })
                    .collect::<Vec<_>>()
            })
            .collect();
        let dy = Tensor::from_vec(dy, (rows, h), &dev).unwrap();
        let (dz, _, _) = backward(&dy, &xh, &r, &g0, 0).unwrap();
        let dz = dz.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let host: Vec<f32> = d.chunks(width).flat_map(|r| r[..h].to_vec()).collect();
        for (a, b) in host.iter().zip(&dz) {
            assert!((a - b).abs() < 1e-5, "∂z: host {a}, candle {b}");
        }
    }

    /// The host kernels give what the candle ops give, for two cells side by side with
    /// different gains; checked against autograd through [`forward`] for the gradients.
    #[test]
    fn host_kernels_match_autograd_through_the_candle_ops() {
        let c = case();
        let host = host_pass(&c);
        check_against_autograd(&c, &host);
        check_candle_backward(&c, &host.d);
    }

    #[test]
    fn a_normalised_row_has_mean_shift_and_spread_gain() {
        let (h, width) = (4, 4);
        let mut z = vec![1.0f32, 2.0, 3.0, 10.0];
        let gain = vec![2.0f32; 4];
        let shift = vec![5.0f32; 4];
        host_forward(&mut z, width, h, &gain, &shift, None);
        // Every output is positive here, so the ReLU changes nothing: mean 5, variance 4·σ²/(σ²+ε).
        let mean = z.iter().sum::<f32>() / 4.0;
        let var = z.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / 4.0;
        assert!((mean - 5.0).abs() < 1e-5, "mean {mean}");
        let sigma2 = 12.5f32; // of 1, 2, 3, 10 (mean 4)
        let expected = 4.0 * sigma2 / (sigma2 + EPS as f32);
        assert!(
            (var - expected).abs() < 1e-4,
            "variance {var}, expected {expected}"
        );
    }

    #[test]
    fn lane_sums_count_every_element_once_tail_included() {
        // Lengths below, at and around the lane width. Small integers sum exactly in any
        // order, so a dropped tail or an element counted twice shows as an inequality.
        for n in [0usize, 1, 5, 8, 13, 16, 1024 + 3] {
            let a: Vec<f32> = (0..n).map(|i| (i % 7) as f32 + 1.0).collect();
            let b: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
            let exact: f32 = a.iter().sum();
            assert_eq!(lane_sum(&a, &a, |x, _| x), exact, "Σa over {n}");
            let dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_eq!(lane_sum(&a, &b, |x, y| x * y), dot, "Σab over {n}");
        }
    }
}
