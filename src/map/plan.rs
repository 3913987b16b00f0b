//! What a map runs: the map presets (a base regime, an axis and its values, the methods and
//! learning rates), the grid of each point, and `map.json`, the identity a map folder keeps.
//!
//! Each point's grid is three learning rates a factor 4 apart and, at each, decay 0 and four
//! decays a factor 2 apart around a centre. The centre moves with α as α^(−1/2) for an L2
//! method and α^(+1/2) for a decoupled one: halfway between the two limits the map tells apart
//! (best λ fixed in α, or best λ' fixed in α), so the grid favours neither. Refinement then
//! extends each α's decays until its best is bracketed ([`crate::analysis::refine`]).

use super::axis::{Axis, AxisValues};
use crate::error::usage;
use crate::optim::{DecayKind, Hyper, Method};
use crate::study::{preset, Cell, Preset, Settings};
use crate::util::fs::write_atomic;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The committed maps' regimes: the full study's (5,000 training images, 100 epochs, cosine
/// schedule, plain SGD, the paper's decay convention) with a 256-wide hidden layer, one setting
/// moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MapPreset {
    /// 0, 10, 20 and 30 % wrong labels.
    LabelNoise,
    /// 1,250, 2,500, 5,000 and 10,000 training images.
    TrainSize,
    /// 50, 100, 200 and 400 epochs.
    Epochs,
}

/// Learning rates of the SGD family and of the Adam family: a factor 4 apart, each trains in
/// the full regime (docs/results/full).
const SGD_LRS: [f64; 3] = [0.0625, 0.25, 1.0];
const ADAM_LRS: [f64; 3] = [5e-4, 2e-3, 8e-3];

/// The centre of each method's decays at the middle α, per axis value: SGD + L2's λ, Adam +
/// L2's λ, AdamW's λ' (from the committed studies and the pilot of docs/reference.md, "Where
/// the coupling appears").
type Centres = (f64, [f64; 3]);

const LABEL_NOISE: [Centres; 4] = [
    (0.0, [1e-3, 2.5e-4, 1e-3]),
    (0.1, [2e-3, 2e-3, 2e-3]),
    (0.2, [4e-3, 5e-3, 4e-3]),
    (0.3, [8e-3, 1e-2, 8e-3]),
];
const TRAIN_SIZE: [Centres; 4] = [
    (1250.0, [4e-3, 1e-3, 4e-3]),
    (2500.0, [2e-3, 5e-4, 2e-3]),
    (5000.0, [1e-3, 2.5e-4, 1e-3]),
    (10000.0, [5e-4, 1.25e-4, 5e-4]),
];
const EPOCHS: [Centres; 4] = [
    (50.0, [5e-4, 1.25e-4, 5e-4]),
    (100.0, [1e-3, 2.5e-4, 1e-3]),
    (200.0, [2e-3, 5e-4, 1e-3]),
    (400.0, [2e-3, 5e-4, 1e-3]),
];

/// Runs the refinement may add per point: enough for every committed map's points to reach
/// the planner's fixed point (24 left most points with cells still proposed; each map's
/// README says what the cells beyond it moved).
pub(crate) const MAP_REFINE_BUDGET: usize = 128;

/// Everything a map fixes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapSpec {
    /// The settings every point shares but the axis.
    pub(crate) base: Settings,
    pub(crate) axis: AxisValues,
    pub(crate) methods: Vec<Method>,
    pub(crate) seeds: Vec<u64>,
    /// Runs refinement may add per point outside its grid.
    pub(crate) refine_budget: usize,
    centres: &'static [Centres],
}

/// The hidden width of the maps: a quarter of the studies' 1,024, which trains a map's cell
/// 2.5 times faster on the CPU (a 5,000-image, 100-epoch cell in about 7 s) and still
/// memorises its 5,000 images (200,000 weights), so four maps fit in an afternoon on two cores.
pub(crate) const MAP_HIDDEN: usize = 256;

/// The methods a map runs by default: SGDW's slope is SGD + L2's plus exactly 1 (plain SGD:
/// the same algorithm at λ' = αλ), so SGD + L2 stands for the SGD pair.
pub(crate) const DEFAULT_METHODS: [Method; 3] = [Method::Sgd, Method::Adam, Method::Adamw];

impl MapSpec {
    pub(crate) fn of(p: MapPreset) -> MapSpec {
        let (axis, centres): (Axis, &'static [Centres]) = match p {
            MapPreset::LabelNoise => (Axis::LabelNoise, &LABEL_NOISE),
            MapPreset::TrainSize => (Axis::TrainSize, &TRAIN_SIZE),
            MapPreset::Epochs => (Axis::Epochs, &EPOCHS),
        };
        let base = preset(Preset::Full)
            .settings
            .rebuild()
            .hidden(vec![MAP_HIDDEN])
            .build()
            .expect("the full preset with the map's hidden width is valid");
        MapSpec {
            base,
            axis: AxisValues {
                axis,
                values: centres.iter().map(|c| c.0).collect(),
            },
            methods: DEFAULT_METHODS.to_vec(),
            seeds: vec![0, 1],
            refine_budget: MAP_REFINE_BUDGET,
            centres,
        }
    }

    /// This map with `axis` instead of the preset's values; the axis must be the preset's.
    pub(crate) fn with_axis(self, axis: AxisValues) -> anyhow::Result<MapSpec> {
        if axis.axis != self.axis.axis {
            return Err(usage(format!(
                "--axis {}: this map preset moves {}; pick the map preset of that axis \
                 (--preset {})",
                axis.axis.name(),
                self.axis.axis.name(),
                axis.axis.name()
            )));
        }
        Ok(MapSpec { axis, ..self })
    }

    /// Refuses methods the map has no learning rates or decay centres for.
    pub(crate) fn with_methods(self, methods: Vec<Method>) -> anyhow::Result<MapSpec> {
        if methods.is_empty() {
            return Ok(self);
        }
        let mut seen = Vec::new();
        for m in methods {
            if centre_column(m).is_none() {
                return Err(usage(format!(
                    "--methods {m}: the map presets have no grid for {} (no pilot has placed \
                     its best decay); a map runs sgd, sgdw, adam and adamw",
                    m.label()
                )));
            }
            if seen.contains(&m) {
                return Err(usage(format!("--methods names {m} twice")));
            }
            seen.push(m);
        }
        Ok(MapSpec {
            methods: seen,
            ..self
        })
    }

    /// The settings of the point at `v`.
    pub(crate) fn settings_at(&self, v: f64) -> anyhow::Result<Settings> {
        self.axis.axis.apply(&self.base, v)
    }

    /// The centre of `method`'s decays at the middle α for axis value `v`: the table's, or
    /// that of the nearest value in the table (log scale for an axis of factors).
    fn centre(&self, method: Method, v: f64) -> f64 {
        let d = |x: f64| {
            if self.axis.axis.is_log() {
                (x.ln() - v.ln()).abs()
            } else {
                (x - v).abs()
            }
        };
        let row = self
            .centres
            .iter()
            .min_by(|a, b| d(a.0).total_cmp(&d(b.0)))
            .expect("a map preset has centres");
        let (column, scale) = centre_column(method).expect("with_methods refuses the others");
        row.1[column] * scale
    }

    /// The cells of the point at `v`: per method, three α a factor 4 apart, and at each decay
    /// 0 and four decays a factor 2 apart, centred as the module says; every seed.
    pub(crate) fn point_cells(&self, v: f64) -> Vec<Cell> {
        let mut out = Vec::new();
        for &m in &self.methods {
            let lrs = if m.takes(Hyper::Momentum) {
                SGD_LRS
            } else {
                ADAM_LRS
            };
            let c = self.centre(m, v);
            for (i, &lr) in lrs.iter().enumerate() {
                // ×2 per α step of 4: α^(±1/2), exact in binary floating point.
                let step = i as i32 - 1;
                let shear = if m.decay_kind() == DecayKind::Decoupled {
                    step
                } else {
                    -step
                };
                let decays = std::iter::once(0.0).chain((-2..=1).map(|k| c * 2f64.powi(k + shear)));
                for d in decays {
                    out.extend(self.seeds.iter().map(|&s| Cell::new(m, lr, d, s)));
                }
            }
        }
        out
    }

    /// Evaluate every tenth of a run (at least every epoch): enough for the curves, a small
    /// cost beside training.
    pub(crate) fn eval_every(settings: &Settings) -> usize {
        (settings.epochs() / 10).max(1)
    }
}

/// Where a method's centre is in the table, and the factor on it: SGDW at λ' = αλ is SGD + L2,
/// so its centre is SGD's λ times the middle α. None: no pilot has placed the method's best
/// decay (Lion).
fn centre_column(method: Method) -> Option<(usize, f64)> {
    match method {
        Method::Sgd => Some((0, 1.0)),
        Method::Sgdw => Some((0, SGD_LRS[1])),
        Method::Adam => Some((1, 1.0)),
        Method::Adamw => Some((2, 1.0)),
        _ => None,
    }
}

/// `map.json`: what makes a folder this map. Points may be added (another `--axis` list);
/// another axis, base regime or set of methods is another map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MapIdentity {
    axis: Axis,
    base: Settings,
    methods: Vec<Method>,
}

/// Writes `DIR/map.json`, or checks that the one there is this map's.
pub(crate) fn claim_map_dir(dir: &Path, spec: &MapSpec) -> anyhow::Result<()> {
    let id = MapIdentity {
        axis: spec.axis.axis,
        base: spec.base.clone(),
        methods: spec.methods.clone(),
    };
    let path = dir.join("map.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let there: MapIdentity = serde_json::from_str(&text).map_err(|e| {
                usage(format!(
                    "{} is not a wdlab map file ({e}); give another --out",
                    path.display()
                ))
            })?;
            if there != id {
                return Err(usage(format!(
                    "{} holds a map over {} of {} with other settings than this one \
                     (axis {}, methods {}): give another --out, or the same preset and \
                     --methods",
                    dir.display(),
                    there.axis.name(),
                    there
                        .methods
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(","),
                    id.axis.name(),
                    id.methods
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(","),
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::util::fs::create_dir(dir, "the map folder")?;
            let text = serde_json::to_string_pretty(&id)? + "\n";
            write_atomic(&path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_shears_by_half_a_power_of_alpha() {
        let spec = MapSpec::of(MapPreset::LabelNoise);
        let cells = spec.point_cells(0.0);
        let decays = |m: Method, lr: f64| -> Vec<f64> {
            let mut d: Vec<f64> = cells
                .iter()
                .filter(|c| c.method == m && c.lr == lr && c.seed == 0)
                .map(|c| c.decay)
                .collect();
            d.dedup();
            d
        };
        // SGD + L2 centred at λ 1e-3 at α 1/4: twice that at α 1/16, half at α 1.
        assert_eq!(
            decays(Method::Sgd, 0.25),
            vec![0.0, 2.5e-4, 5e-4, 1e-3, 2e-3]
        );
        assert_eq!(
            decays(Method::Sgd, 0.0625),
            vec![0.0, 5e-4, 1e-3, 2e-3, 4e-3]
        );
        assert_eq!(
            decays(Method::Sgd, 1.0),
            vec![0.0, 1.25e-4, 2.5e-4, 5e-4, 1e-3]
        );
        // AdamW the other way: λ' grows with α.
        assert_eq!(
            decays(Method::Adamw, 8e-3),
            vec![0.0, 5e-4, 1e-3, 2e-3, 4e-3]
        );
        assert_eq!(cells.len(), 3 * 3 * 5 * 2);
    }

    #[test]
    fn a_value_off_the_table_takes_the_nearest_centre() {
        let spec = MapSpec::of(MapPreset::Epochs);
        assert_eq!(spec.centre(Method::Sgd, 800.0), 2e-3);
        assert_eq!(spec.centre(Method::Sgd, 60.0), 5e-4);
        assert_eq!(spec.centre(Method::Sgdw, 100.0), 2.5e-4);
    }

    #[test]
    fn a_method_without_a_grid_is_refused_by_name() {
        let err = MapSpec::of(MapPreset::Epochs)
            .with_methods(vec![Method::Lionw])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no grid for LionW"), "{err}");
    }

    #[test]
    fn another_axis_is_refused_by_name() {
        let spec = MapSpec::of(MapPreset::Epochs);
        let err = spec
            .with_axis("label-noise=0,0.1".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("moves epochs"), "{err}");
    }
}
