//! The report's coupling section: the best decay at each learning rate with its runner-up,
//! the valley and argmax slopes with their intervals in both decay conventions, the SGD pair's
//! calibration and the transfer test, and the figure of the best decays.

use super::format::{decay_cell, est, r2, robustness};
use crate::analysis::refine::{edge, proposals, Edge};
use crate::analysis::{
    Analysis, Held, MethodAnalysis, FAILED_POINTS, NEAR_BEST_POINTS, REPLICATES, SEPARATED_WITHIN,
    WINDOWS,
};
use crate::optim::DecayKind;
use crate::util::fmt::{percent, short};
use std::fmt::Write as _;

/// The section, tables first, then the figure.
pub(super) fn coupling(md: &mut String, a: &Analysis) -> anyhow::Result<()> {
    let _ = writeln!(md, "## Coupling of the best decay to the learning rate\n");
    let _ = writeln!(
        md,
        "Expect a slope of about −1 for the L2 methods (the best λ is λ'/α for a fixed best \
         λ') and about 0 for the decoupled ones in the paper's convention (about −1 in \
         PyTorch's, λ_pt = λ'/α, which shears every decoupled slope by exactly −1).\n\n\
         **Valley slope**: validation error (points) over the cells with a positive decay \
         within {NEAR_BEST_POINTS} point of their learning rate's best (where fewer than three \
         are that close, the best positive decay and its two neighbours) is fitted as \
         err = a_α + b·y + c·x·y + d·y² (x = log α, y = log decay, one offset per α); the \
         valley floor y*(x) = −(b + c·x)/(2d) has slope −c/(2d). Only learning rates whose \
         best positive decay is bracketed (a worse decay tried on each side) enter the fit. \
         **Argmax slope**: the least-squares line through the best decay at each α (the older \
         estimator; neighbouring decays often differ by less than the noise, so it jumps). \
         Intervals: 95 %, from {REPLICATES} bootstrap redraws of each cell's seeds (rescaled \
         for few seeds); a redrawn grid whose valley has no floor counts as an unbounded slope \
         (−∞ for the lower bound, +∞ for the upper), never dropped.\n\n\
         **Reading**: **no valley resolved** when the interval of the curvature d holds 0 (the \
         floor cannot be located, so no slope means anything); otherwise **separated** when \
         the interval lies within ±{SEPARATED_WITHIN} (over the grid's 16–32-fold α range the \
         best decay then moves by about one grid step or less), **coupled** when it excludes 0 \
         otherwise — each only when the same fit over windows of {} points and with each \
         fitted α left out in turn reads the same from its own interval; **not settled** \
         otherwise, with the range of those fits shown beside it.\n",
        WINDOWS.map(|w| w.to_string()).join(", ")
    );
    let left_out: Vec<String> = a
        .methods
        .iter()
        .filter(|m| !m.untrained_lrs.is_empty())
        .map(|m| {
            let lrs: Vec<String> = m.untrained_lrs.iter().map(|&v| untrained(m, v)).collect();
            format!("{} {}", m.method.label(), lrs.join(", "))
        })
        .collect();
    if !left_out.is_empty() {
        let _ = writeln!(
            md,
            "Left out of the slopes, basins and transfer test because they failed to train \
             (a seed of their best cell more than {FAILED_POINTS} points of validation \
             accuracy below every seed of the method's best cell): {}.\n",
            left_out.join("; ")
        );
    }
    slopes_table(md, a);
    calibration_and_transfer(md, a);
    best_decay_table(md, a);
    if super::coupling_figure::coupling(a)? {
        let _ = writeln!(md, "\n![coupling](coupling.svg)\n");
    }
    Ok(())
}

/// "α = 2e0 (without decay 72.8 %, every positive decay below 20 %)": an α that failed to
/// train, and whether it is the decay that makes it fail (its decay-0 cell trains).
fn untrained(m: &MethodAnalysis, lr: f64) -> String {
    let g = &m.grid;
    let Some(li) = g.lrs.iter().position(|&x| x == lr) else {
        return format!("α = {}", short(lr));
    };
    let best = |positive: bool| {
        (0..g.decays.len())
            .filter(|&di| (g.decays[di] > 0.0) == positive)
            .filter_map(|di| g.val[di][li])
            .reduce(f64::max)
    };
    match (best(false), best(true)) {
        (Some(zero), Some(pos)) if zero > pos => format!(
            "α = {} (without decay {} %, every positive decay at most {} %: the decay is what \
             fails there)",
            short(lr),
            percent(zero),
            percent(pos)
        ),
        _ => format!("α = {} (at every decay)", short(lr)),
    }
}

/// One row per method and convention: the valley slope, its reading and what the reading
/// rests on (windows, each α left out, curvature), the argmax slope; then the learning rates
/// left out of the fits because their best decay is not bracketed.
fn slopes_table(md: &mut String, a: &Analysis) {
    let _ = writeln!(
        md,
        "| method | decay as | valley slope [95 %] | reading | under other windows, without one α, curvature | α fitted | argmax slope [95 %] | argmax R² |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for m in &a.methods {
        let conventions: &[(&str, f64)] = if m.method.decay_kind() == DecayKind::Decoupled {
            &[("λ' (paper)", 0.0), ("λ_pt = λ'/α (PyTorch)", -1.0)]
        } else {
            &[("λ", 0.0)]
        };
        for &(name, shift) in conventions {
            let valley = m.slopes.valley.map(|e| e.shifted(shift));
            let argmax = m.slopes.argmax.map(|e| e.shifted(shift));
            let _ = writeln!(
                md,
                "| {} | {name} | {} | {} | {} | {} of {} | {} | {} |",
                m.method.label(),
                valley.as_ref().map_or("– (no valley fit)".into(), est),
                m.slopes.reading(shift).word(),
                valley.map_or("–".into(), |_| robustness(&m.slopes, shift)),
                m.slopes.fitted_lrs.len(),
                m.grid.lrs.len(),
                argmax.as_ref().map_or("–".into(), est),
                m.coupling.map_or("–".into(), |f| r2(f.r2)),
            );
        }
    }
    let _ = writeln!(md);
    for m in &a.methods {
        let left: Vec<String> = unbracketed(a, m);
        if !left.is_empty() {
            let _ = writeln!(
                md,
                "- {}: not in the fit, {}.",
                m.method.label(),
                left.join("; ")
            );
        }
    }
    let _ = writeln!(md);
}

/// The learning rates of `m` that trained but whose best decay the grid does not bracket, and
/// why: no decay helps there, the decay diverges beyond the best, or the refinement stage
/// would add a cell but its budget ran out ("α = 1e-3: best λ at the smallest tried; the
/// refinement budget ran out").
pub(super) fn unbracketed(a: &Analysis, m: &MethodAnalysis) -> Vec<String> {
    let seeds = &m.selection_seeds;
    let pending = proposals(m, &a.rows, seeds, &a.settings);
    let symbol = m.method.decay_symbol();
    (0..m.grid.lrs.len())
        .filter(|li| !m.slopes.fitted_lrs.contains(&m.grid.lrs[*li]))
        .filter_map(|li| {
            let lr = m.grid.lrs[li];
            let diverged_beyond = |decay: f64| {
                a.rows.iter().any(|r| {
                    r.cell.method == m.method
                        && r.cell.lr == lr
                        && r.cell.decay == decay
                        && r.status == crate::study::Status::Diverged
                })
            };
            let largest = (0..m.grid.decays.len())
                .rev()
                .find(|&di| m.grid.val[di][li].is_some())
                .map(|di| m.grid.decays[di]);
            let edge = edge(m, li)?;
            let why = match edge {
                Edge::Flat if largest.is_some_and(|d| diverged_beyond(2.0 * d)) => {
                    format!(
                        "no decay tried helps: every {symbol} that trains ties with none; twice \
                         the largest diverges"
                    )
                }
                Edge::Flat => {
                    format!(
                        "no decay tried helps, and none costs: every {symbol} tried ties with none"
                    )
                }
                Edge::FlatToZero => {
                    format!("no decay tried helps: the smallest {symbol} ties with none")
                }
                Edge::Largest if largest.is_some_and(|d| diverged_beyond(2.0 * d)) => {
                    format!("best {symbol} at the largest that trains; twice it diverges")
                }
                Edge::Smallest => format!("best {symbol} at the smallest tried"),
                Edge::Largest => format!("best {symbol} at the largest tried"),
                Edge::Interior => "too few cells near its floor".to_string(),
            };
            let budget = if !pending.iter().any(|p| p.lr == lr) {
                ""
            } else if edge == Edge::Flat {
                "; the refinement budget ran out before a larger one was tried"
            } else {
                "; the refinement budget ran out before it was bracketed"
            };
            Some(format!("α = {}: {why}{budget}", short(lr)))
        })
        .collect()
}

/// The SGD pair's calibration and the transfer test of every method.
fn calibration_and_transfer(md: &mut String, a: &Analysis) {
    for p in &a.pairs {
        if let Some(g) = &p.slope_gap {
            let _ = writeln!(
                md,
                "Valley slope of {} minus {}: {}{}.\n",
                p.decoupled.label(),
                p.l2.label(),
                est(g),
                match (p.l2, a.settings.momentum() > 0.0) {
                    (crate::optim::Method::Sgd, false) => {
                        " — 1 expected, since SGD + L2 with λ is SGDW with λ' = αλ (the fit's \
                         built-in calibration)"
                    }
                    (crate::optim::Method::Sgd, true) => {
                        " — no value expected: with momentum the two are different algorithms"
                    }
                    _ => " — no value expected: for Adam the two are different algorithms",
                }
            );
        }
    }
    let _ = writeln!(
        md,
        "**Transfer test**: the decay is tuned at one α on one seed, reused at every other α \
         (holding the decay as swept fixed, or the per-step product: λ_pt = λ'/α for the \
         decoupled methods, αλ for the L2 ones), and scored on the other seed against tuning \
         at each α on the same seed. Points of validation accuracy lost, mean over \
         comparisons (reused decays that fall off the grid are skipped):\n"
    );
    let _ = writeln!(
        md,
        "| method | held fixed | points lost | comparisons | off the grid |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for m in &a.methods {
        let per_step = if m.method.decay_kind() == DecayKind::Decoupled {
            "λ_pt = λ'/α"
        } else {
            "αλ"
        };
        for (held, name) in [
            (Held::AsSwept, m.method.decay_symbol()),
            (Held::PerStep, per_step),
        ] {
            let _ = match m.transfer(held) {
                Some(t) => writeln!(
                    md,
                    "| {} | {name} | {:.3} | {} | {} |",
                    m.method.label(),
                    t.loss_points,
                    t.comparisons,
                    t.off_grid
                ),
                None => writeln!(
                    md,
                    "| {} | {name} | – (needs two seeds per cell) | | |",
                    m.method.label()
                ),
            };
        }
    }
    let _ = writeln!(md);
}

/// One row per method and learning rate: the best decay there, its runner-up, the decays
/// tied with it and what it gains over none.
fn best_decay_table(md: &mut String, a: &Analysis) {
    let _ = writeln!(
        md,
        "The best decay at each learning rate; \"tied\" lists the other decays within the \
         method's tie margin (section \"Noise\"), so a best decay with ties is not decided by \
         these runs.\n"
    );
    let _ = writeln!(
        md,
        "| method | α | best decay | validation acc. | runner-up (behind by, points) | tied | same α, decay 0 | gain |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for m in &a.methods {
        for b in &m.per_lr {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} % | {} | {} | {} | {} |",
                m.method.label(),
                short(b.lr),
                decay_cell(m.method, b.lr, b.decay),
                percent(b.val),
                b.runner_up
                    .map_or("–".into(), |(d, gap)| format!("{} ({gap:.3})", short(d))),
                if b.tied.is_empty() {
                    "–".to_string()
                } else {
                    b.tied
                        .iter()
                        .map(|&d| short(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                b.val_no_decay
                    .map_or("–".into(), |v| format!("{} %", percent(v))),
                b.val_no_decay.map_or("–".into(), |v| format!(
                    "{:+.2} points",
                    100.0 * (b.val - v)
                ))
            );
        }
    }
}
