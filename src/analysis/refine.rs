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
            Edge::FlatToZero if top_ties(m, &positive) => {
                add(lr, positive[positive.len() - 1].0 * 2.0, Why::FlatToTop)
            }
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

/// Whether the largest positive decay of `positive` (decay, validation mean) ties with the
/// best of them.
fn top_ties(m: &MethodAnalysis, positive: &[(f64, f64)]) -> bool {
    let best = positive.iter().map(|c| c.1).fold(f64::MIN, f64::max);
    positive
        .last()
        .is_some_and(|top| 100.0 * (best - top.1) < m.noise.tie_points())
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
mod tests {
    use super::*;
    use crate::analysis::analyse_method;
    use crate::analysis::test_rows::row;

    /// A tenth of a point per doubling² of α away from 2e-3: the chosen α is the middle one.
    fn alpha_shift(lr: f64) -> f64 {
        0.001 * (lr / 2e-3f64).log2().powi(2)
    }

    /// Two seeds per cell; accuracy peaks at `peak` (log2 decay) at every α, 0.3 points per
    /// doubling², and decay 0 sits `zero_gap` points below the peak; the middle α is best.
    fn rows(m: Method, decays: &[f64], peak: f64, zero_gap: f64) -> Vec<ResultRow> {
        let mut out = Vec::new();
        for lr in [1e-3, 2e-3, 4e-3] {
            for &d in decays {
                let v = if d == 0.0 {
                    0.95 - zero_gap / 100.0
                } else {
                    0.95 - 0.003 * (d.log2() - peak).powi(2)
                };
                for seed in 0..2 {
                    out.push(row(
                        m,
                        lr,
                        d,
                        seed,
                        v - alpha_shift(lr) + 0.0002 * seed as f64,
                    ));
                }
            }
        }
        out
    }

    #[test]
    fn a_best_decay_at_either_end_asks_for_the_next_doubling_outward() {
        let decays = [0.0, 1e-4, 2e-4, 4e-4];
        // The floor at 2^-10 ≈ 9.8e-4: above the largest decay tried.
        let r = rows(Method::Adamw, &decays, -10.0, 5.0);
        let m = analyse_method(Method::Adamw, &r).unwrap();
        assert!((0..3).all(|li| edge(&m, li) == Some(Edge::Largest)));
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p
            .iter()
            .all(|p| p.decay == 8e-4 && p.why == Why::AboveLargest));
        // The floor below the smallest decay tried, well above decay 0: halve.
        let r = rows(Method::Adamw, &decays, -16.0, 5.0);
        let m = analyse_method(Method::Adamw, &r).unwrap();
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert!(
            p.iter()
                .all(|p| p.decay == 5e-5 && p.why == Why::BelowSmallest),
            "{p:?}"
        );
        // ... but where the smallest decay ties with no decay, nothing below can bracket it.
        let at_smallest = 100.0 * 0.003 * ((1e-4f64).log2() + 16.0).powi(2);
        let r = rows(Method::Adamw, &decays, -16.0, at_smallest);
        let m = analyse_method(Method::Adamw, &r).unwrap();
        assert_eq!(edge(&m, 0), Some(Edge::FlatToZero));
    }

    #[test]
    fn an_alpha_without_a_no_decay_cell_gets_one_before_any_halving() {
        let decays = [0.0, 1e-4, 2e-4, 4e-4];
        // The floor far below the smallest decay tried, and no decay-0 cells at all.
        let r: Vec<ResultRow> = rows(Method::Adamw, &decays, -16.0, 5.0)
            .into_iter()
            .filter(|x| x.cell.decay > 0.0)
            .collect();
        let m = analyse_method(Method::Adamw, &r).unwrap();
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(
            p.iter()
                .all(|p| p.decay == 0.0 && p.why == Why::NoDecayFirst),
            "{p:?}"
        );
    }

    #[test]
    fn an_interior_floor_asks_for_nothing_unless_steep_and_tried_cells_are_not_proposed_again() {
        let decays: Vec<f64> = (0..7).map(|k| 1e-4 * 2f64.powi(k)).collect();
        let r = rows(Method::Sgd, &decays, (4e-4f64).log2(), 5.0);
        let m = analyse_method(Method::Sgd, &r).unwrap();
        assert!((0..3).all(|li| edge(&m, li) == Some(Edge::Interior)));
        assert_eq!(proposals(&m, &r, &[0, 1], &Settings::tiny()), vec![]);
        // A steep floor (3 points per doubling²): the √2 steps either side of the best.
        let mut steep = r.clone();
        for x in steep.iter_mut() {
            let d = x.cell.decay.log2() - (4e-4f64).log2();
            let shift = alpha_shift(x.cell.lr);
            x.val_accuracy = Some(0.95 - 0.03 * d * d - shift + 0.0002 * x.cell.seed as f64);
        }
        let m = analyse_method(Method::Sgd, &steep).unwrap();
        let p = proposals(&m, &steep, &[0, 1], &Settings::tiny());
        assert_eq!(p.len(), 6, "{p:?}");
        assert!(p.iter().all(|p| p.why == Why::SteepFloor));
        // Once they are in the folder, nothing more; with one seed missing, that seed.
        let mut more = steep.clone();
        for p in &p {
            more.push(row(p.method, p.lr, p.decay, 0, 0.90));
        }
        let m = analyse_method(Method::Sgd, &more).unwrap();
        let again = proposals(&m, &more, &[0, 1], &Settings::tiny());
        assert_eq!(again.len(), 6);
        assert!(again.iter().all(|p| p.why == Why::Incomplete), "{again:?}");
        let cells = funded(&again, &[0, 1], 5);
        assert_eq!(cells.len(), 4, "the budget funds whole cells only");
    }

    #[test]
    fn a_step_a_rounding_away_from_a_decay_the_folder_holds_is_that_decay() {
        // A steep floor at 4e-3 at every α; one α already holds the √2 steps as reached from
        // 8e-3 (8e-3/√2 differs from 4e-3·√2 in the last bit).
        let decays: Vec<f64> = (0..6).map(|k| 1e-3 * 2f64.powi(k)).collect();
        let mut r = rows(Method::Sgd, &decays, (4e-3f64).log2(), 20.0);
        for x in r.iter_mut() {
            let d = x.cell.decay.log2() - (4e-3f64).log2();
            let shift = alpha_shift(x.cell.lr);
            x.val_accuracy = Some(0.95 - 0.03 * d * d - shift + 0.0002 * x.cell.seed as f64);
        }
        let above = 8e-3 / std::f64::consts::SQRT_2;
        let below = 4e-3 / std::f64::consts::SQRT_2;
        assert_ne!(above.to_bits(), (4e-3 * std::f64::consts::SQRT_2).to_bits());
        for (d, v) in [(above, 0.9485), (below, 0.9485)] {
            for seed in 0..2 {
                r.push(row(Method::Sgd, 1e-3, d, seed, v));
            }
        }
        let m = analyse_method(Method::Sgd, &r).unwrap();
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert_eq!(p.len(), 4, "the √2 steps at the other two α only: {p:?}");
        assert!(
            p.iter()
                .all(|p| p.lr != 1e-3 && [above, below].contains(&p.decay)),
            "{p:?}"
        );
    }

    #[test]
    fn a_flat_axis_asks_for_the_next_doubling_up_until_the_top_costs_something() {
        let decays = [0.0, 1e-4, 2e-4, 4e-4];
        // The floor far above every decay tried, and too shallow to tell them apart: flat.
        let mut r = rows(Method::Lionw, &decays, -16.0, 0.0);
        for x in r.iter_mut() {
            x.val_accuracy = Some(0.95 - alpha_shift(x.cell.lr) + 0.0002 * x.cell.seed as f64);
        }
        let m = analyse_method(Method::Lionw, &r).unwrap();
        assert!((0..3).all(|li| edge(&m, li) == Some(Edge::FlatToZero)));
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(
            p.iter().all(|p| p.decay == 8e-4 && p.why == Why::FlatToTop),
            "{p:?}"
        );
        // Once the largest decay costs more than the noise, the axis is bracketed from above.
        for x in r.iter_mut().filter(|x| x.cell.decay == 4e-4) {
            x.val_accuracy = x.val_accuracy.map(|v| v - 0.01);
        }
        let m = analyse_method(Method::Lionw, &r).unwrap();
        assert_eq!(proposals(&m, &r, &[0, 1], &Settings::tiny()), vec![]);
    }

    #[test]
    fn a_chosen_alpha_at_an_end_asks_for_the_next_alpha_beyond_it() {
        let decays: Vec<f64> = (0..7).map(|k| 1e-4 * 2f64.powi(k)).collect();
        let mut r = rows(Method::Sgd, &decays, (4e-4f64).log2(), 5.0);
        // The largest α best: the next α, a grid step (×2) beyond, at the chosen decay and
        // its two neighbours.
        for x in r.iter_mut().filter(|x| x.cell.lr == 4e-3) {
            x.val_accuracy = x.val_accuracy.map(|v| v + 0.01);
        }
        let m = analyse_method(Method::Sgd, &r).unwrap();
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        let mut got: Vec<(f64, f64)> = p.iter().map(|p| (p.lr, p.decay)).collect();
        got.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(got, vec![(8e-3, 2e-4), (8e-3, 4e-4), (8e-3, 8e-4)], "{p:?}");
        assert!(p.iter().all(|p| p.why == Why::AlphaBeyond));
        // The smallest α best: half of it.
        for x in r.iter_mut() {
            let up = if x.cell.lr == 1e-3 { 0.02 } else { 0.0 };
            x.val_accuracy = x.val_accuracy.map(|v| v + up);
        }
        let m = analyse_method(Method::Sgd, &r).unwrap();
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert!(
            p.iter().all(|p| p.lr == 5e-4 && p.why == Why::AlphaBeyond),
            "{p:?}"
        );
        assert_eq!(p.len(), 3);
        // Where the α beyond is already tried and failed, nothing beyond it: the √2 step
        // between the chosen α and the failing one instead.
        for seed in 0..2 {
            let mut x = row(Method::Sgd, 5e-4, 4e-4, seed, 0.1);
            (x.val_accuracy, x.test_accuracy, x.train_loss, x.weight_norm) =
                (None, None, None, None);
            x.status = crate::study::Status::Diverged;
            r.push(x);
        }
        let m = analyse_method(Method::Sgd, &r).unwrap();
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert!(p.iter().all(|p| p.why != Why::AlphaBeyond), "{p:?}");
    }

    #[test]
    fn a_cell_the_study_cannot_train_is_not_proposed() {
        // Plain SGD + L2 at α = 4 with λ = 0.4 would shrink every weight by 1 − αλ < 0.
        let decays = [0.0, 0.05, 0.1, 0.2];
        let r: Vec<ResultRow> = rows(Method::Sgd, &decays, 0.0, 5.0)
            .into_iter()
            .map(|mut x| {
                x.cell.lr *= 1000.0;
                x
            })
            .collect();
        let m = analyse_method(Method::Sgd, &r).unwrap();
        assert!((0..3).all(|li| edge(&m, li) == Some(Edge::Largest)));
        let p = proposals(&m, &r, &[0, 1], &Settings::tiny());
        assert!(p.iter().all(|p| p.lr * p.decay < 1.0), "{p:?}");
        assert_eq!(p.len(), 2, "α = 1 and 2 only: {p:?}");
    }
}
