//! The refinement planner's rules on synthetic folders: each rule asks for its cells, and
//! nothing more once they are in the folder.

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
    assert!((0..3).all(|li| edge(&m, li) == Some(Edge::Flat)));
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
    assert!((0..3).all(|li| edge(&m, li) == Some(Edge::FlatToZero)));
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
        (x.val_accuracy, x.test_accuracy, x.train_loss, x.weight_norm) = (None, None, None, None);
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
