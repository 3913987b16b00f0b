//! The presets: a regime where weight decay matters and a grid per method, chosen by
//! measurement (docs/reference.md, "Choosing the regime"): with all 50,000 training images weight decay
//! never helps by more than seed noise, so the presets train on a small subset for many epochs,
//! where the MLP overfits and regularisation pays. Besides `quick` and `full` (clean labels,
//! plain MLP, plain SGD), three regimes change one thing each: wrong labels, LayerNorm, SGD
//! momentum.

use super::{Grid, MethodGrid, Settings};
use crate::nn::Norm;
use crate::optim::{Method, Schedule, WdScaling};

/// A named regime and grid (docs/reference.md's Presets table gives each one's time on 2 cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Preset {
    /// 2,000 training images, 60 epochs, a 4 × 4 grid per method, one seed (three at the
    /// chosen cells): the study in minutes.
    Quick,
    /// The real study: 5,000 training images, 100 epochs, a grid of 6 learning rates × 7–9
    /// decays per method over two seeds (five at the chosen cells).
    Full,
    /// The full regime with 30 % of the training labels wrong: memorising them is what decay
    /// has to prevent.
    LabelNoise,
    /// The full regime with LayerNorm before each ReLU: the hidden layer ignores the scale of
    /// its weights, as in the batch-normalised networks of Loshchilov & Hutter.
    LayerNorm,
    /// The full regime for the SGD pair with momentum 0.9 (the paper's setting), where SGD + L2
    /// and SGDW are different algorithms.
    Momentum,
    /// The quick regime and grids with the Lion pair as a third: does the L2 / decoupled gap
    /// widen from SGD (none) to Adam to Lion?
    Lion,
}

impl Preset {
    pub(crate) const ALL: [Preset; 6] = [
        Preset::Quick,
        Preset::Full,
        Preset::LabelNoise,
        Preset::LayerNorm,
        Preset::Momentum,
        Preset::Lion,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Full => "full",
            Preset::LabelNoise => "label-noise",
            Preset::LayerNorm => "layernorm",
            Preset::Momentum => "momentum",
            Preset::Lion => "lion",
        }
    }
}

/// Everything a preset fixes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PresetSpec {
    pub(crate) settings: Settings,
    pub(crate) grid: Grid,
    pub(crate) eval_every: usize,
    /// Seeds run at each method's chosen cell (the grid's seeds included).
    pub(crate) final_seeds: usize,
    /// Runs (cells × the grid's seeds) the refinement stage may add to bracket every
    /// learning rate's best decay ([`crate::analysis::refine`]).
    pub(crate) refine_budget: usize,
    /// `wdlab compare`'s default (lr, decay) per method: good cells of this regime.
    pub(crate) compare: Vec<(Method, f64, f64)>,
}

fn mg(method: Method, lrs: &[f64], decays: &[f64]) -> MethodGrid {
    MethodGrid {
        method,
        lrs: lrs.to_vec(),
        decays: decays.to_vec(),
    }
}

/// What preset `p` fixes.
pub(crate) fn preset(p: Preset) -> PresetSpec {
    let base = Settings {
        train_size: Some(2000),
        val_size: 10_000,
        epochs: 60,
        batch_size: 128,
        hidden: vec![1024],
        norm: Norm::None,
        schedule: Schedule::Cosine,
        momentum: 0.0,
        wd_scaling: WdScaling::Paper,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        decay_biases: true,
        label_noise: 0.0,
        data_seed: 0,
        data_fingerprint: None,
    };
    // SGD + L2 at (0.5, 2e-3) and SGDW at (0.5, 1e-3 = 0.5 · 2e-3) are the same algorithm, so
    // `compare`'s table shows claim 1 on its own; the Adam pair is a good cell of each.
    let compare = vec![
        (Method::Sgd, 0.5, 2e-3),
        (Method::Sgdw, 0.5, 1e-3),
        (Method::Adam, 3e-3, 1e-3),
        (Method::Adamw, 3e-3, 3e-3),
    ];
    let full = Settings {
        train_size: Some(5000),
        epochs: 100,
        ..base.clone()
    };
    match p {
        Preset::Quick => PresetSpec {
            settings: base,
            grid: Grid {
                methods: vec![
                    // The largest α of each family is one step beyond the best of a 3-α grid,
                    // so the best α can be interior.
                    mg(
                        Method::Sgd,
                        &[0.25, 0.5, 1.0, 2.0],
                        &[0.0, 1e-3, 3e-3, 1e-2],
                    ),
                    mg(
                        Method::Sgdw,
                        &[0.25, 0.5, 1.0, 2.0],
                        &[0.0, 3e-4, 1e-3, 3e-3],
                    ),
                    mg(
                        Method::Adam,
                        &[1e-3, 3e-3, 1e-2, 3e-2],
                        &[0.0, 1e-4, 1e-3, 1e-2],
                    ),
                    mg(
                        Method::Adamw,
                        &[1e-3, 3e-3, 1e-2, 3e-2],
                        &[0.0, 1e-3, 3e-3, 1e-2],
                    ),
                ],
                seeds: vec![0, 1],
            },
            eval_every: 20,
            final_seeds: 3,
            refine_budget: 48,
            compare,
        },
        Preset::Full => PresetSpec {
            settings: full,
            grid: Grid {
                methods: vec![
                    // Factor-2 steps in α and in the decay, so a best decay ∝ 1/α falls on
                    // a diagonal of the grid and λ' = αλ maps the SGD pair's grids onto each
                    // other. Each family's α axis goes at least one doubling past the best of
                    // the 4-α grid that preceded it (docs/results/full/results-4x7-1c31449.csv), and each decay
                    // axis at least one doubling past that grid's best decay on both sides.
                    mg(
                        Method::Sgd,
                        &[0.125, 0.25, 0.5, 1.0, 2.0, 4.0],
                        &[0.0, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3],
                    ),
                    mg(
                        Method::Sgdw,
                        &[0.125, 0.25, 0.5, 1.0, 2.0, 4.0],
                        &[0.0, 6.25e-5, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3],
                    ),
                    mg(
                        Method::Adam,
                        &[5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2],
                        &[0.0, 3.125e-5, 6.25e-5, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3],
                    ),
                    mg(
                        Method::Adamw,
                        &[5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2],
                        &[0.0, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2],
                    ),
                ],
                seeds: vec![0, 1],
            },
            eval_every: 10,
            final_seeds: 5,
            refine_budget: 80,
            compare,
        },
        // The grids below were chosen by one-seed pilots in their own regime (docs/reference.md, "The
        // regimes"): each α axis brackets the pilot's best α, each decay axis goes a doubling
        // past the pilot's best decay on both sides, in factor-2 steps as the full preset.
        Preset::LabelNoise => PresetSpec {
            settings: Settings {
                label_noise: 0.3,
                ..full
            },
            grid: Grid {
                methods: vec![
                    // Pilot: SGD + L2 best at (0.5, 8e-3), 92.5 % validation accuracy, against
                    // 80 % without decay; Adam + L2 best at λ 1e-2 for α 5e-4–2e-3 (92.2–92.4 %,
                    // flat in α), AdamW at (2e-3, 8e-3), 92.2 %.
                    mg(
                        Method::Sgd,
                        &[0.125, 0.25, 0.5, 1.0, 2.0],
                        &[0.0, 2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2],
                    ),
                    mg(
                        Method::Sgdw,
                        &[0.125, 0.25, 0.5, 1.0, 2.0],
                        &[0.0, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2],
                    ),
                    mg(
                        Method::Adam,
                        NOISE_ADAM_LRS,
                        &[0.0, 2.5e-3, 5e-3, 1e-2, 2e-2, 4e-2, 8e-2],
                    ),
                    mg(
                        Method::Adamw,
                        NOISE_ADAM_LRS,
                        &[0.0, 2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2, 6.4e-2],
                    ),
                ],
                seeds: vec![0, 1],
            },
            eval_every: 10,
            final_seeds: 5,
            refine_budget: 60,
            compare: vec![
                (Method::Sgd, 0.5, 8e-3),
                (Method::Sgdw, 0.5, 4e-3),
                (Method::Adam, 2e-3, 1e-2),
                (Method::Adamw, 2e-3, 8e-3),
            ],
        },
        Preset::LayerNorm => PresetSpec {
            settings: Settings {
                norm: Norm::Layer,
                ..full
            },
            grid: Grid {
                methods: vec![
                    // Pilot: with LayerNorm no decay beats no decay by more than 0.3 points;
                    // SGD best at α 1/8 (94.9 %; α 2 diverges), Adam and AdamW at 1.6e-2
                    // (95.5 %, the largest α tried) with λ' = 1e-3 already 0.35 points down.
                    mg(Method::Sgd, LN_SGD_LRS, LN_SGD),
                    mg(Method::Sgdw, LN_SGD_LRS, LN_SGDW),
                    mg(Method::Adam, LN_ADAM_LRS, LN_ADAM),
                    mg(Method::Adamw, LN_ADAM_LRS, LN_ADAMW),
                ],
                seeds: vec![0, 1],
            },
            eval_every: 10,
            final_seeds: 5,
            refine_budget: 60,
            compare: LN_COMPARE.to_vec(),
        },
        Preset::Lion => with_lion_pair(preset(Preset::Quick)),
        Preset::Momentum => PresetSpec {
            settings: Settings {
                momentum: 0.9,
                ..full
            },
            grid: Grid {
                methods: vec![
                    // Pilot: momentum multiplies the step by about 1/(1 − β) = 10, so the best α
                    // is about a tenth of plain SGD's: 0.2–0.4 (95.5 %), with 0.8 already 2
                    // points down; the best λ and λ' 5e-4–2e-3.
                    mg(Method::Sgd, MOMENTUM_LRS, MOMENTUM_DECAYS),
                    mg(Method::Sgdw, MOMENTUM_LRS, MOMENTUM_DECAYS),
                ],
                seeds: vec![0, 1],
            },
            eval_every: 10,
            final_seeds: 5,
            refine_budget: 40,
            compare: vec![
                (Method::Sgd, 0.2, 1e-3),
                (Method::Sgdw, 0.2, 2e-3),
                (Method::Adam, 3e-3, 1e-3),
                (Method::Adamw, 3e-3, 3e-3),
            ],
        },
    }
}

/// `quick` with the Lion pair's grids, half its refinement budget more (for two methods beside
/// its four), and `compare`'s Lion cells. Not measured by a pilot yet: the α axis is Adam's divided by 10 (Chen et al.
/// 2023 advise 3–10 times below AdamW's, since sign(c) has a larger norm than Adam's step);
/// λ spans the range where λθ (θ about 0.03) reaches the gradients' size and can flip a sign;
/// λ' is per step in the paper convention, up to e^−1 of shrink over the run's 960 steps
/// (lion-pytorch's advice, a weight decay 3–10 times AdamW's, in its lr-scaled form).
fn with_lion_pair(mut quick: PresetSpec) -> PresetSpec {
    let lrs = [1e-4, 3e-4, 1e-3, 3e-3];
    quick.grid.methods.extend([
        mg(Method::Lion, &lrs, &[0.0, 1e-3, 1e-2, 1e-1]),
        mg(Method::Lionw, &lrs, &[0.0, 1e-4, 3e-4, 1e-3]),
    ]);
    quick.refine_budget += quick.refine_budget / 2;
    quick
        .compare
        .extend([(Method::Lion, 3e-4, 1e-2), (Method::Lionw, 3e-4, 3e-4)]);
    quick
}

const LN_SGD_LRS: &[f64] = &[0.03125, 0.0625, 0.125, 0.25, 0.5, 1.0];
const LN_SGD: &[f64] = &[0.0, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3];
const LN_SGDW: &[f64] = &[0.0, 3.125e-5, 6.25e-5, 1.25e-4, 2.5e-4, 5e-4];
const LN_ADAM_LRS: &[f64] = &[2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2, 6.4e-2];
const LN_ADAM: &[f64] = &[0.0, 2.5e-5, 5e-5, 1e-4, 2e-4, 4e-4];
const LN_ADAMW: &[f64] = &[0.0, 6.25e-5, 1.25e-4, 2.5e-4, 5e-4, 1e-3];
/// SGD + L2 and SGDW at the same algorithm (λ' = αλ), and good cells of the Adam pair.
const LN_COMPARE: [(Method, f64, f64); 4] = [
    (Method::Sgd, 0.125, 1e-3),
    (Method::Sgdw, 0.125, 1.25e-4),
    (Method::Adam, 4e-3, 1e-4),
    (Method::Adamw, 1.6e-2, 1e-3),
];
const MOMENTUM_LRS: &[f64] = &[0.025, 0.05, 0.1, 0.2, 0.4, 0.8];
const MOMENTUM_DECAYS: &[f64] = &[0.0, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3];
const NOISE_ADAM_LRS: &[f64] = &[2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3];
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_grids() {
        for p in Preset::ALL {
            let s = preset(p);
            s.grid.validate(&s.settings).unwrap();
            assert!(s.final_seeds >= s.grid.seeds.len());
            // `compare` without --methods compares the methods with a setting: every method of
            // the grid has one, once.
            for g in &s.grid.methods {
                let n = s.compare.iter().filter(|c| c.0 == g.method).count();
                assert_eq!(n, 1, "{}: {} has {n} compare settings", p.name(), g.method);
            }
        }
        let lion = preset(Preset::Lion);
        let methods: Vec<Method> = lion.grid.methods.iter().map(|g| g.method).collect();
        assert_eq!(methods, Method::ALL, "the three pairs");
        assert_eq!(lion.settings, preset(Preset::Quick).settings);
    }
}
