//! The model and the loop on real MNIST subsets: gradients against candle's autograd, the
//! SGD+L2 = SGDW equivalence, Adam+L2 ≠ AdamW, determinism, and the host path (the CPU
//! network) against the candle path (what a GPU runs), run on the CPU — each with and without
//! LayerNorm on the hidden layers.

use candle_core::{DType, Device, Module, Tensor};
use std::path::Path;
use wdlab::data::{load_dir, LoadOptions, Mnist};
use wdlab::nn::{Mlp, Norm};
use wdlab::optim::{Hyper, Method, OptimConfig};
use wdlab::progress::Progress;
use wdlab::train::{train, train_population, DeviceData, Engine, RunConfig, Trained};

fn mnist(train_size: usize) -> Mnist {
    let opts = LoadOptions {
        val_size: 1000,
        train_size: Some(train_size),
        strict_checksums: true,
    };
    load_dir(Path::new("data/mnist"), &opts).unwrap()
}

fn run_config(epochs: usize, hidden: usize) -> RunConfig {
    RunConfig::builder()
        .epochs(epochs)
        .batch_size(64)
        .hidden(vec![hidden])
        .seed(7)
        .build()
        .unwrap()
}

/// `method` at (`lr`, `decay`) with SGD momentum `momentum` (where it takes it), a cosine
/// schedule, and biases decayed or not: the configurations the path-equality tests compare.
fn cosine(
    method: Method,
    (lr, decay): (f64, f64),
    momentum: f64,
    decay_biases: bool,
) -> OptimConfig {
    OptimConfig::builder(method)
        .lr(lr)
        .decay(decay)
        .hyper(Hyper::Momentum, momentum)
        .schedule(wdlab::optim::Schedule::Cosine)
        .decay_biases(decay_biases)
        .build()
        .unwrap()
}

fn fit(optim: &OptimConfig, run: &RunConfig, data: &DeviceData) -> Trained {
    let quiet = Progress::silent();
    train(optim, run, data, &quiet, &mut |_| Ok(())).unwrap()
}

/// Largest |a − b| over lists of tensors of the same shapes.
fn max_abs_diff(a: &[Tensor], b: &[Tensor]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            assert_eq!(x.dims(), y.dims());
            let d = (x - y).unwrap().abs().unwrap().flatten_all().unwrap();
            d.max(0).unwrap().to_scalar::<f32>().unwrap()
        })
        .fold(0.0, f32::max)
}

/// The parameters of a model as plain tensors.
fn params(m: &Mlp) -> Vec<Tensor> {
    m.vars().iter().map(|v| v.as_tensor().clone()).collect()
}

/// Largest |θ₁ − θ₂| over all parameters of two models of the same shape.
fn max_param_diff(a: &Mlp, b: &Mlp) -> f32 {
    max_abs_diff(&params(a), &params(b))
}

#[test]
fn hand_written_backward_matches_candle_autograd() {
    for norm in Norm::ALL {
        backward_matches_autograd(norm);
    }
}

fn backward_matches_autograd(norm: Norm) {
    let dev = Device::Cpu;
    let model = Mlp::with_norm(&[20, 16, 12, 10], norm, 3, &dev).unwrap();
    // Gains and shifts away from 1 and 0, so their gradients and their effect are exercised.
    for (i, n) in model.norms.iter().enumerate() {
        let h = n.gain.dim(0).unwrap();
        let ramp = Tensor::arange(0f32, h as f32, &dev).unwrap();
        n.gain
            .set(&ramp.affine(0.1, 0.5 + i as f64).unwrap())
            .unwrap();
        n.shift.set(&ramp.affine(0.05, -0.2).unwrap()).unwrap();
    }
    let x = Tensor::randn(0f32, 1.0, (9, 20), &dev).unwrap();
    let labels = Tensor::new(&[0u32, 1, 2, 3, 4, 5, 6, 7, 9], &dev).unwrap();
    let y = candle_nn::encoding::one_hot(labels.clone(), 10, 1f32, 0f32).unwrap();
    let ours = model.loss_and_grads(&x, &y).unwrap();
    let loss = candle_nn::loss::cross_entropy(&model.forward(&x).unwrap(), &labels).unwrap();
    let store = loss.backward().unwrap();
    let diff = (ours.loss.clone() - &loss)
        .unwrap()
        .abs()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(diff < 1e-6, "{norm:?}: loss differs by {diff}");
    let expected = if norm == Norm::Layer { 10 } else { 6 };
    assert_eq!(
        ours.grads.len(),
        expected,
        "{norm:?}: one gradient per parameter"
    );
    for (var, grad) in model.vars().iter().zip(&ours.grads) {
        let reference = store.get(var).expect("autograd reaches every parameter");
        assert_eq!(reference.dims(), grad.dims());
        let err = (reference - grad)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap();
        let err = err
            .to_dtype(DType::F32)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(
            err < 1e-6,
            "{norm:?}: gradient of a {:?} parameter differs by {err}",
            var.dims()
        );
    }
}

#[test]
fn sgd_with_l2_equals_sgdw_with_lambda_prime_alpha_lambda_but_adam_does_not() {
    let data = DeviceData::new(&mnist(1000), &Device::Cpu).unwrap();
    let (alpha, lambda) = (0.1, 1e-2);
    // 48 steps of SGD + L2 (α, λ) and of SGDW (α, λ' = αλ) from the same weights and batches,
    // with and without LayerNorm (its gain and shift are decayed like the weights).
    let mut plain_diff = 0.0;
    for norm in Norm::ALL {
        let run = run_config(3, 64).rebuild().norm(norm).build().unwrap();
        let sgd = fit(
            &OptimConfig::new(Method::Sgd, alpha, lambda).unwrap(),
            &run,
            &data,
        );
        let sgdw = fit(
            &OptimConfig::new(Method::Sgdw, alpha, alpha * lambda).unwrap(),
            &run,
            &data,
        );
        let same = max_param_diff(&sgd.model, &sgdw.model);
        assert!(
            same < 1e-5,
            "{norm:?}: SGD+L2 and SGDW parameters differ by {same}"
        );
        for (a, b) in sgd.records.iter().zip(&sgdw.records) {
            assert!((a.train_loss - b.train_loss).abs() <= 1e-5 * a.train_loss);
            assert!((a.test_accuracy - b.test_accuracy).abs() <= 0.0005);
        }
        if norm.is_none() {
            plain_diff = same;
        }
    }
    // Adam + L2 (α, λ) against AdamW (α, λ' = αλ): the L2 gradient is divided by √v̂, the
    // decoupled decay is not, so the parameters part ways.
    let alpha = 1e-3;
    let run = run_config(3, 64);
    let adam = fit(
        &OptimConfig::new(Method::Adam, alpha, lambda).unwrap(),
        &run,
        &data,
    );
    let adamw = fit(
        &OptimConfig::new(Method::Adamw, alpha, alpha * lambda).unwrap(),
        &run,
        &data,
    );
    let apart = max_param_diff(&adam.model, &adamw.model);
    assert!(
        apart > 100.0 * plain_diff.max(1e-7),
        "Adam+L2 and AdamW differ by only {apart}"
    );
    assert!(apart > 1e-3, "Adam+L2 and AdamW differ by only {apart}");
}

#[test]
fn same_seed_gives_identical_records_and_another_seed_does_not() {
    let data = DeviceData::new(&mnist(600), &Device::Cpu).unwrap();
    let optim = OptimConfig::new(Method::Adamw, 1e-3, 1e-3).unwrap();
    let run = run_config(2, 32);
    let strip = |t: Trained| {
        t.records
            .into_iter()
            .map(|r| {
                (
                    r.train_loss,
                    r.val_accuracy,
                    r.test_loss,
                    r.test_accuracy,
                    r.weight_norm,
                )
            })
            .collect::<Vec<_>>()
    };
    let a = strip(fit(&optim, &run, &data));
    let b = strip(fit(&optim, &run, &data));
    assert_eq!(a, b);
    let other = strip(fit(&optim, &run.rebuild().seed(8).build().unwrap(), &data));
    assert_ne!(a, other);
}

#[test]
fn weight_decay_pulls_the_weight_norm_toward_the_origin() {
    let data = DeviceData::new(&mnist(500), &Device::Cpu).unwrap();
    let run = run_config(3, 32);
    let norm = |wd: f64| {
        fit(
            &OptimConfig::new(Method::Sgdw, 0.1, wd).unwrap(),
            &run,
            &data,
        )
        .records
        .last()
        .unwrap()
        .weight_norm
    };
    let (none, small, large) = (norm(0.0), norm(1e-3), norm(1e-2));
    assert!(none > small && small > large, "‖θ‖: {none} {small} {large}");
}

#[test]
fn a_population_matches_single_runs_of_its_cells() {
    let data = DeviceData::new(&mnist(640), &Device::Cpu).unwrap();
    let run = run_config(2, 48)
        .rebuild()
        .hidden(vec![48, 24])
        .build()
        .unwrap();
    let quiet = Progress::silent();
    for (method, lrs, decays) in [
        (Method::Adamw, [1e-3, 3e-3], [0.0, 1e-2]),
        (Method::Sgd, [0.05, 0.1], [0.0, 1e-2]),
    ] {
        let cells: Vec<OptimConfig> = lrs
            .iter()
            .flat_map(|&lr| {
                decays
                    .iter()
                    .map(move |&d| OptimConfig::new(method, lr, d).unwrap())
            })
            .collect();
        let mut seen = vec![0; cells.len()];
        let population = train_population(&cells, &run, &data, &quiet, &mut |g, _| {
            seen[g] += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![2; cells.len()], "every cell reports every epoch");
        for (cell, outcome) in cells.iter().zip(&population) {
            let single = fit(cell, &run, &data);
            assert!(outcome.diverged.is_none());
            let diff = max_abs_diff(&params(&single.model), &outcome.params);
            assert!(
                diff < 1e-4,
                "{method} α {} decay {}: parameters differ by {diff}",
                cell.lr(),
                cell.decay()
            );
            for (a, b) in single.records.iter().zip(&outcome.records) {
                assert!(
                    (a.train_loss - b.train_loss).abs() < 1e-4,
                    "{} vs {}",
                    a.train_loss,
                    b.train_loss
                );
                assert!((a.test_accuracy - b.test_accuracy).abs() <= 0.002);
                assert!((a.weight_norm - b.weight_norm).abs() < 1e-3 * a.weight_norm);
            }
        }
    }
}

#[test]
fn a_diverging_cell_does_not_stop_the_population() {
    let data = DeviceData::new(&mnist(256), &Device::Cpu).unwrap();
    let quiet = Progress::silent();
    let cells = [
        OptimConfig::new(Method::Adam, 1e-3, 0.0).unwrap(),
        OptimConfig::new(Method::Adam, 1e20, 0.0).unwrap(),
    ];
    let out = train_population(
        &cells,
        &run_config(2, 16),
        &data,
        &quiet,
        &mut |_, _| Ok(()),
    )
    .unwrap();
    assert!(out[0].diverged.is_none() && out[0].records.len() == 2);
    assert!(matches!(
        out[1].diverged,
        Some(wdlab::error::Failure::Diverged { epoch: 1, .. })
    ));
    assert!(out[1].records.is_empty());
}

/// The CPU training path (host buffers, gemm called directly, SGD folded into the gradient's
/// gemm) against the candle path (`Mlp::loss_and_grads` + `WdOptimizer`, what CUDA runs) on
/// the same MNIST batches: every method, momentum, an exempt bias, two hidden layers (so the
/// input gradient and the ReLU mask of a later layer are exercised), and a population of three
/// cells with their own α and λ against three single candle runs.
#[test]
fn the_cpu_path_matches_the_candle_path_for_every_method() {
    use wdlab::nn::CpuNet;
    use wdlab::optim::{UpdateKernel, WdOptimizer};
    let mnist = mnist(160);
    let sizes = [784, 40, 24, 10];
    let (batch, steps) = (32, 5);
    let dev = Device::Cpu;
    let cases = [
        (Method::Sgd, 0.0, [(0.1, 1e-2), (0.3, 0.0), (0.05, 3e-2)]),
        (Method::Sgd, 0.9, [(0.1, 1e-2), (0.3, 0.0), (0.05, 3e-2)]),
        (Method::Sgdw, 0.0, [(0.1, 1e-3), (0.3, 0.0), (0.05, 1e-2)]),
        (Method::Adam, 0.0, [(1e-3, 1e-2), (3e-3, 0.0), (2e-3, 1e-1)]),
        (
            Method::Adamw,
            0.0,
            [(1e-3, 1e-2), (3e-3, 0.0), (2e-3, 1e-1)],
        ),
    ];
    for (norm, (method, momentum, settings)) in Norm::ALL
        .into_iter()
        .flat_map(|n| cases.iter().map(move |&c| (n, c)))
    {
        let cells: Vec<OptimConfig> = settings
            .iter()
            .map(|&(lr, decay)| cosine(method, (lr, decay), momentum, method != Method::Adamw))
            .collect();
        let total = steps as u64;
        let base = Mlp::with_norm(&sizes, norm, 3, &dev).unwrap();
        let mut population = CpuNet::new(&base, &cells, total, batch).unwrap();
        for (g, cell) in cells.iter().enumerate() {
            let reference = Mlp::with_norm(&sizes, norm, 3, &dev).unwrap();
            let kernel = UpdateKernel::TensorOps;
            let mut opt =
                WdOptimizer::with_kernel(reference.params(), cell.clone(), total, kernel).unwrap();
            let mut single = CpuNet::new(&base, std::slice::from_ref(cell), total, batch).unwrap();
            for step in 0..steps {
                let rows = step * batch..(step + 1) * batch;
                let x = &mnist.train.images[rows.start * 784..rows.end * 784];
                let labels: Vec<u32> = mnist.train.labels[rows.clone()]
                    .iter()
                    .map(|&l| l as u32)
                    .collect();
                let mut one_hot = vec![0f32; batch * 10];
                for (r, &l) in labels.iter().enumerate() {
                    one_hot[r * 10 + l as usize] = 1.0;
                }
                let xt = Tensor::from_slice(x, (batch, 784), &dev).unwrap();
                let yt = Tensor::from_vec(one_hot, (batch, 10), &dev).unwrap();
                let out = reference.loss_and_grads(&xt, &yt).unwrap();
                opt.step_with(&out.grads).unwrap();
                let want = out.loss.to_scalar::<f32>().unwrap();
                let got = single.step_host(x, &labels).unwrap();
                assert!(
                    (got[0] - want).abs() < 1e-5,
                    "{method} {norm:?} step {step}: loss {got:?} vs {want}"
                );
                if g == 0 {
                    let all = population.step_host(x, &labels).unwrap();
                    assert_eq!(all.len(), 3);
                }
            }
            // Measured: at most 1.2e-7 apart, except Adam with LayerNorm at α 3e-3: 6e-6 in
            // the first weight, where gradients that nearly cancel are of the order of ε and
            // Adam's step g/(√v̂ + ε) turns their rounding into a step (every other parameter
            // agrees to 1e-7, and the gradients match autograd to 1e-6).
            let tol = if norm == Norm::Layer && matches!(method, Method::Adam | Method::Adamw) {
                1e-5
            } else {
                2e-6
            };
            let diff = max_abs_diff(&params(&reference), &single.cell_params(0).unwrap());
            assert!(
                diff < tol,
                "{method} β {momentum} {norm:?} cell {g}: single differs by {diff}"
            );
            let diff = max_abs_diff(&params(&reference), &population.cell_params(g).unwrap());
            assert!(
                diff < tol,
                "{method} β {momentum} {norm:?} cell {g}: population differs by {diff}"
            );
            // The step moved the weights: the comparison is not between two untouched copies.
            assert!(max_abs_diff(&params(&base), &params(&reference)) > 1e-3);
        }
    }
}

/// Training through the candle path on the CPU (`Engine::Candle`: `Mlp::loss_and_grads`, the
/// tensor-op optimiser update, `train::evaluate` — the code a GPU runs) against the host path
/// (the CPU network) for every method, over two epochs of real batches with a cosine schedule
/// and exempt biases: every parameter, and every evaluated record.
#[test]
fn a_run_on_the_candle_path_matches_the_host_path_for_every_method() {
    let data = DeviceData::new(&mnist(320), &Device::Cpu).unwrap();
    for norm in Norm::ALL {
        let host = run_config(2, 32)
            .rebuild()
            .hidden(vec![32, 16])
            .norm(norm)
            .build()
            .unwrap();
        a_run_matches(&data, &host);
    }
}

fn a_run_matches(data: &DeviceData, host: &RunConfig) {
    let candle = host.rebuild().engine(Engine::Candle).build().unwrap();
    let norm = host.norm();
    for (method, lr, decay, momentum) in [
        (Method::Sgd, 0.1, 1e-2, 0.0),
        (Method::Sgd, 0.05, 1e-2, 0.9),
        (Method::Sgdw, 0.1, 1e-3, 0.0),
        (Method::Adam, 2e-3, 1e-2, 0.0),
        (Method::Adamw, 2e-3, 1e-2, 0.0),
    ] {
        let optim = cosine(method, (lr, decay), momentum, method != Method::Adamw);
        let (a, b) = (fit(&optim, host, data), fit(&optim, &candle, data));
        let diff = max_param_diff(&a.model, &b.model);
        // Measured: at most 8e-8 apart; a 1 % error in the decay moves them by 1.4e-5.
        assert!(
            diff < 2e-6,
            "{method} β {momentum} {norm:?}: parameters differ by {diff}"
        );
        assert_eq!(a.records.len(), 2);
        for (x, y) in a.records.iter().zip(&b.records) {
            assert!((x.train_loss - y.train_loss).abs() < 1e-5, "{x:?} vs {y:?}");
            assert!((x.test_loss - y.test_loss).abs() < 1e-5, "{x:?} vs {y:?}");
            assert!(
                (x.test_accuracy - y.test_accuracy).abs() <= 0.001,
                "{x:?} vs {y:?}"
            );
            assert!((x.weight_norm - y.weight_norm).abs() < 1e-5 * x.weight_norm);
        }
    }
}

/// A population trained through the candle path on the CPU (`PopulationMlp`, the per-cell
/// tensor-op update, its batched evaluation — what a GPU sweep runs) against the host path
/// (the CPU network's population), cell by cell: every parameter and every record.
#[test]
fn a_population_on_the_candle_path_matches_the_host_path() {
    let data = DeviceData::new(&mnist(320), &Device::Cpu).unwrap();
    for norm in Norm::ALL {
        let host = run_config(2, 24)
            .rebuild()
            .hidden(vec![24, 12])
            .norm(norm)
            .build()
            .unwrap();
        a_population_matches(&data, &host);
    }
}

fn a_population_matches(data: &DeviceData, host: &RunConfig) {
    let candle = host.rebuild().engine(Engine::Candle).build().unwrap();
    let norm = host.norm();
    let quiet = Progress::silent();
    for (method, momentum, cells) in [
        (Method::Sgd, 0.9, [(0.05, 0.0), (0.1, 1e-2), (0.2, 3e-3)]),
        (Method::Sgdw, 0.0, [(0.05, 0.0), (0.1, 1e-3), (0.2, 3e-3)]),
        (Method::Adam, 0.0, [(1e-3, 0.0), (2e-3, 1e-2), (4e-3, 1e-3)]),
        (
            Method::Adamw,
            0.0,
            [(1e-3, 0.0), (2e-3, 1e-2), (4e-3, 1e-3)],
        ),
    ] {
        let cells: Vec<OptimConfig> = cells
            .iter()
            .map(|&(lr, decay)| {
                cosine(
                    method,
                    (lr, decay),
                    momentum,
                    matches!(method, Method::Adam | Method::Adamw),
                )
            })
            .collect();
        let on = |run: &RunConfig| {
            train_population(&cells, run, data, &quiet, &mut |_, _| Ok(())).unwrap()
        };
        let (a, b) = (on(host), on(&candle));
        for (g, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(x.diverged.is_none() && y.diverged.is_none());
            let diff = max_abs_diff(&x.params, &y.params);
            // Measured: at most 7e-7 apart; a 1 % error in one cell's decay: 1.6e-5.
            assert!(
                diff < 2e-6,
                "{method} {norm:?} cell {g}: parameters differ by {diff}"
            );
            assert_eq!(x.records.len(), y.records.len());
            for (r, s) in x.records.iter().zip(&y.records) {
                assert!((r.train_loss - s.train_loss).abs() < 1e-5, "{r:?} vs {s:?}");
                assert!(
                    (r.test_accuracy - s.test_accuracy).abs() <= 0.001,
                    "{r:?} vs {s:?}"
                );
                assert!((r.weight_norm - s.weight_norm).abs() < 1e-5 * r.weight_norm);
            }
        }
    }
}

#[test]
fn a_run_gives_the_same_bits_on_one_thread_and_on_three() {
    // `--jobs N` trains each run on a pool of cores/N threads; its results must not depend on
    // N. Batch 512 × 1024 hidden units makes every product split over the pool's threads and
    // the element-wise passes (≥ 2^18 elements) run in parallel too.
    let data = DeviceData::new(&mnist(1024), &Device::Cpu).unwrap();
    let run = run_config(2, 1024)
        .rebuild()
        .batch_size(512)
        .build()
        .unwrap();
    let normed = run.clone().rebuild().norm(Norm::Layer).build().unwrap();
    for (optim, run) in [
        (OptimConfig::new(Method::Sgd, 0.1, 1e-3).unwrap(), &run),
        (OptimConfig::new(Method::Adamw, 1e-3, 1e-2).unwrap(), &run),
        (
            OptimConfig::new(Method::Adamw, 1e-3, 1e-2).unwrap(),
            &normed,
        ),
    ] {
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| fit(&optim, run, &data))
        };
        let (one, three) = (on(1), on(3));
        assert_eq!(max_param_diff(&one.model, &three.model), 0.0, "{optim:?}");
        let losses = |t: &Trained| t.records.iter().map(|r| r.train_loss).collect::<Vec<_>>();
        assert_eq!(losses(&one), losses(&three), "{optim:?}");
    }
}
