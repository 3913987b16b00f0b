//! The host kernels of the CPU network: gemm on strided views of host buffers, the fused
//! softmax cross-entropy and its gradient, column sums, the ReLU mask, and reading a candle
//! tensor's host slice. Element-wise passes below [`PARALLEL_MIN`] elements stay on the calling
//! thread; larger ones and large products use rayon's pool (the job's share of the cores).

use candle_core::{bail, Result, Storage, Tensor, WithDType};
use gemm::Parallelism;
use rayon::prelude::*;

/// A strided matrix view for gemm: the data, where it starts, row and column strides.
#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    data: &'a [f32],
    offset: usize,
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// Rows of `row_len` elements, starting `offset` elements in.
    pub(super) fn rows(data: &'a [f32], offset: usize, row_len: usize) -> Self {
        View {
            data,
            offset,
            rs: row_len,
            cs: 1,
        }
    }

    /// The transpose of [`View::rows`].
    pub(super) fn rows_t(data: &'a [f32], offset: usize, row_len: usize) -> Self {
        View {
            data,
            offset,
            rs: 1,
            cs: row_len,
        }
    }

    /// A pointer to the first element, after checking that an r×c matrix fits.
    fn ptr(&self, r: usize, c: usize) -> *const f32 {
        let last = self.offset + (r.max(1) - 1) * self.rs + (c.max(1) - 1) * self.cs;
        assert!(last < self.data.len(), "gemm operand out of bounds");
        self.data[self.offset..].as_ptr()
    }
}

/// dst (m×n, rows of `dst_row` elements from `dst_off`) ← keep·dst + scale·lhs·rhs, where
/// `keep = None` overwrites dst.
#[allow(clippy::too_many_arguments)]
pub(super) fn matmul(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    dst_off: usize,
    dst_row: usize,
    lhs: View,
    rhs: View,
    keep: Option<f32>,
    scale: f32,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(
        n <= dst_row && dst_off + (m - 1) * dst_row + n <= dst.len(),
        "gemm output out of bounds"
    );
    let (lhs_ptr, rhs_ptr) = (lhs.ptr(m, k), rhs.ptr(k, n));
    // SAFETY: every operand's last element was checked to lie inside its slice, and the output
    // does not alias the inputs (it is borrowed mutably while they are borrowed shared).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst[dst_off..].as_mut_ptr(),
            1,
            dst_row as isize,
            keep.is_some(),
            lhs_ptr,
            lhs.cs as isize,
            lhs.rs as isize,
            rhs_ptr,
            rhs.cs as isize,
            rhs.rs as isize,
            keep.unwrap_or(0.0),
            scale,
            false,
            false,
            false,
            parallelism(m * n * k),
        )
    }
}

/// Lets gemm split a product of `macs` multiply-adds over rayon's pool (the one the fused
/// update uses) when it is large enough to pay for waking the workers: the output layer's
/// products (128 × 1024 × 10) take microseconds, and a population makes G of them per step.
fn parallelism(macs: usize) -> Parallelism {
    match rayon::current_num_threads() {
        n if n > 1 && macs >= 1 << 21 => Parallelism::Rayon(n),
        _ => Parallelism::None,
    }
}

/// Runs `f` on the host slice of a contiguous CPU tensor of element type `T`.
pub(crate) fn with_host<T: WithDType, R>(t: &Tensor, f: impl FnOnce(&[T]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    let (Storage::Cpu(data), Some((a, b))) = (&*storage, layout.contiguous_offsets()) else {
        bail!("expected a contiguous tensor on the CPU")
    };
    Ok(f(&data.as_slice::<T>()?[a..b]))
}

/// Rows per evaluation chunk: about 4M activations of the widest layer at a time.
pub(crate) fn eval_chunk(cells: usize, widest: usize) -> usize {
    ((1 << 22) / (cells * widest).max(1)).clamp(16, 2500)
}

/// Each cell's mean cross-entropy over the rows of `logits` (rows × G·classes), and in `dz`
/// its gradient with respect to the logits: (softmax − one-hot)/rows.
pub(super) fn softmax_cross_entropy(
    logits: &[f32],
    labels: &[u32],
    cells: usize,
    classes: usize,
    dz: &mut [f32],
) -> Result<Vec<f32>> {
    let rows = labels.len();
    let width = cells * classes;
    let mut losses = vec![0f64; cells];
    let inv = 1.0 / rows as f32;
    for (r, &label) in labels.iter().enumerate() {
        let label = label as usize;
        if label >= classes {
            bail!("label {label} is not one of the {classes} classes")
        }
        let row = &logits[r * width..(r + 1) * width];
        let out = &mut dz[r * width..(r + 1) * width];
        for (g, (z, d)) in row.chunks(classes).zip(out.chunks_mut(classes)).enumerate() {
            let log_sum = log_sum_exp(z);
            losses[g] += (log_sum - z[label]) as f64;
            for (c, (&v, d)) in z.iter().zip(d.iter_mut()).enumerate() {
                let target = if c == label { 1.0 } else { 0.0 };
                *d = ((v - log_sum).exp() - target) * inv;
            }
        }
    }
    Ok(losses.iter().map(|&l| (l / rows as f64) as f32).collect())
}

/// `sums[c]` ← Σ_r m[r, c] for the rows of `m` (rows of `width` elements).
pub(super) fn column_sums(m: &[f32], width: usize, sums: &mut [f32]) {
    let sum_columns = |(chunk, out): (usize, &mut [f32])| {
        let (start, len) = (chunk * 4096, out.len());
        out.fill(0.0);
        for row in m.chunks(width) {
            for (s, &v) in out.iter_mut().zip(&row[start..start + len]) {
                *s += v;
            }
        }
    };
    if m.len() < PARALLEL_MIN {
        sums.chunks_mut(4096).enumerate().for_each(sum_columns);
    } else {
        sums.par_chunks_mut(4096).enumerate().for_each(sum_columns);
    }
}

/// The gradient through a ReLU, in place: zero where the ReLU's output `out` was not positive.
/// Written as a select, not a conditional store, so that it vectorises (the branchy form took
/// 6 % of a step in a profile).
pub(super) fn relu_mask(grad: &mut [f32], out: &[f32]) {
    let mask = |g: &mut [f32], o: &[f32]| {
        for (g, &o) in g.iter_mut().zip(o) {
            *g = if o > 0.0 { *g } else { 0.0 };
        }
    };
    if grad.len() < PARALLEL_MIN {
        return mask(grad, out);
    }
    grad.par_chunks_mut(PARALLEL_MIN / 2)
        .zip(out.par_chunks(PARALLEL_MIN / 2))
        .for_each(|(g, o)| mask(g, o));
}

/// Element-wise passes shorter than this run on the calling thread: waking rayon's workers
/// for a 128 × 1024 pass costs more than the pass (context switches showed in profiles).
pub(super) const PARALLEL_MIN: usize = 1 << 18;

/// ln Σ exp(z), computed from the largest element so nothing overflows.
pub(super) fn log_sum_exp(z: &[f32]) -> f32 {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    max + z.iter().map(|&v| (v - max).exp()).sum::<f32>().ln()
}

/// Index of the first largest element.
pub(super) fn argmax(z: &[f32]) -> usize {
    z.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0
}
