//! Golden tests: five steps of each variant on a fixed quadratic, against float64 values from
//! scripts/golden_optim.py (torch.optim where it has the rule — SGD(weight_decay) is sgd + L2,
//! Adam(weight_decay) is adam + L2, AdamW is adamw with lr scaling — and a numpy transcription
//! of Loshchilov & Hutter Alg. 1 and 2 where it has not; the script checks the two agree; for
//! Lion + L2 and LionW, Chen et al. 2023 Alg. 1 in plain Python checked against lion-pytorch's
//! update_fn, transcribed, and lion-pytorch itself where installed).
//! Its output is kept in scripts/golden_optim.out.
//!
//! Problem: θ0 = [0.5, −1, 2], R(θ) = ½Σ aᵢ(θᵢ − cᵢ)², a = [1, 3, 0.5], c = [1, 2, −1].

// The golden values keep the 17 significant digits the script printed.
#![allow(clippy::excessive_precision)]

use super::*;
use candle_core::{DType, Device, Tensor, Var};

const THETA0: [f64; 3] = [0.5, -1.0, 2.0];
const A: [f64; 3] = [1.0, 3.0, 0.5];
const C: [f64; 3] = [1.0, 2.0, -1.0];

/// θ after each of `steps` steps of `cfg` on R, with parameters of `dtype` on the CPU
/// (f32 takes the fused kernel, f64 the tensor-op path).
fn run(cfg: &OptimConfig, steps: usize, dtype: DType) -> Vec<[f64; 3]> {
    let kernel = match dtype {
        DType::F32 => UpdateKernel::Fused,
        _ => UpdateKernel::TensorOps,
    };
    run_with(cfg, steps, dtype, kernel)
}

/// [`run`] with the update kernel chosen.
fn run_with(cfg: &OptimConfig, steps: usize, dtype: DType, kernel: UpdateKernel) -> Vec<[f64; 3]> {
    let dev = Device::Cpu;
    let var =
        Var::from_tensor(&Tensor::new(&THETA0, &dev).unwrap().to_dtype(dtype).unwrap()).unwrap();
    let a = Tensor::new(&A, &dev).unwrap().to_dtype(dtype).unwrap();
    let c = Tensor::new(&C, &dev).unwrap().to_dtype(dtype).unwrap();
    let params = vec![(var.clone(), ParamKind::Weight)];
    let mut opt = WdOptimizer::with_kernel(params, cfg.clone(), steps as u64, kernel).unwrap();
    (0..steps)
        .map(|_| {
            let grad = ((var.as_tensor() - &c).unwrap() * &a).unwrap();
            opt.step_with(&[grad]).unwrap();
            let v: Vec<f64> = var.to_dtype(DType::F64).unwrap().to_vec1().unwrap();
            [v[0], v[1], v[2]]
        })
        .collect()
}

fn assert_path(name: &str, got: &[[f64; 3]], want: &[[f64; 3]], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (step, (g, w)) in got.iter().zip(want).enumerate() {
        for i in 0..3 {
            assert!(
                (g[i] - w[i]).abs() <= tol * w[i].abs().max(1.0),
                "{name} step {}: θ[{i}] = {} but the reference says {} (all: {g:?} vs {w:?})",
                step + 1,
                g[i],
                w[i]
            );
        }
    }
}

/// Checks a configuration on every update path: the f32 fused kernel and the f32 tensor ops
/// (what CUDA runs) to f32 precision, and the f64 tensor ops to f64 precision.
fn check(name: &str, cfg: &OptimConfig, want: &[[f64; 3]]) {
    assert_path(
        &format!("{name} (f32 fused)"),
        &run(cfg, want.len(), DType::F32),
        want,
        2e-6,
    );
    assert_path(
        &format!("{name} (f32 tensor ops)"),
        &run_with(cfg, want.len(), DType::F32, UpdateKernel::TensorOps),
        want,
        2e-6,
    );
    assert_path(
        &format!("{name} (f64 tensor ops)"),
        &run(cfg, want.len(), DType::F64),
        want,
        1e-12,
    );
}

// sgd_l2: torch SGD lr=0.1, weight_decay=0.01
const SGD_L2: [[f64; 3]; 5] = [
    [
        0.54949999999999999,
        -0.098999999999999977,
        1.8480000000000001,
    ],
    [0.59400050000000004, 0.53079900000000013, 1.7037520000000002],
    [0.63400644950000007, 0.97102850100000015, 1.5668606480000002],
    [0.66997179810050012, 1.278748922199, 1.4369507549520002],
    [0.70230464649234958, 1.4938454966171011, 1.3136662664494483],
];
// sgd_l2_momentum: torch SGD lr=0.1, momentum=0.9, weight_decay=0.01
const SGD_L2_MOMENTUM: [[f64; 3]; 5] = [
    [
        0.54949999999999999,
        -0.098999999999999977,
        1.8480000000000001,
    ],
    [0.63855050000000002, 1.3416990000000002, 1.5669520000000001],
    [0.75420234949999998, 2.8344767010000003, 1.1840942480000001],
    [0.88211457675049998, 3.9247991448990005, 0.72913346455200001],
    [1.0081420090241495, 4.3247248017935016, 0.23248295275664785],
];
// adam_l2: torch Adam lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01
const ADAM_L2: [[f64; 3]; 5] = [
    [0.59999999797979797, -0.9000000001109878, 1.9000000006578948],
    [
        0.69877221893140207,
        -0.80010297158310706,
        1.8001034921655028,
    ],
    [
        0.79494942810896396,
        -0.70038251796657902,
        1.7003844750119921,
    ],
    [
        0.88657335355653699,
        -0.60091594418270544,
        1.6009206911183271,
    ],
    [
        0.97101920996813806,
        -0.50178421937283202,
        1.5017935880967264,
    ],
];
// adamw_torch: torch AdamW lr=0.1, weight_decay=0.01 (= L-H Alg. 2 with λ' = 0.001)
const ADAMW_TORCH: [[f64; 3]; 5] = [
    [
        0.59949999799999998,
        -0.89900000011111114,
        1.8980000006666666,
    ],
    [
        0.69772294746720465,
        -0.79820489919508764,
        1.7962070955723046,
    ],
    [
        0.79337865846005196,
        -0.69768863949859361,
        1.6946961390593138,
    ],
    [0.8846378965556394, -0.59752871920369555, 1.5935456348077404],
    [0.9690609019724199, -0.49780613831657833, 1.4928376862771733],
];
// sgdw_paper_momentum: L-H Alg. 1, lr=0.1, β=0.9, λ'=0.001 (numpy)
const SGDW_PAPER_MOMENTUM: [[f64; 3]; 5] = [
    [
        0.5495000000000001,
        -0.098999999999999977,
        1.8480000000000001,
    ],
    [0.63900050000000008, 1.3407990000000003, 1.5687519999999999],
    [0.75550644950000012, 2.8329485010000006, 1.1890856479999998],
    [0.88463075310050021, 3.9243722721990002, 0.73815443995199981],
    [1.0121748760823497, 4.3279672659971009, 0.24574065335444772],
];

#[test]
fn sgd_with_l2_matches_torch_sgd_weight_decay() {
    check(
        "sgd + L2",
        &OptimConfig::new(Method::Sgd, 0.1, 0.01).unwrap(),
        &SGD_L2,
    );
    let momentum = OptimConfig::builder(Method::Sgd)
        .lr(0.1)
        .decay(0.01)
        .hyper(Hyper::Momentum, 0.9)
        .build()
        .unwrap();
    check("sgd + L2, momentum 0.9", &momentum, &SGD_L2_MOMENTUM);
}

#[test]
fn sgdw_matches_loshchilov_hutter_algorithm_1() {
    // With β = 0, SGDW with λ' = αλ is SGD + L2 with λ (Hanson & Pratt): the same golden path.
    check(
        "sgdw, λ' = 0.001",
        &OptimConfig::new(Method::Sgdw, 0.1, 0.001).unwrap(),
        &SGD_L2,
    );
    let momentum = OptimConfig::builder(Method::Sgdw)
        .lr(0.1)
        .decay(0.001)
        .hyper(Hyper::Momentum, 0.9)
        .build()
        .unwrap();
    check("sgdw, momentum 0.9", &momentum, &SGDW_PAPER_MOMENTUM);
}

#[test]
fn adam_with_l2_matches_torch_adam_weight_decay() {
    check(
        "adam + L2",
        &OptimConfig::new(Method::Adam, 0.1, 0.01).unwrap(),
        &ADAM_L2,
    );
}

#[test]
fn adamw_matches_torch_adamw_in_both_conventions() {
    // Paper convention: λ' = 0.001 per step is torch's lr · weight_decay = 0.1 · 0.01.
    check(
        "adamw paper, λ' = 0.001",
        &OptimConfig::new(Method::Adamw, 0.1, 0.001).unwrap(),
        &ADAMW_TORCH,
    );
    let lr_scaled = OptimConfig::builder(Method::Adamw)
        .lr(0.1)
        .decay(0.01)
        .wd_scaling(WdScaling::Lr)
        .build()
        .unwrap();
    check("adamw --wd-scaling lr, wd = 0.01", &lr_scaled, &ADAMW_TORCH);
}

// lion_l2: Chen et al. 2023 Alg. 1, lr=0.1, betas=(0.9, 0.99), λ=2 (g ← g + λθ before the sign;
// λ = 2 flips the first coordinate's sign at θ0, so the path differs from plain Lion's)
const LION_L2: [[f64; 3]; 5] = [
    [
        0.40000000000000002,
        -0.90000000000000002,
        1.8999999999999999,
    ],
    [
        0.30000000000000004,
        -0.80000000000000004,
        1.7999999999999998,
    ],
    [
        0.40000000000000002,
        -0.70000000000000007,
        1.6999999999999997,
    ],
    [
        0.30000000000000004,
        -0.60000000000000009,
        1.5999999999999996,
    ],
    [
        0.40000000000000002,
        -0.50000000000000011,
        1.4999999999999996,
    ],
];
// lionw_paper: Chen et al. 2023 Alg. 1, lr=0.1, betas=(0.9, 0.99), λ'=0.001
const LIONW_PAPER: [[f64; 3]; 5] = [
    [
        0.59950000000000003,
        -0.89900000000000002,
        1.8979999999999999,
    ],
    [
        0.69890050000000004,
        -0.79810100000000006,
        1.7961019999999999,
    ],
    [
        0.79820159950000003,
        -0.69730289900000009,
        1.6943058979999999,
    ],
    [
        0.89740339790050005,
        -0.59660559610100006,
        1.5926115921019999,
    ],
    [
        0.99650599450259958,
        -0.49600899050489905,
        1.4910189805098979,
    ],
];
// lionw_torch: lion-pytorch 0.2.5 update_fn, lr=0.1, weight_decay=0.01 (θ shrinks by 0.001)
const LIONW_TORCH: [[f64; 3]; 5] = [
    [
        0.59950000000000003,
        -0.89900000000000002,
        1.8979999999999999,
    ],
    [
        0.69890050000000004,
        -0.79810100000000006,
        1.7961019999999999,
    ],
    [
        0.79820159950000003,
        -0.69730289900000009,
        1.6943058979999999,
    ],
    [
        0.89740339790050005,
        -0.59660559610100006,
        1.5926115921019999,
    ],
    [
        0.99650599450259958,
        -0.49600899050489911,
        1.4910189805098977,
    ],
];

#[test]
fn lion_with_l2_matches_the_paper_with_the_penalty_in_the_gradient() {
    let cfg = OptimConfig::new(Method::Lion, 0.1, 2.0).unwrap();
    assert_eq!(
        (cfg.hyper(Hyper::Beta1), cfg.hyper(Hyper::Beta2)),
        (0.9, 0.99),
        "Lion's own betas, not Adam's"
    );
    check("lion + L2, λ = 2", &cfg, &LION_L2);
    // Without the penalty the first coordinate never turns back: the L2 term is what flips it.
    let plain = run(
        &OptimConfig::new(Method::Lion, 0.1, 0.0).unwrap(),
        5,
        DType::F64,
    );
    assert!((plain[2][0] - 0.8).abs() < 1e-12, "{:?}", plain[2]);
    assert!((LION_L2[2][0] - 0.4).abs() < 1e-12);
}

#[test]
fn lionw_matches_the_paper_and_lion_pytorch_in_both_conventions() {
    // Paper convention: λ' = 0.001 per step is lion-pytorch's lr · weight_decay = 0.1 · 0.01.
    check(
        "lionw paper, λ' = 0.001",
        &OptimConfig::new(Method::Lionw, 0.1, 0.001).unwrap(),
        &LIONW_PAPER,
    );
    let lr_scaled = OptimConfig::builder(Method::Lionw)
        .lr(0.1)
        .decay(0.01)
        .wd_scaling(WdScaling::Lr)
        .build()
        .unwrap();
    check("lionw --wd-scaling lr, wd = 0.01", &lr_scaled, &LIONW_TORCH);
}

#[test]
fn the_two_conventions_differ_when_the_learning_rate_is_not_one() {
    // By hand, first step of AdamW from θ0[0] = 0.5 (g = 1·(0.5 − 1) = −0.5):
    // m̂ = −0.5, √v̂ = 0.5, direction = −0.5/(0.5 + 1e-8) = −0.99999998.
    // paper, λ' = 0.01: 0.5 − (0.1·(−0.99999998) + 0.01·0.5) = 0.594999998
    // lr,    λ' = 0.01: 0.5 − (0.1·(−0.99999998) + 0.1·0.01·0.5) = 0.599499998
    let paper = run(
        &OptimConfig::new(Method::Adamw, 0.1, 0.01).unwrap(),
        1,
        DType::F64,
    );
    let lr = run(
        &OptimConfig::builder(Method::Adamw)
            .lr(0.1)
            .decay(0.01)
            .wd_scaling(WdScaling::Lr)
            .build()
            .unwrap(),
        1,
        DType::F64,
    );
    assert!((paper[0][0] - 0.594999998).abs() < 1e-12, "{}", paper[0][0]);
    assert!((lr[0][0] - 0.599499998).abs() < 1e-12, "{}", lr[0][0]);
}

#[test]
fn cosine_schedule_scales_the_step_and_the_decoupled_decay() {
    // Two steps of SGDW, cosine over T = 2: η_0 = 1, η_1 = ½(1 + cos(π/2)) = 0.5.
    // θ0[0] = 0.5, g0 = −0.5: θ1 = 0.5 − 0.1·(−0.5) − 1·0.01·0.5 = 0.545
    // g1 = 0.545 − 1 = −0.455: θ2 = 0.545 + 0.02275 − 0.002725 = 0.565025
    let cfg = OptimConfig::builder(Method::Sgdw)
        .lr(0.1)
        .decay(0.01)
        .schedule(Schedule::Cosine)
        .build()
        .unwrap();
    let path = run(&cfg, 2, DType::F64);
    assert!((path[0][0] - 0.545).abs() < 1e-12, "{}", path[0][0]);
    assert!((path[1][0] - 0.565025).abs() < 1e-12, "{}", path[1][0]);
}

#[test]
fn fused_kernel_and_tensor_ops_agree_on_every_variant() {
    for method in Method::ALL {
        for momentum in [0.0, 0.9] {
            let cfg = OptimConfig::builder(method)
                .lr(0.05)
                .decay(0.02)
                .hyper(
                    Hyper::Momentum,
                    if method.takes(Hyper::Momentum) {
                        momentum
                    } else {
                        0.0
                    },
                )
                .schedule(Schedule::Cosine)
                .build()
                .unwrap();
            let fused = run(&cfg, 20, DType::F32);
            let tensor = run(&cfg, 20, DType::F64);
            assert_path(&format!("{method} fused vs tensor"), &fused, &tensor, 1e-5);
        }
    }
}

#[test]
fn biases_can_be_exempt_from_decay() {
    let cfg = OptimConfig::builder(Method::Sgdw)
        .lr(0.1)
        .decay(0.5)
        .decay_biases(false)
        .build()
        .unwrap();
    // A parameter marked as a bias must not move at all with a zero gradient; one of the same
    // shape marked as a weight decays.
    let bias = Var::from_tensor(&Tensor::new(&[1f32, -2.0], &Device::Cpu).unwrap()).unwrap();
    let weight = Var::from_tensor(&Tensor::new(&[1f32, -2.0], &Device::Cpu).unwrap()).unwrap();
    let params = vec![
        (bias.clone(), ParamKind::Bias),
        (weight.clone(), ParamKind::Weight),
    ];
    let mut opt = WdOptimizer::new(params, cfg, 1).unwrap();
    opt.step_with(&[bias.zeros_like().unwrap(), weight.zeros_like().unwrap()])
        .unwrap();
    assert_eq!(bias.to_vec1::<f32>().unwrap(), vec![1.0, -2.0]);
    // The weight decays by λ' = 0.5: θ(1 − 0.5).
    assert_eq!(weight.to_vec1::<f32>().unwrap(), vec![0.5, -1.0]);
}

#[test]
fn candle_optimizer_trait_steps_from_autograd_gradients() {
    use candle_nn::Optimizer;
    let var = Var::from_tensor(&Tensor::new(&THETA0, &Device::Cpu).unwrap()).unwrap();
    let a = Tensor::new(&A, &Device::Cpu).unwrap();
    let c = Tensor::new(&C, &Device::Cpu).unwrap();
    let mut opt = <WdOptimizer as Optimizer>::new(
        vec![var.clone()],
        (OptimConfig::new(Method::Sgd, 0.1, 0.01).unwrap(), 5),
    )
    .unwrap();
    for want in SGD_L2 {
        // R = ½ Σ a (θ − c)², differentiated by candle's autograd.
        let loss = ((var.as_tensor() - &c).unwrap().sqr().unwrap() * &a)
            .unwrap()
            .sum_all()
            .unwrap()
            .affine(0.5, 0.0)
            .unwrap();
        opt.backward_step(&loss).unwrap();
        let got: Vec<f64> = var.to_vec1().unwrap();
        assert_path(
            "sgd via backward_step",
            &[[got[0], got[1], got[2]]],
            &[want],
            1e-12,
        );
    }
}
