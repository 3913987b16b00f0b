//! The training loop shared by single runs and populations: shuffled batches, a step of every
//! cell, the divergence check, and an evaluation on the evaluated epochs.

use super::data::{batch_order, Batch, DeviceData};
use super::learner::Learner;
use super::metrics::EpochRecord;
use super::RunConfig;
use crate::error::Failure;
use crate::progress::Progress;
use candle_core::{DType, Device, Tensor};
use std::time::Instant;

/// How often the loss is read back to the host to check for divergence: every step on the CPU
/// network (reading is free there), every few steps on the candle path (on a GPU each read
/// waits for the device; on the CPU the candle path reads as a GPU would).
fn loss_check_interval(run: &RunConfig, device: &Device) -> usize {
    if run.trains_on_host(device) {
        1
    } else {
        16
    }
}

/// What the loop measured: each cell's records, and the divergence that stopped a cell.
pub(crate) struct LoopOutcome {
    pub(crate) records: Vec<Vec<EpochRecord>>,
    pub(crate) diverged: Vec<Option<Failure>>,
    /// Seconds spent in the training steps of each epoch (no evaluation), for benchmarks.
    pub(crate) train_seconds: Vec<f64>,
}

/// The training loop shared by single runs and populations: shuffled batches, a step of every
/// cell, losses checked for NaN/inf (a diverged cell is recorded and left out from then on),
/// and an evaluation of every cell on the evaluated epochs, reported through
/// `on_epoch(cell, record)` as soon as it exists.
pub(crate) fn run_loop<L: Learner>(
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
    let plan = EpochPlan {
        n,
        steps_per_epoch: n.div_ceil(run.batch_size()),
        check_every: loss_check_interval(run, device),
    };
    let mut out = LoopOutcome {
        records: vec![Vec::new(); cells],
        diverged: (0..cells).map(|_| None).collect(),
        train_seconds: Vec::new(),
    };
    let mut since_record = Instant::now();
    for epoch in 1..=run.epochs() {
        let steps_started = Instant::now();
        let Some(loss_sums) =
            train_epoch(learner, run, data, progress, plan, epoch, &mut out.diverged)?
        else {
            return Ok(out);
        };
        out.train_seconds
            .push(steps_started.elapsed().as_secs_f64());
        if !run.evaluates(epoch) {
            continue;
        }
        let train_losses: Vec<f64> = loss_sums
            .iter()
            .map(|s| s / plan.steps_per_epoch as f64)
            .collect();
        let seconds = since_record.elapsed().as_secs_f64();
        record_epoch(
            learner,
            data,
            (epoch, run.epochs()),
            &train_losses,
            seconds,
            &mut out,
            on_epoch,
        )?;
        since_record = Instant::now();
    }
    Ok(out)
}

/// The shape of every epoch: training images, steps, and steps between loss read-backs.
#[derive(Debug, Clone, Copy)]
struct EpochPlan {
    n: usize,
    steps_per_epoch: usize,
    check_every: usize,
}

/// One epoch's steps of every cell over a shuffled order, losses read back and checked every
/// `plan.check_every` steps (a divergence recorded in `diverged`): each cell's summed loss, or
/// None once every cell has diverged.
fn train_epoch<L: Learner>(
    learner: &mut L,
    run: &RunConfig,
    data: &DeviceData,
    progress: &Progress,
    plan: EpochPlan,
    epoch: usize,
    diverged: &mut [Option<Failure>],
) -> anyhow::Result<Option<Vec<f64>>> {
    let EpochPlan {
        n,
        steps_per_epoch,
        check_every,
    } = plan;
    let device = &data.device;
    let cells = learner.cells();
    let order = batch_order(run.seed(), epoch, n);
    let order_tensor = Tensor::from_slice(&order, n, device)?;
    let bar = progress.epoch_bar(epoch, run.epochs(), steps_per_epoch);
    // Losses are summed on the device and read back every `check_every` steps.
    let mut pending = Tensor::zeros(cells, DType::F32, device)?;
    let mut pending_steps = 0usize;
    let mut loss_sums = vec![0f64; cells];
    for step in 0..steps_per_epoch {
        if crate::util::interrupt::requested() {
            bar.finish_and_clear();
            return Err(Failure::Interrupted.into());
        }
        let start = step * run.batch_size();
        let batch = Batch {
            set: &data.train,
            order: &order,
            order_tensor: &order_tensor,
            start,
            len: run.batch_size().min(n - start),
        };
        pending = (pending + learner.step(&batch)?)?;
        pending_steps += 1;
        if (step + 1) % check_every == 0 || step + 1 == steps_per_epoch {
            let losses = pending.to_vec1::<f32>()?;
            let read = ReadBack {
                sums: &losses,
                steps: pending_steps,
            };
            check_losses(read, epoch, step + 1, diverged, &mut loss_sums);
            pending_steps = 0;
            if diverged.iter().all(Option::is_some) {
                bar.abandon();
                return Ok(None);
            }
            pending = pending.zeros_like()?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Some(loss_sums))
}

/// A loss this far above the loss of a uniform guess over the ten classes (ln 10 ≈ 2.3, where
/// every run starts) means the weights have exploded: no run that recovers gets there, and one
/// that gets there gives test losses of 1e20 and chance accuracy.
pub(crate) const EXPLODED_LOSS: f32 = 1000.0 * std::f32::consts::LN_10;

/// Each cell's loss summed over the last `steps` steps, as read back from the device (every
/// step on the CPU network, every few on the candle path).
#[derive(Debug, Clone, Copy)]
struct ReadBack<'a> {
    sums: &'a [f32],
    steps: usize,
}

/// Adds the losses read back after `step` to each cell's sum, and marks a cell as diverged when
/// its loss is NaN or infinite or its mean per-step loss over the read-back steps is above
/// [`EXPLODED_LOSS`] (a diverged cell is left out from then on). The threshold is per step on
/// every path: a sum of 16 steps' losses against it would call a run diverged at a mean of 144.
fn check_losses(
    read: ReadBack,
    epoch: usize,
    step: usize,
    diverged: &mut [Option<Failure>],
    loss_sums: &mut [f64],
) {
    let steps = read.steps.max(1) as f32;
    for (cell, &sum) in read.sums.iter().enumerate() {
        if diverged[cell].is_some() {
            continue;
        }
        let mean = sum / steps;
        if !mean.is_finite() || mean > EXPLODED_LOSS {
            diverged[cell] = Some(Failure::Diverged {
                epoch,
                step,
                loss: mean,
            });
        }
        loss_sums[cell] += sum as f64;
    }
}

/// Evaluates every cell on the test split (and the validation split, if any) and reports the
/// epoch's record of each cell that has not diverged.
fn record_epoch<L: Learner>(
    learner: &mut L,
    data: &DeviceData,
    (epoch, epochs): (usize, usize),
    train_losses: &[f64],
    seconds: f64,
    out: &mut LoopOutcome,
    on_epoch: &mut dyn FnMut(usize, &EpochRecord) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let test = learner.evaluate(&data.test)?;
    let val = match &data.val {
        Some(v) => Some(learner.evaluate(v)?),
        None => None,
    };
    let norms = learner.weight_norms()?;
    let last = epoch == epochs;
    for cell in (0..learner.cells()).filter(|&c| out.diverged[c].is_none()) {
        let record = EpochRecord {
            epoch,
            train_loss: train_losses[cell],
            val_accuracy: val.as_ref().map(|v| v[cell].accuracy),
            test_loss: test[cell].loss,
            test_accuracy: test[cell].accuracy,
            weight_norm: norms[cell],
            seconds,
            // Kept for the last epoch only: a population's records stay small.
            test_predictions: last.then(|| test[cell].predicted.clone()),
        };
        on_epoch(cell, &record)?;
        out.records[cell].push(record);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diverged_at(sums: &[f32], steps: usize) -> Vec<Option<f32>> {
        let mut diverged: Vec<Option<Failure>> = sums.iter().map(|_| None).collect();
        let mut loss_sums = vec![0.0; sums.len()];
        check_losses(
            ReadBack { sums, steps },
            1,
            steps,
            &mut diverged,
            &mut loss_sums,
        );
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let want: Vec<f64> = sums.iter().map(|&x| x as f64).collect();
        assert_eq!(bits(&loss_sums), bits(&want), "every step's loss counts");
        diverged
            .into_iter()
            .map(|d| match d {
                Some(Failure::Diverged { loss, .. }) => Some(loss),
                _ => None,
            })
            .collect()
    }

    /// A learner whose every step returns the same loss and trains nothing: the loop's own
    /// divergence rule, with the read-back interval of the engine the run asks for.
    struct Constant(f32);

    impl Learner for Constant {
        fn cells(&self) -> usize {
            1
        }
        fn step(&mut self, _: &Batch) -> candle_core::Result<Tensor> {
            Tensor::new(&[self.0], &Device::Cpu)
        }
        fn evaluate(
            &mut self,
            set: &super::super::data::TensorSplit,
        ) -> candle_core::Result<Vec<super::super::learner::Evaluation>> {
            Ok(vec![super::super::learner::Evaluation {
                loss: self.0 as f64,
                accuracy: 0.1,
                predicted: vec![0; set.len()],
            }])
        }
        fn weight_norms(&self) -> candle_core::Result<Vec<f64>> {
            Ok(vec![1.0])
        }
    }

    /// Runs two epochs of 32 one-image steps of a learner with per-step loss `loss` on the
    /// `engine`'s path; returns the divergence, if any, as (step, loss in the message).
    fn run_constant(loss: f32, engine: super::super::Engine) -> Option<(usize, String)> {
        use crate::data::{Mnist, Split};
        let split = |n: usize| Split {
            images: vec![0.5; n * 4],
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
        };
        let mnist = Mnist {
            train: split(32),
            val: None,
            test: split(10),
            rows: 2,
            cols: 2,
            fingerprint: String::new(),
        };
        let data = DeviceData::new(&mnist, &Device::Cpu).unwrap();
        let run = RunConfig::builder()
            .epochs(2)
            .batch_size(1)
            .hidden(vec![1])
            .engine(engine)
            .build()
            .unwrap();
        let progress = Progress::silent();
        let out = run_loop(&mut Constant(loss), &run, &data, &progress, &mut |_, _| {
            Ok(())
        })
        .unwrap();
        out.diverged[0].as_ref().map(|f| match f {
            Failure::Diverged { step, .. } => (*step, f.to_string()),
            other => panic!("not a divergence: {other}"),
        })
    }

    /// The candle path (the one a GPU runs) reads the loss back every 16 steps; its rule is the
    /// CPU network's: a run whose every step has loss 200 trains on (the old rule compared the
    /// sum of 16 steps, 3200, with the per-step threshold and stopped it at step 16), and one
    /// whose every step is above the threshold stops at the first read-back with the mean
    /// per-step loss in its message, not the sum.
    #[test]
    fn the_candle_path_calls_divergence_on_the_mean_per_step_loss_as_the_cpu_path_does() {
        use super::super::Engine;
        for engine in [Engine::Candle, Engine::Auto] {
            assert_eq!(run_constant(200.0, engine), None, "{engine:?}");
            assert_eq!(run_constant(2.3, engine), None, "{engine:?}");
        }
        let high = 3000.0;
        let (step, message) = run_constant(high, Engine::Candle).expect("3000 per step diverges");
        assert_eq!(step, 16, "the candle path reads back every 16 steps");
        assert!(message.contains("loss became 3000 per step"), "{message}");
        let (step, message) = run_constant(high, Engine::Auto).expect("3000 per step diverges");
        assert_eq!(step, 1, "the CPU network reads back every step");
        assert!(message.contains("loss became 3000 per step"), "{message}");
        let (step, message) = run_constant(f32::NAN, Engine::Candle).expect("NaN diverges");
        assert_eq!(step, 16);
        assert!(message.contains("loss became NaN per step"), "{message}");
    }

    #[test]
    fn the_explosion_threshold_is_per_step_whether_losses_come_back_each_step_or_summed() {
        // The candle path reads 16 steps at once: a mean loss of 200 is far from exploded,
        // though its sum (3200) is above the per-step threshold.
        assert_eq!(diverged_at(&[16.0 * 200.0], 16), vec![None]);
        // A mean above the threshold is exploded on either path, and the message gives the
        // mean, not the sum.
        let mean = EXPLODED_LOSS * 1.5;
        assert_eq!(diverged_at(&[16.0 * mean], 16), vec![Some(mean)]);
        assert_eq!(diverged_at(&[mean], 1), vec![Some(mean)]);
        assert_eq!(diverged_at(&[200.0], 1), vec![None]);
        // NaN and infinity whatever the count.
        let d = diverged_at(&[f32::NAN, f32::INFINITY, 2.3], 16);
        assert!(d[0].unwrap().is_nan() && d[1] == Some(f32::INFINITY) && d[2].is_none());
    }
}
