//! `map.md` and `map.svg`: the verdict per method along the axis, and per point the slopes in
//! both conventions, the best total decay F at each α, the transfer regret, and (on the
//! data-size axis) the best decay and its timescale against N. Every number re-computes from
//! the point folders' results.csv.

use super::across::{reuse, Moved};
use super::axis::Axis;
use super::figure::{draw_map, middle_f, title};
use super::plan::MapSpec;
use super::point::Point;
use super::verdict::axis_verdict;
use crate::analysis::Estimate;
use crate::optim::{DecayKind, Hyper, Method};
use crate::report::{est, signed};
use crate::util::fmt::short;
use crate::util::fs::write_atomic;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes `dir/map.md` and `dir/map.svg` (the figure only when a point has a slope); returns
/// their paths.
pub(crate) fn write_map(
    dir: &Path,
    spec: &MapSpec,
    points: &[Point],
) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let svg = dir.join("map.svg");
    let drawn = if points.is_empty() {
        None
    } else {
        draw_map(&svg, spec, points).ok().map(|()| svg)
    };
    let md = dir.join("map.md");
    write_atomic(&md, markdown(spec, points, drawn.is_some()).as_bytes())?;
    Ok((md, drawn))
}

fn markdown(spec: &MapSpec, points: &[Point], figure: bool) -> String {
    let axis = spec.axis.axis;
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", title(spec));
    let _ = writeln!(s, "{}\n", intro(spec));
    if figure {
        let _ = writeln!(s, "![the map](map.svg)\n");
    } else {
        let _ = writeln!(
            s,
            "No point has a slope or a fitted floor yet, so there is no figure.\n"
        );
    }
    let _ = writeln!(s, "## Verdict\n");
    if points.is_empty() {
        let _ = writeln!(s, "No point has been run yet.\n");
    }
    for &m in &spec.methods {
        let _ = writeln!(s, "- {}", axis_verdict(axis, points, m));
    }
    let _ = writeln!(
        s,
        "\nSGDW needs no point of its own: without momentum it is SGD + L2 at λ' = αλ, so its \
         slope is SGD + L2's plus exactly 1.\n"
    );
    let _ = writeln!(s, "{}", points_table(spec, points));
    let _ = writeln!(s, "{}", slopes_table(axis, points));
    let _ = writeln!(s, "{}", f_table(axis, points));
    let _ = writeln!(s, "{}", regret_table(axis, points));
    let _ = writeln!(s, "{}", reuse_table(axis, points));
    if axis == Axis::TrainSize {
        let _ = writeln!(s, "{}", size_table(points));
    }
    let _ = writeln!(s, "{}", caveats(spec));
    s
}

fn intro(spec: &MapSpec) -> String {
    let b = &spec.base;
    format!(
        "One study per {axis} value, the rest held at the base regime ({n} training images, \
         {e} epochs, clean labels, where the axis does not move them), a {h}-wide hidden \
         layer, batch {bs}, the {sched} schedule, plain SGD and the paper's decay convention; methods {methods}; seeds {seeds}; per α three learning rates a \
         factor 4 apart, decay 0 and four decays a factor 2 apart, extended by refinement \
         (at most {budget} runs per point) until each α's best is bracketed.\n\n\
         Two limits predict opposite slopes of the best L2 penalty λ against α (log-log). \
         **Regulariser**: training settles at a minimiser of R_emp + (λ/2)‖θ‖², which does not \
         depend on α — slope 0 in λ, +1 in λ' = αλ. **Timescale** (Loshchilov & Hutter's \
         picture; Wang & Aitchison 2024; Li, Lyu & Arora 2020): what matters is the decay's \
         total number of e-folds F = Σ_t η_t·α·λ — slope −1 in λ, 0 in λ'. A point reads as \
         one limit only when every interval of the analyst's choices (fitting windows 0.5, 1, \
         2 points; each α left out) holds that limit's slope and excludes the other's; the \
         union of those intervals is the bar in the figure.",
        axis = spec.axis.axis.name(),
        n = b.train_size().map_or("all".into(), |n| n.to_string()),
        e = b.epochs(),
        h = hidden(b.hidden()),
        bs = b.batch_size(),
        sched = b.schedule().name(),
        methods = spec
            .methods
            .iter()
            .map(|m| m.label())
            .collect::<Vec<_>>()
            .join(", "),
        seeds = spec.seeds.len(),
        budget = spec.refine_budget,
    )
}

fn points_table(spec: &MapSpec, points: &[Point]) -> String {
    let methods: Vec<&str> = spec.methods.iter().map(|m| m.label()).collect();
    let mut s = format!(
        "## Points\n\nThe gain of decay is the best cell's validation accuracy minus the best \
         cell's without decay, in points: where it is within the seed noise, decay barely \
         matters and no slope can be read.\n\n\
         | point | folder | runs | Σ η_t (F per unit αλ) | gain of decay ({}) |\n|---|---|---|---|---|\n",
        methods.join(" / ")
    );
    for &v in &spec.axis.values {
        let folder = spec.axis.point_dir(v);
        match points.iter().find(|p| p.value == v) {
            Some(p) => {
                let gains: Vec<String> = spec
                    .methods
                    .iter()
                    .map(|&m| {
                        p.methods
                            .iter()
                            .find(|x| x.method == m)
                            .and_then(|x| x.gain)
                            .map_or("—".into(), |g| format!("{g:.2}"))
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "| {} | [{folder}]({folder}/) | {} | {:.0} | {} |",
                    spec.axis.axis.describe(v),
                    p.runs,
                    p.eta_sum,
                    gains.join(" / ")
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "| {} | {folder} | not run yet | | |",
                    spec.axis.axis.describe(v)
                );
            }
        }
    }
    s
}

fn opt(e: Option<Estimate>) -> String {
    e.map_or("—".into(), |e| est(&e))
}

fn slopes_table(axis: Axis, points: &[Point]) -> String {
    let mut s = String::from(
        "## Slopes of the best decay against α\n\n\
         | point | method | slope in λ [95 %] | in λ' = αλ | union over the choices | points over the choices | reads as |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for p in points {
        for m in &p.methods {
            let range = m.range.map_or("—".into(), |(a, b)| {
                format!("{} … {}", signed(a), signed(b))
            });
            let union = m.union.map_or("—".into(), |(a, b)| {
                format!("[{}, {}]", signed(a), signed(b))
            });
            let failed = if m.untrained.is_empty() {
                String::new()
            } else {
                let lrs: Vec<String> = m.untrained.iter().map(|&lr| short(lr)).collect();
                format!(" (α {} failed to train, left out)", lrs.join(", "))
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {union} | {range} | {}{failed} |",
                axis.describe(p.value),
                m.method.label(),
                opt(m.slope),
                opt(m.slope.map(|e| e.shifted(1.0))),
                m.limit.word()
            );
        }
    }
    s
}

fn f_table(axis: Axis, points: &[Point]) -> String {
    let mut s = String::from(
        "## Total decay F = Σ η_t·α·λ at each α's best\n\n\
         Constant F across α is the timescale picture (slope −1 in λ); F growing ∝ α is the \
         regulariser's. Per α: the best decay tried (and its F), then the fitted floor's F \
         with its 95 % interval (α whose best is bracketed only). For Adam + L2, F is nominal: \
         its penalty λθ passes through the adaptive scaling like the loss's gradient, so the \
         weights shrink by far more than α·λ per step, and its F is not comparable with the \
         other methods'.\n\n\
         | point | method | best decay tried at each α (F) | fitted F at each α [95 %] |\n|---|---|---|---|\n",
    );
    for p in points {
        for m in &p.methods {
            let tried: Vec<String> = m
                .best
                .iter()
                .map(|(lr, d, f)| format!("α {}: {} ({})", short(*lr), short(*d), f_short(*f)))
                .collect();
            let fitted: Vec<String> = m
                .best_f
                .iter()
                .map(|(lr, e)| {
                    let i = e.interval.map_or(String::new(), |(a, b)| {
                        format!(" [{}, {}]", f_short(a), f_short(b))
                    });
                    format!("α {}: {}{i}", short(*lr), f_short(e.point))
                })
                .collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                axis.describe(p.value),
                m.method.label(),
                tried.join("; "),
                if fitted.is_empty() {
                    "—".into()
                } else {
                    fitted.join("; ")
                }
            );
        }
    }
    s
}

/// F in e-folds: "2.4", "0.031", "∞".
fn f_short(f: f64) -> String {
    if !f.is_finite() {
        return if f > 0.0 { "∞".into() } else { "0".into() };
    }
    if f == 0.0 {
        "0".into()
    } else if f >= 10.0 {
        format!("{f:.0}")
    } else {
        // Two significant digits: 0.0021, 0.25, 2.4.
        let digits = (1 - f.log10().floor() as i32).max(0) as usize;
        format!("{f:.digits$}")
    }
}

fn regret_table(axis: Axis, points: &[Point]) -> String {
    let mut s = String::from(
        "## Transfer regret: one tuned value reused at every α\n\n\
         Points of validation accuracy lost against tuning at each α (tuned on one seed, \
         scored on the other). Within one point Σ η_t is the same at every α, so holding F \
         fixed is holding αλ (λ' for the decoupled methods): the third convention coincides \
         with the second here and differs only across points (the F table above).\n\n\
         | point | method | holding λ | holding F (αλ, λ') | F − λ |\n|---|---|---|---|---|\n",
    );
    for p in points {
        for m in &p.methods {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                axis.describe(p.value),
                m.method.label(),
                opt(m.regret_lambda),
                opt(m.regret_f),
                opt(m.regret_difference)
            );
        }
    }
    s
}

fn moved_text(m: Option<Moved>) -> String {
    match m {
        None => "—".into(),
        Some(m) if m.compared == 0 => format!("off the next grid at {} α", m.off_grid),
        Some(m) => {
            let off = if m.off_grid > 0 {
                format!(", {} off the grid", m.off_grid)
            } else {
                String::new()
            };
            format!("{:.2} ({} α{off})", m.lost, m.compared)
        }
    }
}

fn reuse_table(axis: Axis, points: &[Point]) -> String {
    let mut s = String::from(
        "## One point's best decay reused at the next\n\n\
         At each α both points trained, the best decay of one point tried at the next, holding \
         λ (λ' for the decoupled methods at the same α) or holding the total decay F (the decay \
         times the ratio of the two points' Σ η_t); validation points lost against the next \
         point's own best at that α, averaged over α (one seed pair, no interval). Where Σ η_t \
         does not change along the axis the two columns are the same.\n\n\
         | from → to | method | holding λ | holding F |\n|---|---|---|---|\n",
    );
    for r in reuse(points) {
        let _ = writeln!(
            s,
            "| {} → {} | {} | {} | {} |",
            axis.describe(r.from),
            axis.describe(r.to),
            r.method.label(),
            moved_text(r.held_lambda),
            moved_text(r.held_f)
        );
    }
    s
}

fn size_table(points: &[Point]) -> String {
    let mut s = String::from(
        "## The best decay against the number of training images\n\n\
         At a fixed number of epochs both views expect the best decay to fall ∝ 1/N at a \
         given α: the timescale view because the best τ_epoch = batch/(N·λ') stays about \
         constant (Wang & Aitchison 2024), a classical prior because the penalty's weight \
         against N examples falls as 1/N. They differ in α: λ' fixed across α (timescale) or λ \
         fixed (prior) — the slopes above. From the fitted floor at the middle α; Adam + L2's \
         λ' = αλ is nominal (its penalty is rescaled by the adaptive step), so it has no \
         τ_epoch here.\n\n\
         | N | method | best λ' = αλ at the middle α [95 %] | τ_epoch = batch/(N·λ') |\n|---|---|---|---|\n",
    );
    let bound = |v: f64| match v {
        v if v == f64::INFINITY => "∞".to_string(),
        v if v <= 0.0 => "0".to_string(),
        v => short(v),
    };
    for p in points {
        let batch = p.settings.batch_size() as f64;
        for m in &p.methods {
            let Some((_, e)) = middle_f(m) else {
                continue;
            };
            let lp = e.point / p.eta_sum;
            let i = e.interval.map_or(String::new(), |(a, b)| {
                format!(" [{}, {}]", bound(a / p.eta_sum), bound(b / p.eta_sum))
            });
            let tau = if nominal_f(m.method) {
                "— (nominal)".to_string()
            } else {
                format!("{:.0} epochs", batch / (p.value * lp))
            };
            let _ = writeln!(
                s,
                "| {} | {} | {}{i} | {tau} |",
                p.value,
                m.method.label(),
                short(lp),
            );
        }
    }
    s
}

/// Whether a method's F = Σ η_t·α·λ is only nominal: an L2 penalty whose gradient the
/// direction rescales (Adam's √v̂, Lion's sign), so the weights do not shrink by α·λ a step.
fn nominal_f(m: Method) -> bool {
    m.decay_kind() == DecayKind::L2 && !m.takes(Hyper::Momentum)
}

fn caveats(spec: &MapSpec) -> String {
    format!(
        "## What this map does not show\n\n\
         - One network ({} hidden units), one data set, {} seeds per cell: the intervals \
         are over seeds and the analyst's choices, not over architectures.\n\
         - Accuracies are validation accuracies (the last 10,000 training images); the map \
         selects, it does not test.\n\
         - A point reads \"not settled\" or \"no valley resolved\" when its grid and seeds \
         cannot place the best decay tightly enough; that is a statement about this grid, \
         not evidence for either limit.\n",
        hidden(spec.base.hidden()),
        spec.seeds.len()
    )
}

/// Hidden widths as "256" or "512 × 256".
fn hidden(h: &[usize]) -> String {
    h.iter()
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(" × ")
}
