//! The presets: a regime where weight decay matters and a grid per method, chosen by
//! measurement (docs/reference.md, "Choosing the regime"): with all 50,000 training images weight decay
//! never helps by more than seed noise, so the presets train on a small subset for many epochs,
//! where the MLP overfits and regularisation pays. Besides `quick` and `full` (clean labels,
//! plain MLP, plain SGD), three regimes change one thing each: wrong labels, LayerNorm, SGD
//! momentum; `lion` adds the Lion pair to `quick`.
//!
//! The presets are data: `presets.json` beside this file, included at build time, gives a base
//! of settings and each preset's changes to it (or the preset it extends), its grid per method,
//! seeds, budgets and `compare`'s cells, each with why it was chosen. A value is written once;
//! the tests below read every preset and check it is a valid study `compare` can run.

use super::{Grid, MethodGrid, Settings};
use crate::optim::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

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

/// The presets as written in `presets.json`.
const PRESETS_JSON: &str = include_str!("presets.json");

/// The file's layout: the base settings and every preset.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    #[allow(dead_code)] // the file's own documentation
    why: String,
    base: Map<String, Value>,
    presets: Vec<PresetData>,
}

/// One preset as written: the settings it changes (of the base, or of the preset it
/// extends), and its grids and `compare` cells (added to those of the preset it extends).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetData {
    name: String,
    #[allow(dead_code)] // why the values were chosen, for the reader
    why: String,
    extends: Option<String>,
    #[serde(default)]
    settings: Map<String, Value>,
    #[serde(default)]
    grid: Vec<GridData>,
    seeds: Option<Vec<u64>>,
    eval_every: Option<usize>,
    final_seeds: Option<usize>,
    refine_budget: Option<usize>,
    #[serde(default)]
    compare: Vec<(Method, f64, f64)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GridData {
    method: Method,
    lrs: Vec<f64>,
    decays: Vec<f64>,
}

/// What preset `p` fixes.
pub(crate) fn preset(p: Preset) -> PresetSpec {
    // The file is part of the binary and every preset is read by the tests: an error here is
    // a build that was never tested.
    resolve(p.name()).unwrap_or_else(|e| panic!("src/study/presets.json: {e}"))
}

/// The preset named `name`, with its base or the preset it extends applied.
fn resolve(name: &str) -> Result<PresetSpec, String> {
    let file: PresetFile = serde_json::from_str(PRESETS_JSON).map_err(|e| e.to_string())?;
    let find = |name: &str| {
        file.presets
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| format!("no preset named {name:?}"))
    };
    let mut chain = vec![find(name)?];
    while let Some(parent) = &chain[chain.len() - 1].extends {
        if chain.len() > file.presets.len() {
            return Err(format!("{name}: presets extend each other in a circle"));
        }
        chain.push(find(parent)?);
    }
    let mut settings = file.base.clone();
    let mut spec: Option<PresetSpec> = None;
    for d in chain.into_iter().rev() {
        settings.extend(d.settings.clone());
        let parsed = serde_json::from_value::<Settings>(Value::Object(settings.clone()))
            .map_err(|e| e.to_string())
            .and_then(|s| s.checked().map_err(|e| e.to_string()))
            .map_err(|e| format!("{}: settings: {e}", d.name))?;
        let missing = |what: &str| format!("{}: no {what} and no preset it extends", d.name);
        let mut next = match spec.take() {
            Some(parent) => parent,
            None => PresetSpec {
                settings: parsed.clone(),
                grid: Grid {
                    methods: Vec::new(),
                    seeds: d.seeds.clone().ok_or_else(|| missing("seeds"))?,
                },
                eval_every: d.eval_every.ok_or_else(|| missing("eval_every"))?,
                final_seeds: d.final_seeds.ok_or_else(|| missing("final_seeds"))?,
                refine_budget: d.refine_budget.ok_or_else(|| missing("refine_budget"))?,
                compare: Vec::new(),
            },
        };
        next.settings = parsed;
        next.grid.seeds = d.seeds.clone().unwrap_or(next.grid.seeds);
        next.eval_every = d.eval_every.unwrap_or(next.eval_every);
        next.final_seeds = d.final_seeds.unwrap_or(next.final_seeds);
        next.refine_budget = d.refine_budget.unwrap_or(next.refine_budget);
        next.grid.methods.extend(
            d.grid
                .iter()
                .map(|g| MethodGrid::new(g.method, g.lrs.clone(), g.decays.clone())),
        );
        next.compare.extend(d.compare.iter().copied());
        spec = Some(next);
    }
    spec.ok_or_else(|| format!("no preset named {name:?}"))
}

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
        let quick = preset(Preset::Quick);
        assert_eq!(lion.settings, quick.settings);
        assert_eq!(lion.grid.methods[..4], quick.grid.methods[..]);
    }

    /// The file names exactly the presets the command line offers, each once, every method
    /// by a name it knows, and its values are read to the bit (a preset's settings are part
    /// of its studies' identity).
    #[test]
    fn the_file_holds_each_preset_once_and_reads_back_exactly() {
        let file: PresetFile = serde_json::from_str(PRESETS_JSON).unwrap();
        let names: Vec<&str> = file.presets.iter().map(|d| d.name.as_str()).collect();
        let want: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, want);
        let full = preset(Preset::Full);
        assert_eq!(full.settings.train_size(), Some(5000));
        assert_eq!(full.settings.epochs(), 100);
        assert_eq!(
            full.grid.methods[1].decays[1].to_bits(),
            6.25e-5f64.to_bits()
        );
        assert_eq!(preset(Preset::LabelNoise).settings.label_noise(), 0.3);
        assert!(resolve("nonesuch").unwrap_err().contains("no preset named"));
    }
}
