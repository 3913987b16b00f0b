//! Where a study's grid must grow so that every learning rate's best decay is bracketed: the
//! cells the refinement stage (`wdlab sweep --refine`, a stage of `wdlab reproduce`) trains
//! next, and why each learning rate that stays unbracketed does.
//!
//! The rules, per method and per learning rate that trained, on the means over the selection
//! seeds (ties as the report defines them, [`super::Noise::tie_points`]):
//! - the best positive decay, or a decay tied with it, is the smallest positive decay tried:
//!   add half of it, unless that smallest decay already ties with decay 0 (the floor then
//!   runs down to no decay at all, and no smaller decay can bracket it);
//! - it is the largest tried: add twice it (a decay that then collapses brackets the floor
//!   from above: the decay fails beyond it);
//! - the floor is steep (fewer than three positive decays within [`NEAR_BEST_POINTS`] of the
//!   best, so the valley fit leans on three cells): add the √2 steps either side of the best;
//! - every decay tried ties with no decay, the largest included: add twice the largest (a
//!   flat axis shows decay does not help in the range tried, not beyond it: Lion's best decay
//!   lies well above a range where AdamW's would);
//! - the chosen α's next larger α failed to train: add α·√2 with the chosen decay and its two
//!   neighbours, since the optimum may lie between;
//! - the chosen α is the largest (or the smallest) α tried: add the next α one grid step
//!   beyond it with the chosen decay and its two neighbours, so that no choice sits at an end
//!   of the α axis unless the α beyond it fails.
//!
//! Every proposal is a new (method, α, decay) over the grid's seeds; a cell of the folder that
//! lacks one of those seeds (an interrupted refinement) is completed first. The folder's own
//! rows say what was tried, so planning again after an interruption resumes.

use super::val_grid::same_value;
use super::{MethodAnalysis, NEAR_BEST_POINTS};
use crate::optim::Method;
use crate::study::{Cell, ResultRow, Settings};
use std::collections::BTreeSet;

/// A new cell (all seeds) and why it is proposed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Proposal {
    pub(crate) method: Method,
    pub(crate) lr: f64,
    pub(crate) decay: f64,
    pub(crate) why: Why,
}

/// Why a cell is proposed, in the order proposals are funded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Why {
    /// A cell of the folder that lacks some of the grid's seeds.
    Incomplete,
    /// The best decay (or a tie) sits at the smallest positive decay tried.
    BelowSmallest,
    /// The best decay sits at the smallest tried and the α has no decay-0 cell: no decay is
    /// tried first, since only a tie with it can stop the halving ("no decay tried helps").
    NoDecayFirst,
    /// The best decay (or a tie) sits at the largest decay tried.
    AboveLargest,
    /// Every decay tried at this α ties with no decay, the largest included.
    FlatToTop,
    /// The learning rate between the chosen one and a neighbour that fails.
    BetweenChosenAndFailing,
    /// The chosen α is at an end of the α tried.
    AlphaBeyond,
    /// A √2 step beside a steep floor.
    SteepFloor,
}

impl Why {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Why::Incomplete => "completes a cell's seeds",
            Why::BelowSmallest => "best decay at the smallest tried",
            Why::AboveLargest => "best decay at the largest tried",
            Why::BetweenChosenAndFailing => "between the chosen α and one that fails",
            Why::SteepFloor => "√2 step beside a steep floor",
            Why::NoDecayFirst => "no decay at an α that lacks it, before halving",
            Why::FlatToTop => "every decay tried ties with none, the largest included",
            Why::AlphaBeyond => "chosen α at an end of the α tried",
        }
    }
}

/// How a trained learning rate's best decay sits on its decay axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// A worse positive decay on each side of the best and of every decay tied with it.
    Interior,
    /// The best (or a tie) is the smallest positive decay tried and ties with decay 0 there:
    /// decay does not help at this α, down to the smallest value tried.
    FlatToZero,
    /// As [`Edge::FlatToZero`], and the largest decay tried ties with the best too: no decay
    /// tried helps and none costs, so the axis says nothing about larger decays.
    Flat,
    /// The best (or a tie) is the smallest positive decay tried.
    Smallest,
    /// The best (or a tie) is the largest decay tried.
    Largest,
}

/// Where the best decay of learning rate index `li` of `m` sits; None for an α that did not
/// train or has no positive decay.
pub(crate) fn edge(m: &MethodAnalysis, li: usize) -> Option<Edge> {
    let g = &m.grid;
    if m.untrained_lrs.contains(&g.lrs[li]) {
        return None;
    }
    let measured: Vec<(f64, f64)> = (0..g.decays.len())
        .filter(|&di| g.decays[di] > 0.0)
        .filter_map(|di| Some((g.decays[di], g.val[di][li]?)))
        .collect();
    let best = measured.iter().map(|c| c.1).reduce(f64::max)?;
    let zero = g
        .decays
        .iter()
        .position(|&d| d == 0.0)
        .and_then(|z| g.val[z][li]);
    let margin = m.noise.tie_points();
    let near = |v: f64| 100.0 * (best.max(zero.unwrap_or(0.0)) - v) < margin;
    let (lo, hi) = (measured[0], measured[measured.len() - 1]);
    if near(lo.1) || zero.is_some_and(near) {
        if zero.is_some_and(|z| 100.0 * (lo.1 - z).abs() < margin) {
            if 100.0 * (best - hi.1) < margin {
                return Some(Edge::Flat);
            }
            return Some(Edge::FlatToZero);
        }
        return Some(Edge::Smallest);
    }
    if near(hi.1) {
        return Some(Edge::Largest);
    }
    Some(Edge::Interior)
}

/// The cells to train next for `m`, given every row of the folder and the grid's seeds; only
/// cells the study's `settings` can train (a doubled decay that would zero every weight each
/// step, or an α beyond f32's range, is not proposed).
pub(crate) fn proposals(
    m: &MethodAnalysis,
    rows: &[ResultRow],
    seeds: &[u64],
    settings: &Settings,
) -> Vec<Proposal> {
    let tried: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.cell.method == m.method)
        .map(|r| (r.cell.lr, r.cell.decay))
        .collect();
    let was_tried = |lr: f64, decay: f64| {
        tried
            .iter()
            .any(|&(l, d)| same_value(l, lr) && same_value(d, decay))
    };
    let mut out: Vec<Proposal> = incomplete(m.method, rows, seeds);
    // A value a rounding away from one the folder holds is that value (a √2 step reached
    // from either neighbour), so refinement never makes two rows of one decay.
    let snap = |v: f64, axis: &[f64]| {
        axis.iter()
            .copied()
            .find(|&x| same_value(x, v))
            .unwrap_or(v)
    };
    let (lrs, decays) = (m.grid.lrs.clone(), m.grid.decays.clone());
    let mut add = |lr: f64, decay: f64, why: Why| {
        let (lr, decay) = (snap(lr, &lrs), snap(decay, &decays));
        let trainable = settings.optim(m.method, lr, decay).is_ok();
        if trainable && !was_tried(lr, decay) && !out.iter().any(|p| (p.lr, p.decay) == (lr, decay))
        {
            out.push(Proposal {
                method: m.method,
                lr,
                decay,
                why,
            });
        }
    };
    let g = &m.grid;
    for li in 0..g.lrs.len() {
        let positive: Vec<(f64, f64)> = (0..g.decays.len())
            .filter(|&di| g.decays[di] > 0.0)
            .filter_map(|di| Some((g.decays[di], g.val[di][li]?)))
            .collect();
        let Some(e) = edge(m, li) else { continue };
        let lr = g.lrs[li];
        match e {
            Edge::Smallest if !has_no_decay(g, li) => add(lr, 0.0, Why::NoDecayFirst),
            Edge::Smallest => add(lr, positive[0].0 / 2.0, Why::BelowSmallest),
            Edge::Largest => add(lr, positive[positive.len() - 1].0 * 2.0, Why::AboveLargest),
            Edge::Flat => add(lr, positive[positive.len() - 1].0 * 2.0, Why::FlatToTop),
            Edge::FlatToZero => {}
            Edge::Interior => {
                if let Some(b) = steep_best(&positive) {
                    add(lr, b / std::f64::consts::SQRT_2, Why::SteepFloor);
                    add(lr, b * std::f64::consts::SQRT_2, Why::SteepFloor);
                }
            }
        }
    }
    if let Some((lr, decays)) = between_chosen_and_failing(m) {
        for d in decays {
            add(lr, d, Why::BetweenChosenAndFailing);
        }
    }
    if let Some((lr, decays)) = alpha_beyond(m) {
        for d in decays {
            add(lr, d, Why::AlphaBeyond);
        }
    }
    out.sort_by_key(|p| p.why);
    out
}

/// Whether the α at `li` has a finished decay-0 cell.
fn has_no_decay(g: &crate::analysis::ValGrid, li: usize) -> bool {
    g.decays
        .iter()
        .position(|&d| d == 0.0)
        .is_some_and(|di| g.val[di][li].is_some())
}

/// The best positive decay when fewer than three positive decays lie within
/// [`NEAR_BEST_POINTS`] of it and no √2 step beside it was tried yet.
fn steep_best(positive: &[(f64, f64)]) -> Option<f64> {
    let best = positive.iter().map(|c| c.1).reduce(f64::max)?;
    let near = positive
        .iter()
        .filter(|c| 100.0 * (best - c.1) <= NEAR_BEST_POINTS)
        .count();
    let at = positive.iter().position(|c| c.1 == best)?;
    let b = positive[at].0;
    let sqrt2_step = |n: &(f64, f64)| {
        let r = (n.0 / b).log2().abs();
        r > 0.0 && r < 0.75
    };
    let refined = positive.iter().any(sqrt2_step);
    (near < 3 && !refined).then_some(b)
}

/// α·√2 and the decays to try there, when the chosen α's next larger α failed to train.
fn between_chosen_and_failing(m: &MethodAnalysis) -> Option<(f64, Vec<f64>)> {
    let c = m.chosen.as_ref()?;
    let g = &m.grid;
    let li = g.lrs.iter().position(|&x| x == c.lr)?;
    let next = *g.lrs.get(li + 1)?;
    if !m.untrained_lrs.contains(&next) {
        return None;
    }
    // One √2 step only: once α·√2 is in the grid, the chosen α's neighbour is it.
    let mid = c.lr * std::f64::consts::SQRT_2;
    if next / c.lr < 1.9 {
        return None;
    }
    Some((mid, around(g, c.decay)))
}

/// The next α one grid step beyond the chosen one, and the decays to try there, when the
/// chosen α is the largest or the smallest α tried (failed ones included).
fn alpha_beyond(m: &MethodAnalysis) -> Option<(f64, Vec<f64>)> {
    let c = m.chosen.as_ref()?;
    let lrs = &m.grid.lrs;
    if lrs.len() < 2 {
        return None;
    }
    let n = lrs.len();
    let lr = if c.lr == lrs[n - 1] {
        c.lr * (lrs[n - 1] / lrs[n - 2])
    } else if c.lr == lrs[0] {
        c.lr / (lrs[1] / lrs[0])
    } else {
        return None;
    };
    Some((lr, around(&m.grid, c.decay)))
}

/// `decay` and its two positive neighbours on the grid's decay axis (the three smallest
/// positive decays when it is not on the axis), with 0 first when `decay` is 0.
fn around(g: &crate::analysis::ValGrid, decay: f64) -> Vec<f64> {
    let positive: Vec<f64> = g.decays.iter().copied().filter(|&d| d > 0.0).collect();
    let at = positive.iter().position(|&d| d == decay);
    let decays: BTreeSet<u64> = match at {
        Some(k) => positive[k.saturating_sub(1)..(k + 2).min(positive.len())]
            .iter()
            .map(|d| d.to_bits())
            .collect(),
        None => positive.iter().take(3).map(|d| d.to_bits()).collect(),
    };
    let mut decays: Vec<f64> = decays.into_iter().map(f64::from_bits).collect();
    if decay == 0.0 {
        decays.insert(0, 0.0);
    }
    decays
}

/// Cells of `method` in `rows` that lack some of `seeds` (an interrupted refinement).
fn incomplete(method: Method, rows: &[ResultRow], seeds: &[u64]) -> Vec<Proposal> {
    let mut have: Vec<((u64, u64), Vec<u64>)> = Vec::new();
    for r in rows.iter().filter(|r| r.cell.method == method) {
        let key = (r.cell.lr.to_bits(), r.cell.decay.to_bits());
        match have.iter_mut().find(|h| h.0 == key) {
            Some(h) => h.1.push(r.cell.seed),
            None => have.push((key, vec![r.cell.seed])),
        }
    }
    have.into_iter()
        .filter(|(_, s)| seeds.iter().any(|x| !s.contains(x)))
        .map(|((lr, decay), _)| Proposal {
            method,
            lr: f64::from_bits(lr),
            decay: f64::from_bits(decay),
            why: Why::Incomplete,
        })
        .collect()
}

/// The cells (one per seed) of `proposals`, in order, within `budget` runs.
pub(crate) fn funded(proposals: &[Proposal], seeds: &[u64], budget: usize) -> Vec<Cell> {
    proposals
        .iter()
        .take(budget / seeds.len().max(1))
        .flat_map(|p| seeds.iter().map(|&s| Cell::new(p.method, p.lr, p.decay, s)))
        .collect()
}

#[cfg(test)]
mod tests;
