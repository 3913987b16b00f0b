//! The grid of a study: cells (method, α, decay, seed), per-method grids, the whole grid in a
//! fixed order, and the slices of it that `--shard K/N` runs.

use super::Settings;
use crate::error::usage;
use crate::optim::Method;
use crate::util::fmt::exact;
use anyhow::Context;
use std::collections::HashSet;

/// One grid point: a method, its learning rate α, its decay coefficient (λ for sgd/adam, λ'
/// for sgdw/adamw) and a seed (initial weights and batch order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cell {
    pub(crate) method: Method,
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    pub(crate) seed: u64,
}

/// A cell's identity, comparable and hashable (floats by their bits; every value is written
/// with Rust's shortest round-trip formatting, so it reads back to the same bits).
pub(crate) type CellKey = (Method, u64, u64, u64);

/// A grid value as the study stores it: −0 is 0, so the two never make two cells.
fn normalised(v: f64) -> f64 {
    v + 0.0
}

/// `values` normalised, each value once, in the order first given.
fn distinct(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for v in values.into_iter().map(normalised) {
        if !out.iter().any(|o| o.to_bits() == v.to_bits()) {
            out.push(v);
        }
    }
    out
}

impl Cell {
    pub(crate) fn new(method: Method, lr: f64, decay: f64, seed: u64) -> Self {
        Cell {
            method,
            lr: normalised(lr),
            decay: normalised(decay),
            seed,
        }
    }

    pub(crate) fn key(&self) -> CellKey {
        (
            self.method,
            self.lr.to_bits(),
            self.decay.to_bits(),
            self.seed,
        )
    }

    /// The folder name of the cell's run, e.g. `adamw_lr0.001_wd0.0001_seed0`.
    pub(crate) fn run_name(&self) -> String {
        let coef = self.method.decay_key();
        // Rust's plain form, which every committed study's folders use, unless it is long
        // (1e-30 has 32 digits): then scientific, so a name stays far below the 255-byte limit.
        let part = |v: f64| match v.to_string() {
            plain if plain.len() <= 24 => plain,
            _ => format!("{v:e}"),
        };
        format!(
            "{}_lr{}_{coef}{}_seed{}",
            self.method,
            part(self.lr),
            part(self.decay),
            self.seed
        )
    }

    /// A short label for bars and lines: `adamw α=0.001 λ'=0.0001 seed 0`.
    pub(crate) fn label(&self) -> String {
        format!(
            "{} α={} {}={} seed {}",
            self.method,
            self.lr,
            self.method.decay_symbol(),
            self.decay,
            self.seed
        )
    }
}

/// The learning rates and decay coefficients of one method.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MethodGrid {
    pub(crate) method: Method,
    pub(crate) lrs: Vec<f64>,
    pub(crate) decays: Vec<f64>,
}

impl std::str::FromStr for MethodGrid {
    type Err = anyhow::Error;

    /// `METHOD:LRS:DECAYS`, e.g. `adamw:1e-3,3e-3:0,1e-3`.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let bad = |why: String| {
            usage(format!(
                "{why}; expected METHOD:LRS:DECAYS, e.g. adamw:1e-3,3e-3:0,1e-4,1e-3"
            ))
        };
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 3 {
            return Err(bad(format!("{} parts separated by ':'", parts.len())));
        }
        let method: Method = parts[0].parse()?;
        let list = |p: &str, what: &str| -> anyhow::Result<Vec<f64>> {
            p.split(',')
                .filter(|x| !x.trim().is_empty())
                .map(|x| {
                    x.trim()
                        .parse::<f64>()
                        .map_err(|_| bad(format!("{x:?} is not a number in the {what}")))
                })
                .collect()
        };
        Ok(MethodGrid::new(
            method,
            list(parts[1], "learning rates")?,
            list(parts[2], "decays")?,
        ))
    }
}

impl MethodGrid {
    /// A method's grid with each value once (−0 counted as 0), in the order given.
    pub(crate) fn new(method: Method, lrs: Vec<f64>, decays: Vec<f64>) -> Self {
        MethodGrid {
            method,
            lrs: distinct(lrs),
            decays: distinct(decays),
        }
    }

    /// This grid with `other`'s values added: the product of both lists of learning rates
    /// and both lists of decays (so every cell of either grid is in it).
    pub(crate) fn merged(&self, other: &MethodGrid) -> MethodGrid {
        MethodGrid::new(
            self.method,
            self.lrs.iter().chain(&other.lrs).copied().collect(),
            self.decays.iter().chain(&other.decays).copied().collect(),
        )
    }
}

/// A full grid: per-method (lr × decay), each over every seed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grid {
    pub(crate) methods: Vec<MethodGrid>,
    pub(crate) seeds: Vec<u64>,
}

impl Grid {
    /// Refuses empty or meaningless grids, and any cell
    /// [`crate::optim::OptimConfig::validate`] refuses,
    /// before anything trains.
    pub(crate) fn validate(&self, settings: &Settings) -> anyhow::Result<()> {
        if self.methods.is_empty() {
            return Err(usage(
                "the grid has no methods; give --methods sgd,sgdw,adam,adamw",
            ));
        }
        if self.seeds.is_empty() {
            return Err(usage("--seeds 0 runs nothing; give at least 1"));
        }
        let mut seen = HashSet::new();
        for g in &self.methods {
            if !seen.insert(g.method) {
                return Err(usage(format!(
                    "method {} appears twice in the grid",
                    g.method
                )));
            }
            if g.lrs.is_empty() {
                return Err(usage(format!(
                    "the grid of {} has no learning rates (e.g. --lrs 1e-3,3e-3)",
                    g.method
                )));
            }
            if g.decays.is_empty() {
                return Err(usage(format!(
                    "the grid of {} has no decay coefficients (e.g. --decays 0,1e-4,1e-3)",
                    g.method
                )));
            }
            for &lr in &g.lrs {
                if !(lr.is_finite() && lr > 0.0) {
                    return Err(usage(format!(
                        "learning rate {lr} in the grid of {}: every learning rate must be positive",
                        g.method
                    )));
                }
            }
            for &d in &g.decays {
                if !(d.is_finite() && d >= 0.0) {
                    return Err(usage(format!(
                        "decay {d} in the grid of {}: decay coefficients must be zero or positive",
                        g.method
                    )));
                }
            }
            for &lr in &g.lrs {
                for &d in &g.decays {
                    settings.optim(g.method, lr, d).with_context(|| {
                        format!("grid cell {} α={} decay={}", g.method, exact(lr), exact(d))
                    })?;
                }
            }
        }
        Ok(())
    }

    /// Whether (method, lr, decay) is a point of this grid.
    pub(crate) fn contains(&self, method: Method, lr: f64, decay: f64) -> bool {
        self.methods.iter().any(|g| {
            g.method == method
                && g.lrs
                    .iter()
                    .any(|&x| x.to_bits() == normalised(lr).to_bits())
                && g.decays
                    .iter()
                    .any(|&x| x.to_bits() == normalised(decay).to_bits())
        })
    }

    /// Every cell, in a fixed order: seed, then method, learning rate and decay (so the first
    /// seed covers the whole grid before the second starts).
    pub(crate) fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for &seed in &self.seeds {
            for g in &self.methods {
                for &lr in &g.lrs {
                    for &decay in &g.decays {
                        cells.push(Cell {
                            method: g.method,
                            lr,
                            decay,
                            seed,
                        });
                    }
                }
            }
        }
        cells
    }
}

/// `--shard K/N`: the K-th (1-based) of N slices of a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    pub(crate) k: usize,
    pub(crate) n: usize,
}

impl std::str::FromStr for Shard {
    type Err = anyhow::Error;

    /// `K/N` with 1 ≤ K ≤ N.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let bad = || {
            usage(
                "expected K/N with 1 ≤ K ≤ N, e.g. 3/8 (the third of eight slices; a Slurm \
                 array numbered from 0 passes --shard $((SLURM_ARRAY_TASK_ID+1))/N)",
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// This shard's cells: every N-th cell starting at the K-th (round robin, so every shard
    /// gets a similar mix of cheap and expensive cells).
    pub(crate) fn select(&self, cells: &[Cell]) -> Vec<Cell> {
        cells
            .iter()
            .enumerate()
            .filter(|(i, _)| i % self.n == self.k - 1)
            .map(|(_, c)| *c)
            .collect()
    }

    /// The results file this shard appends to.
    pub(crate) fn file_name(&self) -> String {
        format!("results.shard-{}-of-{}.csv", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid {
            methods: vec![
                MethodGrid {
                    method: Method::Sgd,
                    lrs: vec![0.01, 0.1],
                    decays: vec![0.0, 1e-4, 1e-3],
                },
                MethodGrid {
                    method: Method::Adamw,
                    lrs: vec![1e-3, 3e-3, 1e-2],
                    decays: vec![0.0, 1e-3],
                },
            ],
            seeds: vec![0, 1, 2],
        }
    }

    #[test]
    fn the_union_of_the_shards_is_the_whole_grid_once() {
        let all = grid().cells();
        assert_eq!(all.len(), (2 * 3 + 3 * 2) * 3);
        for n in [1, 2, 3, 5, 7, 36, 50] {
            let mut seen: Vec<CellKey> = Vec::new();
            for k in 1..=n {
                let shard = format!("{k}/{n}").parse::<Shard>().unwrap();
                seen.extend(shard.select(&all).iter().map(Cell::key));
            }
            let mut expected: Vec<CellKey> = all.iter().map(Cell::key).collect();
            let order = |k: &CellKey| (k.0.name(), k.1, k.2, k.3);
            seen.sort_by_key(order);
            expected.sort_by_key(order);
            assert_eq!(seen, expected, "shards of {n}");
        }
    }

    #[test]
    fn shards_are_parsed_and_bad_ones_refused() {
        assert_eq!("3/8".parse::<Shard>().unwrap(), Shard { k: 3, n: 8 });
        for bad in ["0/4", "5/4", "1/0", "3", "a/b", "-1/4", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert_eq!(crate::error::exit_code(&e), 2, "{bad}");
        }
    }

    #[test]
    fn bad_grids_are_usage_errors() {
        let s = Settings::tiny();
        let mut g = grid();
        assert!(g.validate(&s).is_ok());
        g.methods[0].lrs = vec![];
        assert!(g.validate(&s).is_err());
        let mut g = grid();
        g.methods[0].lrs = vec![0.0];
        let e = g.validate(&s).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        let mut g = grid();
        g.methods[1].decays = vec![-1e-3];
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
        let mut g = grid();
        g.seeds.clear();
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
        let mut g = grid();
        g.methods.clear();
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
        let mut g = grid();
        g.methods[1].decays = vec![2.0]; // a per-step decay ≥ 1
        assert_eq!(crate::error::exit_code(&g.validate(&s).unwrap_err()), 2);
    }

    #[test]
    fn grid_specs_parse_or_fail_with_usage() {
        let g: MethodGrid = "adamw:1e-3,3e-3:0,1e-4".parse().unwrap();
        assert_eq!(g.method, Method::Adamw);
        assert_eq!(g.lrs, vec![1e-3, 3e-3]);
        assert_eq!(g.decays, vec![0.0, 1e-4]);
        for (bad, says) in [
            ("adamw:1e-3", "expected METHOD:LRS:DECAYS"),
            ("rmsprop:1e-3:0", "unknown method \"rmsprop\""),
            ("sgd:x:0", "\"x\" is not a number in the learning rates"),
        ] {
            let e = bad.parse::<MethodGrid>().unwrap_err();
            assert_eq!(crate::error::exit_code(&e), 2, "{bad}");
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }
}
