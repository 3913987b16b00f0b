//! How the domain's enums and compound values are spelled on the command line: clap's
//! `ValueEnum` for the enums (names and the help of each value) and value parsers for
//! `LR,DECAY` and `--device`. The domain types stay free of clap; their own `FromStr` does the
//! checking where they have one.

use crate::device::DeviceSpec;
use crate::nn::Norm;
use crate::optim::{Method, Schedule, WdScaling};
use crate::study::{CellBackend, Preset};
use crate::trajectory::SurfaceKind;
use clap::builder::PossibleValue;
use clap::ValueEnum;

/// `impl ValueEnum` for a domain enum with `ALL` and `name()`, with one help line per value.
macro_rules! value_enum {
    ($ty:ty, { $($variant:path => $help:expr),+ $(,)? }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &<$ty>::ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                let help = match self {
                    $($variant => $help),+
                };
                Some(PossibleValue::new(self.name()).help(help))
            }
        }
    };
}

/// The methods and their help lines come from the registry ([`Method::ALL`]), so a new method
/// needs no line here.
impl ValueEnum for Method {
    fn value_variants<'a>() -> &'a [Self] {
        &Method::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.help()))
    }
}

value_enum!(WdScaling, {
    WdScaling::Paper => "Loshchilov & Hutter: θ ← θ − η_t·λ'·θ, independent of α (SGDW with λ' \
                         equals SGD + L2 with λ = λ'/α)",
    WdScaling::Lr => "PyTorch, candle, optax: θ ← θ − η_t·α·λ'·θ (SGDW with λ' equals SGD + L2 \
                      with λ = λ')",
});

value_enum!(Schedule, {
    Schedule::Constant => "η_t = 1",
    Schedule::Cosine => "η_t = ½(1 + cos(π·t/T)) over the whole run: from 1 down towards 0 \
                         (cosine annealing without restarts)",
});

value_enum!(Preset, {
    Preset::Quick => "2,000 training images, 60 epochs, a 4 × 4 grid per method over two seeds \
                      (three at the chosen cells): the study in minutes",
    Preset::Full => "the real study: 5,000 training images, 100 epochs, 6 learning rates × 7–9 \
                     decays per method over two seeds (five at the chosen cells)",
    Preset::LabelNoise => "the full regime with 30 % of the training labels replaced by a wrong \
                           class (data seed 0): 5–6 learning rates × 6–8 decays per method",
    Preset::LayerNorm => "the full regime with LayerNorm before each ReLU (--norm layer): 6 \
                          learning rates × 6 decays per method",
    Preset::Momentum => "the full regime for SGD + L2 and SGDW with momentum 0.9, the paper's \
                         setting: 6 learning rates × 8 decays each",
    Preset::Lion => "quick with the Lion pair (lion, lionw) as a third pair beside SGD and Adam: \
                     quick's 4 × 4 grids, 5 × 4 for Lion + L2 and 5 × 7 for LionW, over two seeds",
});

value_enum!(Norm, {
    Norm::None => "Linear → ReLU",
    Norm::Layer => "Linear → LayerNorm (learnable gain and shift, which --no-decay-biases \
                    exempts like biases) → ReLU: a hidden layer no longer depends on the scale \
                    of its weights",
});

value_enum!(CellBackend, {
    CellBackend::Single => "one run after another",
    CellBackend::Population => "the cells of one method and seed as one batched model",
});

value_enum!(SurfaceKind, {
    SurfaceKind::Quadratic => "½(θ − c)ᵀH(θ − c): an anisotropic quadratic whose minimum c lies \
                               away from the origin (set with --minimum, --curvatures, --rotation)",
    SurfaceKind::TwoBasin => "(x² − 4)²/8 + 0.4x + 1.5(y − 1)²: two basins, a deeper one left of \
                              the origin and a shallower one right of it (non-convex)",
    SurfaceKind::Rosenbrock => "Rosenbrock's banana (1 − x)² + 10(y − x²)² with its minimum at \
                                (1, 1) (b = 10 instead of the usual 100, so that plain gradient \
                                descent gets there in a few thousand steps)",
});

/// `--device`: cpu, cuda, gpu or cuda:N, refused when this build cannot open it.
pub fn device(s: &str) -> anyhow::Result<DeviceSpec> {
    s.parse()
}

/// A per-method setting `LR,DECAY` (or `LR:DECAY`) of `wdlab compare`.
pub fn setting(s: &str) -> anyhow::Result<(f64, f64)> {
    let bad = || {
        anyhow::anyhow!("expected LR,DECAY (learning rate and decay coefficient), e.g. 1e-3,1e-4")
    };
    let (a, b) = s.split_once([',', ':']).ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

/// `METHOD=LR,DECAY`: one method's setting (`wdlab compare --setting lion=1e-4,0`).
pub fn method_setting(s: &str) -> anyhow::Result<(Method, f64, f64)> {
    let (m, rest) = s
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("expected METHOD=LR,DECAY, e.g. adamw=1e-3,1e-4"))?;
    let (lr, decay) = setting(rest)?;
    Ok((m.parse()?, lr, decay))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_every_enum_is_named_and_parses_back() {
        fn round_trip<T: ValueEnum + PartialEq + std::fmt::Debug>() {
            for v in T::value_variants() {
                let name = v.to_possible_value().unwrap().get_name().to_string();
                assert_eq!(&T::from_str(&name, false).unwrap(), v, "{name}");
            }
        }
        round_trip::<Method>();
        round_trip::<WdScaling>();
        round_trip::<Schedule>();
        round_trip::<Preset>();
        round_trip::<CellBackend>();
        round_trip::<SurfaceKind>();
    }

    #[test]
    fn settings_take_a_comma_or_a_colon() {
        assert_eq!(setting("0.1,1e-4").unwrap(), (0.1, 1e-4));
        assert_eq!(setting("0.1:0").unwrap(), (0.1, 0.0));
        let e = setting("0.1").unwrap_err().to_string();
        assert!(e.contains("expected LR,DECAY"), "{e}");
        assert_eq!(
            method_setting("AdamW=1e-3,1e-4").unwrap(),
            (Method::Adamw, 1e-3, 1e-4)
        );
        let e = method_setting("adamw:1e-3").unwrap_err().to_string();
        assert!(e.contains("expected METHOD=LR,DECAY"), "{e}");
    }
}
