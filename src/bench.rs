//! `wdlab bench`: seconds per epoch of each variant, with the achieved GFLOP/s as a fraction
//! of this machine's sgemm rate. Timings are for benchmarks only, never asserted in tests.

use crate::nn::layer_sizes;
use crate::optim::{DecayKind, Method, OptimConfig};
use crate::progress::Progress;
use crate::train::{train, train_population, DeviceData, EpochRecord, RunConfig, Trained};
use crate::util::sys::peak_rss_mib;
use candle_core::{Device, Tensor};
use serde::Serialize;
use std::time::Instant;

/// One measured configuration.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BenchResult {
    #[serde(rename = "impl")]
    pub(crate) implementation: &'static str,
    pub(crate) method: Method,
    pub(crate) batch_size: usize,
    pub(crate) seconds_per_epoch: f64,
    pub(crate) samples_per_s: f64,
    pub(crate) gflops: f64,
    /// Achieved GFLOP/s over the sgemm rate measured in the same process.
    pub(crate) sgemm_fraction: f64,
    pub(crate) test_accuracy: f64,
    pub(crate) peak_rss_mib: Option<f64>,
}

/// Floating-point operations of one training step per sample: for each layer the forward
/// product and the weight gradient (2·in·out each), and the input gradient of every layer but
/// the first (nothing needs the gradient of the images).
pub(crate) fn flops_per_sample(sizes: &[usize]) -> f64 {
    sizes
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let mac = (w[0] * w[1]) as f64;
            if i == 0 {
                4.0 * mac
            } else {
                6.0 * mac
            }
        })
        .sum()
}

/// The best GFLOP/s of a 2048³ f32 matmul through candle (gemm) over a few repetitions.
pub(crate) fn sgemm_gflops(device: &Device) -> candle_core::Result<f64> {
    const N: usize = 2048;
    // Drawn on the host: a CUDA device then needs no cuRAND generator.
    let values = |seed: usize| (0..N * N).map(move |i| ((i * 7 + seed) % 13) as f32 - 6.0);
    let a = Tensor::from_iter(values(1), device)?.reshape((N, N))?;
    let b = Tensor::from_iter(values(5), device)?.reshape((N, N))?;
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let c = a.matmul(&b)?;
        device.synchronize()?;
        best = best.min(t.elapsed().as_secs_f64());
        drop(c);
    }
    Ok(2.0 * (N * N * N) as f64 / best / 1e9)
}

/// Trains `method` with batches of `batch_size` for `run.epochs` epochs (the first is a
/// warm-up) and reports the mean time of the training steps of the others; evaluation runs
/// once, after the last epoch, untimed.
pub(crate) fn bench_method(
    method: Method,
    batch_size: usize,
    run: &RunConfig,
    data: &DeviceData,
    sgemm: f64,
) -> anyhow::Result<BenchResult> {
    let optim = OptimConfig::new(method, method.default_lr(), 1e-4)?;
    let epochs = run.epochs();
    let run = run
        .rebuild()
        .batch_size(batch_size)
        .eval_every(epochs)
        .build()?;
    let quiet = Progress::silent();
    let trained = train(&optim, &run, data, &quiet, &mut |_: &EpochRecord| Ok(()))?;
    let timed = &trained.train_seconds[1.min(epochs - 1)..];
    let seconds = timed.iter().sum::<f64>() / timed.len() as f64;
    let n = data.train.len() as f64;
    let gflops = flops_per_sample(&layer_sizes(data.pixels, run.hidden())) * n / seconds / 1e9;
    Ok(BenchResult {
        implementation: "wdlab",
        method,
        batch_size,
        seconds_per_epoch: seconds,
        samples_per_s: n / seconds,
        gflops,
        sgemm_fraction: gflops / sgemm,
        test_accuracy: trained.records.last().map_or(f64::NAN, |r| r.test_accuracy),
        peak_rss_mib: peak_rss_mib(),
    })
}

/// Side-by-side timing of a √G × √G grid of `method` trained three ways: G single runs one at
/// a time, one population, and (with `jobs` > 1) G single runs `jobs` at a time
/// ([`crate::jobs`]) — the same
/// cells, epochs and data, evaluation once at the end in each.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PopulationBench {
    pub(crate) method: Method,
    pub(crate) cells: usize,
    pub(crate) population_seconds: f64,
    pub(crate) sequential_seconds: f64,
    /// The same two, counting the training steps only (evaluation is the same work in both).
    pub(crate) population_train_seconds: f64,
    pub(crate) sequential_train_seconds: f64,
    /// Runs side by side, and how many at a time (none measured with one job).
    pub(crate) jobs: usize,
    pub(crate) side_by_side_seconds: Option<f64>,
    /// Largest difference of final test accuracy from the runs one at a time, in points.
    pub(crate) max_accuracy_diff_points: f64,
    pub(crate) side_by_side_max_accuracy_diff_points: Option<f64>,
}

/// The grid of the population benchmark: learning rates around the method's default times
/// decays from 0 to 1e-2 (G = side²).
fn bench_grid(method: Method, side: usize) -> anyhow::Result<Vec<OptimConfig>> {
    let lr0 = method.default_lr();
    (0..side)
        .flat_map(|i| {
            let lr = lr0 * 2f64.powf(i as f64 - side as f64 / 2.0);
            (0..side).map(move |j| {
                let decay = if j == 0 {
                    0.0
                } else {
                    1e-2 / 3f64.powi((side - 1 - j) as i32)
                };
                let decay = if method.decay_kind() == DecayKind::Decoupled {
                    decay * lr.min(1.0)
                } else {
                    decay
                };
                OptimConfig::new(method, lr, decay)
            })
        })
        .collect()
}

pub(crate) fn bench_population(
    method: Method,
    side: usize,
    run: &RunConfig,
    data: &DeviceData,
    jobs: usize,
) -> anyhow::Result<PopulationBench> {
    let cells = bench_grid(method, side)?;
    let quiet = Progress::silent();
    let final_accuracy = |t: &Trained| t.records.last().map_or(f64::NAN, |r| r.test_accuracy);

    let started = Instant::now();
    let population = train_population(&cells, run, data, &quiet, &mut |_, _| Ok(()))?;
    let population_seconds = started.elapsed().as_secs_f64();
    let population_train_seconds = population
        .first()
        .map_or(0.0, |p| p.train_seconds.iter().sum());

    let started = Instant::now();
    let mut sequential = Vec::with_capacity(cells.len());
    let mut sequential_train_seconds = 0.0;
    for cell in &cells {
        let single = train(cell, run, data, &quiet, &mut |_| Ok(()));
        if let Ok(s) = &single {
            sequential_train_seconds += s.train_seconds.iter().sum::<f64>();
        }
        sequential.push(single.ok().map(|s| final_accuracy(&s)));
    }
    let sequential_seconds = started.elapsed().as_secs_f64();

    let side_by_side = if jobs > 1 {
        let started = Instant::now();
        let accuracies = crate::jobs::map_jobs(&cells, jobs, |_, cell| {
            let single = train(cell, run, data, &quiet, &mut |_| Ok(()));
            Ok(single.ok().map(|s| final_accuracy(&s)))
        })?;
        Some((started.elapsed().as_secs_f64(), accuracies))
    } else {
        None
    };

    // Diverged cells (no accuracy) are left out of the differences.
    let max_diff = |other: &mut dyn Iterator<Item = Option<f64>>| {
        sequential
            .iter()
            .zip(other)
            .filter_map(|(s, o)| Some(100.0 * (s.as_ref()? - o?).abs()))
            .fold(0f64, f64::max)
    };
    Ok(PopulationBench {
        method,
        cells: cells.len(),
        population_seconds,
        sequential_seconds,
        population_train_seconds,
        sequential_train_seconds,
        jobs,
        side_by_side_seconds: side_by_side.as_ref().map(|s| s.0),
        max_accuracy_diff_points: max_diff(
            &mut population
                .iter()
                .map(|p| p.records.last().map(|r| r.test_accuracy)),
        ),
        side_by_side_max_accuracy_diff_points: side_by_side
            .map(|(_, accuracies)| max_diff(&mut accuracies.into_iter())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flops_of_the_default_mlp_match_the_hand_count() {
        // 784-1024-10: forward 2·784·1024 + 2·1024·10 = 1,626,112, the weight gradients the
        // same again, and the input gradient of the second layer 2·1024·10 = 20,480: 3,272,704
        // per sample, 196.4 GFLOP per 60,000-image epoch.
        assert_eq!(flops_per_sample(&[784, 1024, 10]), 3_272_704.0);
    }
}
