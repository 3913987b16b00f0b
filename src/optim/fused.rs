//! The CPU update: one pass over each parameter buffer, in place, for every method.
//!
//! A naive candle version of AdamW costs about fifteen allocating tensor ops per parameter and
//! step; this kernel reads θ, g and the state once and writes θ and the state once. It runs
//! through candle's in-place custom-op interface, so the parameter stays a candle `Var`.

use super::StepCoeffs;
use candle_core::{bail, CpuStorage, InplaceOp2, Layout, Result, Tensor, Var};
use rayon::prelude::*;
use std::sync::Mutex;

/// Updates `var` in place from `grad` and the host state `buffers`. With several
/// coefficient sets (a population of grid cells stored in one buffer), consecutive blocks of
/// `block_len` elements belong to cells 0, 1, …, G−1, 0, 1, … and each uses its own set.
pub(super) fn update(
    var: &Var,
    grad: &Tensor,
    buffers: &mut [Vec<f32>],
    coeffs: &[StepCoeffs],
    block_len: usize,
) -> Result<()> {
    let op = FusedUpdate {
        coeffs,
        block_len,
        buffers: Mutex::new(buffers),
    };
    var.as_tensor().inplace_op2(&grad.contiguous()?, &op)
}

struct FusedUpdate<'a> {
    coeffs: &'a [StepCoeffs],
    block_len: usize,
    /// The op's interface takes `&self`; the lock is never contended.
    buffers: Mutex<&'a mut [Vec<f32>]>,
}

impl InplaceOp2 for FusedUpdate<'_> {
    fn name(&self) -> &'static str {
        "wdlab-fused-update"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        src: &CpuStorage,
        src_l: &Layout,
    ) -> Result<()> {
        let (CpuStorage::F32(theta), CpuStorage::F32(grad)) = (dst, src) else {
            bail!("the fused update takes f32 parameters and gradients")
        };
        let (Some((t0, t1)), Some((g0, g1))) =
            (dst_l.contiguous_offsets(), src_l.contiguous_offsets())
        else {
            bail!("the fused update takes contiguous parameters and gradients")
        };
        let mut buffers = self.buffers.lock().expect("optimizer state lock poisoned");
        apply(
            &mut theta[t0..t1],
            &grad[g0..g1],
            &mut buffers,
            self.coeffs,
            self.block_len,
        );
        Ok(())
    }
}

/// Elements per parallel work item: large enough that scheduling costs nothing next to the
/// memory traffic (Adam reads and writes 28 bytes per element), small enough to split the
/// 800k-element first layer evenly over the cores.
const CHUNK: usize = 1 << 15;

/// The update of every element, split over rayon's pool (the one gemm uses). Block `i` of
/// `block_len` elements uses `coeffs[i % coeffs.len()]`; one coefficient set covers all.
pub(crate) fn apply(
    theta: &mut [f32],
    grad: &[f32],
    buffers: &mut [Vec<f32>],
    coeffs: &[StepCoeffs],
    block_len: usize,
) {
    assert_eq!(
        theta.len(),
        grad.len(),
        "parameter and gradient sizes differ"
    );
    assert!(
        !coeffs.is_empty() && block_len > 0,
        "no coefficients or empty blocks"
    );
    let block = if coeffs.len() == 1 { CHUNK } else { block_len };
    // Small blocks (biases of a population) are grouped so each work item stays large.
    let min_blocks = (CHUNK / block).max(1);
    let cell = |i: usize| &coeffs[i % coeffs.len()];
    let work = theta
        .par_chunks_mut(block)
        .zip(grad.par_chunks(block))
        .enumerate()
        .with_min_len(min_blocks);
    match buffers {
        [] => work.for_each(|(i, (t, g))| apply_serial(t, g, &mut [], cell(i))),
        [a] => work
            .zip(a.par_chunks_mut(block))
            .for_each(|((i, (t, g)), a)| apply_serial(t, g, &mut [a], cell(i))),
        [a, b] => work
            .zip(a.par_chunks_mut(block))
            .zip(b.par_chunks_mut(block))
            .for_each(|(((i, (t, g)), a), b)| apply_serial(t, g, &mut [a, b], cell(i))),
        _ => unreachable!("no method keeps more than two state buffers"),
    }
}

/// [`update_elements`] compiled for AVX-512 where the CPU has it (checked at run time, once):
/// the default x86-64 target only allows 4-wide SSE, and Adam's square root and division made
/// this pass compute-bound there (13 % of an AdamW step in a profile). The same IEEE operations
/// in the same order: results are identical on either path.
fn apply_serial(theta: &mut [f32], grad: &[f32], buffers: &mut [&mut [f32]], c: &StepCoeffs) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked on the line above.
        return unsafe { update_elements_avx512(theta, grad, buffers, c) };
    }
    update_elements(theta, grad, buffers, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn update_elements_avx512(
    theta: &mut [f32],
    grad: &[f32],
    buffers: &mut [&mut [f32]],
    c: &StepCoeffs,
) {
    update_elements(theta, grad, buffers, c)
}

/// The update of every element: g ← g + l2·θ; θ ← θ − decay·θ − step, where the step is
/// the method's direction ([`super::Direction::fused`], written once in its method's file).
/// Inlined, with the direction's loop, into the AVX-512 build above, so each direction
/// compiles to a tight vectorisable loop.
#[inline(always)]
fn update_elements(theta: &mut [f32], grad: &[f32], buffers: &mut [&mut [f32]], c: &StepCoeffs) {
    c.direction.fused(theta, grad, buffers, c.placed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Hyper, Method, OptimConfig, ParamKind};

    /// The AVX-512 build of the update pass and the portable loop give bit-identical results
    /// for every direction, so the golden tests (which run whichever the CPU picks) cover
    /// both. On a CPU without AVX-512 there is nothing to compare, and the test says so.
    #[test]
    fn the_avx512_and_the_portable_update_are_bit_identical() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked on the line above.
            return compare_with_portable(|t, g, b, c| unsafe {
                update_elements_avx512(t, g, b, c)
            });
        }
        eprintln!("skipped: this CPU has no AVX-512, so only the portable update pass runs here");
    }

    /// Runs `kernel` and the portable [`update_elements`] on the same inputs for each direction
    /// and asserts that θ and the state agree bit for bit.
    #[allow(dead_code)] // unused where the target has no AVX-512 build to compare
    fn compare_with_portable(kernel: impl Fn(&mut [f32], &[f32], &mut [&mut [f32]], &StepCoeffs)) {
        let n = 1000;
        let wave = |k: f32| (0..n).map(move |i| ((i as f32 + k) * 0.37).sin()).collect();
        for (method, momentum) in [
            (Method::Sgd, 0.0),
            (Method::Sgd, 0.9),
            (Method::Adamw, 0.0),
            (Method::Adam, 0.0),
        ] {
            let cfg = OptimConfig::builder(method)
                .lr(0.01)
                .decay(0.1)
                .hyper(Hyper::Momentum, momentum)
                .build()
                .unwrap();
            let c = cfg.coeffs(3, 0.8, ParamKind::Weight);
            let grad: Vec<f32> = wave(1.0);
            let state = |k| -> Vec<Vec<f32>> {
                (0..cfg.state_buffers())
                    .map(|b| wave(k + b as f32).iter().map(|v| v.abs()).collect())
                    .collect()
            };
            let (mut t1, mut s1): (Vec<f32>, _) = (wave(2.0), state(5.0));
            let (mut t2, mut s2): (Vec<f32>, _) = (t1.clone(), state(5.0));
            let mut b1: Vec<&mut [f32]> = s1.iter_mut().map(|b| b.as_mut_slice()).collect();
            let mut b2: Vec<&mut [f32]> = s2.iter_mut().map(|b| b.as_mut_slice()).collect();
            kernel(&mut t1, &grad, &mut b1, &c);
            update_elements(&mut t2, &grad, &mut b2, &c);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&t1), bits(&t2), "{method} β {momentum}: θ differs");
            assert_ne!(t1, wave(2.0), "{method}: the update moved nothing");
            for (a, b) in s1.iter().zip(&s2) {
                assert_eq!(bits(a), bits(b), "{method}: state differs");
            }
        }
    }
}
