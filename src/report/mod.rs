//! The report of an analysed study folder: plain-language verdicts, `report.md` with its SVG
//! figures (heat maps, coupling, learning curves, the equivalence check), and `wdlab
//! compare`'s table ([`compare`]).

pub mod compare;

use crate::analysis::{Analysis, BestAtLr, MethodAnalysis, NOISE_POINTS};
use crate::optim::Method;
use crate::plot::{self as plots, Axes, HeatPanel, Series};
use crate::study::{Cell, EquivalencePair, Status};
use crate::util::fmt::short;
use crate::util::fs::write_atomic;
use crate::util::stats::mean_sd;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// R² for tables: "–" when the best decay is the same at every learning rate (R² undefined).
fn r2(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "– (constant)".into()
    }
}

fn pct(v: f64) -> String {
    format!("{:.2}", 100.0 * v)
}

/// "98.51 ± 0.03 % (3 seeds)".
pub fn pm(xs: &[f64]) -> String {
    let (m, sd) = mean_sd(xs);
    match sd {
        Some(sd) => format!(
            "{:.2} ± {:.2} % ({} seeds)",
            100.0 * m,
            100.0 * sd,
            xs.len()
        ),
        None => format!("{:.2} % (1 seed, no sd)", 100.0 * m),
    }
}

/// Claim 3 for one pair: an L2 method `a2` and its decoupled partner `ad`.
fn coupling_verdict(a2: &MethodAnalysis, ad: &MethodAnalysis) -> String {
    let slope = |m: &MethodAnalysis| {
        m.coupling.map_or(
            "no fit (fewer than two learning rates with a non-zero best decay)".to_string(),
            |f| format!("{:+.2} (R² {}, {} points)", f.slope, r2(f.r2), f.points),
        )
    };
    let fits = format!(
        "{} slope of log(best λ) on log(α): {}; {} slope of log(best λ') on log(α): {}.",
        a2.method.label(),
        slope(a2),
        ad.method.label(),
        slope(ad)
    );
    // Two points always lie on a line: a verdict needs three, and a fit that explains
    // at least half of the spread.
    let fit = |m: &MethodAnalysis, ok: fn(f64) -> bool| {
        m.coupling
            .is_some_and(|f| f.points >= 3 && f.r2 >= 0.5 && ok(f.slope))
    };
    let coupled = fit(a2, |slope| slope <= -0.5);
    let separable = ad
        .coupling
        .is_some_and(|f| f.points >= 3 && f.slope.abs() < 0.5);
    // The other way round needs evidence on both sides: a best λ' that grows with α, and a
    // best λ fitted over three or more rates that does not fall.
    let decay_tracks_lr =
        fit(ad, |slope| slope >= 0.5) && a2.coupling.is_some_and(|f| f.points >= 3);
    // A best decay only means something at a learning rate where decay beats no decay by
    // more than the noise; with fewer than three such rates the slope is mostly noise.
    let weak: Vec<String> = [a2, ad]
        .iter()
        .filter(|m| m.informative_lrs() < 3)
        .map(|m| {
            format!(
                "{} beats no decay by {NOISE_POINTS} points or more at only {} of {} learning rates",
                m.method.label(),
                m.informative_lrs(),
                m.lrs.len()
            )
        })
        .collect();
    let caveat = if weak.is_empty() {
        String::new()
    } else {
        format!(
            " Caveat: {}, so the best decay at the other rates is set by noise.",
            weak.join("; ")
        )
    };
    let edges: Vec<String> = [a2, ad].iter().filter_map(|m| grid_edges(m)).collect();
    let caveat = if edges.is_empty() {
        caveat
    } else {
        format!("{caveat} Also: {}.", edges.join("; "))
    };
    let moves = format!(
        "Over α from {} to {}, the best λ goes {} and the best λ' {}.",
        short(a2.lrs.first().copied().unwrap_or(f64::NAN)),
        short(a2.lrs.last().copied().unwrap_or(f64::NAN)),
        best_decay_path(a2),
        best_decay_path(ad)
    );
    let verdict = match (coupled, separable) {
        (true, true) if !weak.is_empty() => {
            "**Suggested, not shown**: the slopes point the expected way (the best L2 \
             coefficient falls as the learning rate grows, the best decoupled decay \
             moves much less)."
        }
        (true, true) => {
            "**Shown**: the best L2 coefficient falls as the learning rate grows, while \
             the best decoupled decay moves much less."
        }
        (true, false) => {
            "**Partly shown**: the best L2 coefficient falls as the learning rate grows, \
             but the best decoupled decay moves too."
        }
        (false, true) => {
            "**Partly shown**: the best decoupled decay stays put, but the best L2 \
             coefficient does not clearly fall with the learning rate."
        }
        (false, false) if decay_tracks_lr => {
            "**Not shown, the other way round**: the best L2 coefficient does not clearly \
             fall with the learning rate, and the best decoupled decay grows with it \
             (λ' ≈ αλ at a fixed λ). What stays roughly fixed here is λ, as if the runs \
             settled near the minimiser of R_emp + (λ/2)‖θ‖², which does not depend on α."
        }
        (false, false) => {
            "**Not shown** by these grids (a verdict needs slopes fitted over at least \
             three learning rates, about −1 for L2 and about 0 for decoupled decay)."
        }
    };
    format!("{fits} {moves} {verdict}{caveat}")
}

/// How the two equivalence curves compare over the full run, against the seed noise of the
/// chosen cell of `sgd` (when it has several seeds).
fn curve_drift(p: &EquivalencePair, sgd: Option<&MethodAnalysis>) -> String {
    let gap = p.max_curve_gap();
    if gap <= NOISE_POINTS {
        return format!("Their test-accuracy curves stay within {gap:.2} points of each other.");
    }
    let at = p
        .test_a
        .iter()
        .zip(&p.test_b)
        .zip(&p.epochs)
        .max_by(|((a1, b1), _), ((a2, b2), _)| (*a1 - *b1).abs().total_cmp(&(*a2 - *b2).abs()))
        .map_or(0, |(_, &e)| e);
    let last = match (p.test_a.last(), p.test_b.last()) {
        (Some(a), Some(b)) => 100.0 * (a - b).abs(),
        _ => f64::NAN,
    };
    let noise = sgd
        .and_then(|m| m.chosen.as_ref())
        .and_then(|c| mean_sd(&c.tests).1)
        .map_or(String::new(), |sd| {
            format!(
                " (the seed-to-seed standard deviation at SGD + L2's chosen cell is {:.2})",
                100.0 * sd
            )
        });
    format!(
        "Over the full run their test-accuracy curves drift apart, by up to {gap:.2} points \
         (epoch {at}) and {last:.2} points at the end{noise}: float rounding differences of \
         that size grow over thousands of steps, as between any two runs that differ in the \
         last bit."
    )
}

/// The learning rates whose best decay is the smallest or the largest non-zero decay of the
/// grid, where the optimum may lie beyond what was tried ("AdamW: at α = 5e-4 and 1e-3 the
/// best λ' is the smallest non-zero value tried").
fn grid_edges(m: &MethodAnalysis) -> Option<String> {
    let nonzero: Vec<f64> = m.decays.iter().copied().filter(|&d| d > 0.0).collect();
    let (lo, hi) = (nonzero.first()?, nonzero.last()?);
    let side = |edge: f64, word: &str| {
        let lrs: Vec<String> = m
            .per_lr
            .iter()
            .filter(|b| b.decay == edge)
            .map(|b| short(b.lr))
            .collect();
        (!lrs.is_empty()).then(|| {
            format!(
                "at α = {} the best {} is the {word} non-zero value tried",
                lrs.join(", "),
                m.method.decay_symbol()
            )
        })
    };
    let parts: Vec<String> = [side(*lo, "smallest"), side(*hi, "largest")]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| format!("{}: {}", m.method.label(), parts.join(", ")))
}

/// The best decay at the smallest and the largest learning rate: "from 1e-3 to 1.25e-4".
fn best_decay_path(m: &MethodAnalysis) -> String {
    match (m.per_lr.first(), m.per_lr.last()) {
        (Some(a), Some(b)) => format!("from {} to {}", short(a.decay), short(b.decay)),
        _ => "(no data)".to_string(),
    }
}

/// The verdicts, one paragraph per claim, stating honestly what the data does not show.
pub fn verdicts(a: &Analysis) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Claim 1.
    let claim1 = match &a.equivalence {
        Some(eq) => {
            let p = &eq.sgd;
            let rel = p.max_param_diff / p.max_param.max(f64::MIN_POSITIVE);
            // The identity is per step, so the one-epoch parameter difference is the test. Over
            // a long run any two computations that differ in the last bit drift apart (more so
            // at a large learning rate), so the curves are compared with the seed noise.
            let same = rel < 1e-4;
            let mut s = format!(
                "{}: after one epoch ({} steps) the largest parameter difference is {:.1e} \
                 (parameters up to {:.2}, relative {:.1e}). ",
                p.title, p.steps, p.max_param_diff, p.max_param, rel,
            );
            if same {
                s.push_str(
                    "**Shown**: the two are the same algorithm up to float rounding, as \
                     λ' = αλ predicts. ",
                );
                s.push_str(&curve_drift(p, a.method(Method::Sgd)));
            } else {
                s.push_str(
                    "**Not shown**: the runs differ by more than float rounding explains; check \
                     that SGD runs without momentum (momentum breaks the equivalence).",
                );
            }
            if let Some(q) = &eq.adam {
                let _ = write!(
                    s,
                    " For contrast, {}: largest parameter difference {:.1e} after one epoch \
                     (relative {:.1e}), curves up to {:.2} points apart — for Adam, L2 and \
                     decoupled decay are different algorithms.",
                    q.title,
                    q.max_param_diff,
                    q.max_param_diff / q.max_param.max(f64::MIN_POSITIVE),
                    q.max_curve_gap()
                );
            }
            s
        }
        None => "Not measured in this folder: run `wdlab report DIR --equivalence` (or `wdlab \
                 reproduce`) to train the pair."
            .to_string(),
    };
    out.push((
        "1. SGD + L2 with λ equals SGDW with λ' = αλ".to_string(),
        claim1,
    ));
    // Claim 2.
    let claim2 = match (
        a.method(Method::Adam).and_then(|m| m.chosen.as_ref()),
        a.method(Method::Adamw).and_then(|m| m.chosen.as_ref()),
    ) {
        (Some(l2), Some(w)) => {
            let (ml, sl) = mean_sd(&l2.tests);
            let (mw, sw) = mean_sd(&w.tests);
            let diff = 100.0 * (mw - ml);
            // Standard error of the difference; with one seed, the noise floor stands in.
            let se = match (sl, sw) {
                (Some(sl), Some(sw)) => Some(
                    100.0
                        * (sl.powi(2) / l2.tests.len() as f64 + sw.powi(2) / w.tests.len() as f64)
                            .sqrt(),
                ),
                _ => None,
            };
            let threshold = se.map_or(NOISE_POINTS, |se| (2.0 * se).max(NOISE_POINTS));
            let mut s = format!(
                "At their best settings on validation, AdamW (α = {}, λ' = {}) reaches {} test \
                 accuracy and Adam + L2 (α = {}, λ = {}) {}: a difference of {:+.2} points{}. ",
                short(w.lr),
                short(w.decay),
                pm(&w.tests),
                short(l2.lr),
                short(l2.decay),
                pm(&l2.tests),
                diff,
                se.map_or(
                    " (one seed each: no standard error)".to_string(),
                    |se| format!(" (standard error {se:.2})")
                ),
            );
            if diff > threshold {
                s.push_str(
                    "**Shown**: AdamW generalises better than Adam + L2 here, by more than the \
                     noise.",
                );
            } else if diff < -threshold {
                s.push_str(
                    "**Not shown, reversed**: Adam + L2 is better than AdamW on this MNIST setup \
                     by more than the noise.",
                );
            } else {
                let _ = write!(
                    s,
                    "**Not shown**: the difference is within the noise (below {threshold:.2} \
                     points), so on this MNIST setup AdamW and Adam + L2 tie at their best \
                     settings. That they are different algorithms is still visible in the \
                     equivalence check and in the different shapes of their heat maps."
                );
            }
            s
        }
        _ => "Not measured: the sweep needs both adam and adamw.".to_string(),
    };
    out.push((
        "2. For Adam, L2 and decoupled decay differ, and which generalises better".to_string(),
        claim2,
    ));
    // Claim 3.
    let mut s = String::new();
    for (l2, dec) in [(Method::Sgd, Method::Sgdw), (Method::Adam, Method::Adamw)] {
        let (Some(a2), Some(ad)) = (a.method(l2), a.method(dec)) else {
            continue;
        };
        s.push_str(&coupling_verdict(a2, ad));
        s.push(' ');
    }
    if s.is_empty() {
        s = "Not measured: the sweep needs an L2 method and its decoupled partner.".into();
    }
    out.push((
        "3. The best L2 penalty is tied to the learning rate; decoupled decay separates them"
            .to_string(),
        s.trim_end().to_string(),
    ));
    out
}

/// Per-epoch test accuracy of `rows`' runs (folder `DIR/runs/<cell>/metrics.csv`), as mean
/// and band (± sd, or the single curve) over seeds.
fn curve_series(dir: &Path, label: String, cells: &[Cell]) -> Option<Series> {
    let mut by_epoch: std::collections::BTreeMap<usize, Vec<f64>> = Default::default();
    for c in cells {
        let path = dir.join("runs").join(c.run_name()).join("metrics.csv");
        if let Ok(records) = crate::train::metrics::read_metrics(&path) {
            for r in records {
                by_epoch
                    .entry(r.epoch)
                    .or_default()
                    .push(100.0 * r.test_accuracy);
            }
        }
    }
    if by_epoch.is_empty() {
        return None;
    }
    let mut s = Series {
        label,
        ..Series::default()
    };
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for (e, v) in by_epoch {
        let (m, sd) = mean_sd(&v);
        s.x.push(e as f64);
        s.y.push(m);
        // Accuracy is a percentage: the band stops at 0 and 100.
        lo.push((m - sd.unwrap_or(0.0)).max(0.0));
        hi.push((m + sd.unwrap_or(0.0)).min(100.0));
    }
    if cells.len() > 1 {
        s.band = Some((lo, hi));
    }
    Some(s)
}

/// Learning curves of the given cells (one series per method), band = ± sd over seeds.
pub fn write_curves(
    dir: &Path,
    path: &Path,
    title: &str,
    groups: &[(String, Vec<Cell>)],
) -> anyhow::Result<bool> {
    let series: Vec<Series> = groups
        .iter()
        .filter_map(|(label, cells)| curve_series(dir, label.clone(), cells))
        .collect();
    if series.is_empty() {
        return Ok(false);
    }
    plots::line_chart(
        path,
        &Axes {
            title: title.to_string(),
            x_label: "epoch".into(),
            y_label: "test accuracy (%)".into(),
            log_x: false,
            log_y: false,
        },
        &series,
    )?;
    Ok(true)
}

/// Writes report.md and the figures into the study folder; returns the report's path.
pub fn write_report(a: &Analysis) -> anyhow::Result<PathBuf> {
    let dir = &a.dir;
    let mut md = String::new();
    let n_div = a
        .rows
        .iter()
        .filter(|r| r.status == Status::Diverged)
        .count();
    let secs: f64 = a.rows.iter().map(|r| r.seconds).sum();
    let _ = writeln!(md, "# Weight decay on MNIST: the study\n");
    let _ = writeln!(
        md,
        "Setting: {}. {} cells finished ({} diverged), {:.1} minutes of training (wall clock, summed over cells) in the \
         sweep. Hyper-parameters are chosen on the validation split (mean over the seeds every \
         cell has); test accuracy is reported for the chosen cells only, as mean ± sd over every \
         seed run there. Notation: α learning rate, λ L2 coefficient (sgd, adam: g ← ∇R + λθ), \
         λ' decoupled decay (sgdw, adamw: θ ← θ − η_t·λ'·θ per step).\n",
        a.settings.describe(),
        a.rows.len(),
        n_div,
        secs / 60.0
    );
    let _ = writeln!(
        md,
        "Why this regime: with all 50,000 training images and a few epochs the MLP barely \
         overfits and weight decay never helps by more than seed noise (about 0.1 points; \
         rounding alone moves single-seed accuracy by about 0.03). Few training images and many \
         epochs make it overfit, so regularisation can pay; the column \"gain of decay\" below \
         measures how much it pays here, per method. Change the regime with --train-size, \
         --epochs, --momentum and the grid flags (README, \"Choosing the regime\").\n"
    );
    // Verdicts first.
    let _ = writeln!(md, "## Verdicts\n");
    for (claim, text) in verdicts(a) {
        let _ = writeln!(md, "**{claim}.** {text}\n");
    }
    // Chosen settings.
    let _ = writeln!(
        md,
        "## Chosen settings (on validation) and their test accuracy\n"
    );
    let _ = writeln!(
        md,
        "| method | α | decay | validation acc. (selection seeds) | test acc. (mean ± sd) | gain of decay on validation |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for m in &a.methods {
        if let Some(c) = &m.chosen {
            let _ = writeln!(
                md,
                "| {} | {} | {} = {} | {} % ({} seed{}) | {} | {} |",
                m.method.label(),
                short(c.lr),
                m.method.decay_symbol(),
                short(c.decay),
                pct(c.val),
                m.selection_seeds.len().max(1),
                if m.selection_seeds.len() > 1 { "s" } else { "" },
                pm(&c.tests),
                m.gain_over_no_decay()
                    .map_or("– (no decay 0 in grid)".into(), |g| format!(
                        "{g:+.2} points"
                    )),
            );
        }
    }
    let _ = writeln!(
        md,
        "\n\"Gain of decay\": best cell minus best cell with decay 0, validation accuracy; \
         differences below {NOISE_POINTS} points are noise.\n"
    );
    // Heat maps.
    let panels: Vec<HeatPanel> = a
        .methods
        .iter()
        .map(|m| HeatPanel {
            title: m.method.label().to_string(),
            x_labels: m.lrs.iter().map(|&v| short(v)).collect(),
            y_labels: m
                .decays
                .iter()
                .map(|&v| format!("{} {}", m.method.decay_symbol(), short(v)))
                .collect(),
            z: m.val
                .iter()
                .map(|row| row.iter().map(|v| v.map(|v| 100.0 * (1.0 - v))).collect())
                .collect(),
            best: m.best,
        })
        .collect();
    let heat_title = format!(
        "Validation error (%) over learning rate × decay ({} training images, {} epochs)",
        a.settings
            .train_size
            .map_or("all".to_string(), |n| n.to_string()),
        a.settings.epochs
    );
    let x_label = "learning rate α (log scale)";
    let y_label = "decay: λ (L2) or λ' (decoupled), log scale";
    if !panels.is_empty() {
        plots::heatmaps(
            &dir.join("heatmaps.svg"),
            &heat_title,
            x_label,
            y_label,
            "validation error (%)",
            &panels,
        )?;
        for (m, p) in a.methods.iter().zip(&panels) {
            plots::heatmaps(
                &dir.join(format!("heatmap-{}.svg", m.method)),
                &format!("{}: validation error (%)", m.method.label()),
                x_label,
                &format!("{} (log scale)", m.method.decay_symbol()),
                "validation error (%)",
                std::slice::from_ref(p),
            )?;
        }
        let _ = writeln!(md, "## Validation error over the grid\n");
        let _ = writeln!(
            md,
            "![heat maps](heatmaps.svg)\n\nOne panel per method (like Loshchilov & Hutter 2019, \
             Fig. 2); the ringed cell is the best on validation; hatched cells are missing or \
             diverged. Per method: {}.\n",
            a.methods
                .iter()
                .map(|m| format!("[{}](heatmap-{}.svg)", m.method.label(), m.method))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Coupling.
    let _ = writeln!(md, "## Coupling of the best decay to the learning rate\n");
    let _ = writeln!(
        md,
        "For each learning rate, the decay with the best validation accuracy; the slope is a \
         least-squares fit of log10(best decay) on log10(α) over the learning rates whose best \
         decay is not 0. Expect about −1 for the L2 methods (the best λ is λ'/α for a fixed \
         best λ') and about 0 for the decoupled ones.\n"
    );
    let _ = writeln!(
        md,
        "| method | α | best decay | validation acc. | same α, decay 0 | gain |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    let mut coupling_series = Vec::new();
    for m in &a.methods {
        for b in &m.per_lr {
            let _ = writeln!(
                md,
                "| {} | {} | {} = {} | {} % | {} | {} |",
                m.method.label(),
                short(b.lr),
                m.method.decay_symbol(),
                short(b.decay),
                pct(b.val),
                b.val_no_decay
                    .map_or("–".into(), |v| format!("{} %", pct(v))),
                b.val_no_decay.map_or("–".into(), |v| format!(
                    "{:+.2} points",
                    100.0 * (b.val - v)
                ))
            );
        }
        let pts: Vec<&BestAtLr> = m.per_lr.iter().filter(|b| b.decay > 0.0).collect();
        if !pts.is_empty() {
            coupling_series.push(Series {
                label: format!(
                    "{} (slope {})",
                    m.method.label(),
                    m.coupling
                        .map_or("n/a".to_string(), |f| format!("{:+.2}", f.slope))
                ),
                x: pts.iter().map(|b| b.lr).collect(),
                y: pts.iter().map(|b| b.decay).collect(),
                band: None,
            });
        }
    }
    let _ = writeln!(md, "\n| method | slope | intercept | R² | points |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for m in &a.methods {
        match m.coupling {
            Some(f) => {
                let _ = writeln!(
                    md,
                    "| {} | {:+.2} | {:+.2} | {} | {} |",
                    m.method.label(),
                    f.slope,
                    f.intercept,
                    r2(f.r2),
                    f.points
                );
            }
            None => {
                let _ = writeln!(
                    md,
                    "| {} | – (fewer than two learning rates with a non-zero best decay) | | | |",
                    m.method.label()
                );
            }
        }
    }
    if !coupling_series.is_empty() {
        plots::line_chart(
            &dir.join("coupling.svg"),
            &Axes {
                title: "Best decay at each learning rate (on validation)".into(),
                x_label: "learning rate α (log scale)".into(),
                y_label: "best decay λ or λ' (log scale)".into(),
                log_x: true,
                log_y: true,
            },
            &coupling_series,
        )?;
        let _ = writeln!(md, "\n![coupling](coupling.svg)\n");
    }
    // Learning curves of the chosen settings.
    let groups: Vec<(String, Vec<Cell>)> = a
        .methods
        .iter()
        .filter_map(|m| {
            let c = m.chosen.as_ref()?;
            Some((
                format!(
                    "{} α={} {}={}",
                    m.method.label(),
                    short(c.lr),
                    m.method.decay_symbol(),
                    short(c.decay)
                ),
                c.seeds
                    .iter()
                    .map(|&seed| Cell {
                        method: m.method,
                        lr: c.lr,
                        decay: c.decay,
                        seed,
                    })
                    .collect(),
            ))
        })
        .collect();
    if write_curves(
        dir,
        &dir.join("curves.svg"),
        "Test accuracy of the chosen settings (mean ± sd over seeds)",
        &groups,
    )? {
        let _ = writeln!(md, "## Learning curves of the chosen settings\n");
        let _ = writeln!(
            md,
            "![learning curves](curves.svg)\n\nTest accuracy at each evaluated epoch; the band is \
             ± one standard deviation over seeds.\n"
        );
    }
    // Equivalence.
    let _ = writeln!(md, "## Equivalence check\n");
    match &a.equivalence {
        Some(eq) => {
            let _ = writeln!(
                md,
                "Two runs from the same seed (same initial weights, same batches), compared \
                 parameter by parameter after one epoch (the schedule spanning that epoch), then \
                 trained for the study's length to compare their test accuracy.\n"
            );
            let _ = writeln!(
                md,
                "| pair | steps | max abs(θ₁ − θ₂) after one epoch | max abs(θ) | largest test-accuracy gap | final test acc. |"
            );
            let _ = writeln!(md, "|---|---|---|---|---|---|");
            let mut figures = Vec::new();
            for (p, name) in std::iter::once((&eq.sgd, "equivalence-sgd"))
                .chain(eq.adam.as_ref().map(|p| (p, "equivalence-adam")))
            {
                let _ = writeln!(
                    md,
                    "| {} | {} | {:.2e} | {:.3} | {:.2} points | {} % vs {} % |",
                    p.title,
                    p.steps,
                    p.max_param_diff,
                    p.max_param,
                    p.max_curve_gap(),
                    p.test_a.last().map_or("–".into(), |&v| pct(v)),
                    p.test_b.last().map_or("–".into(), |&v| pct(v)),
                );
                let series: Vec<Series> = [(&p.a_label, &p.test_a), (&p.b_label, &p.test_b)]
                    .into_iter()
                    .map(|(label, ys)| Series {
                        label: label.clone(),
                        x: p.epochs.iter().map(|&e| e as f64).collect(),
                        y: ys.iter().map(|v| 100.0 * v).collect(),
                        band: None,
                    })
                    .collect();
                plots::line_chart(
                    &dir.join(format!("{name}.svg")),
                    &Axes {
                        title: format!(
                            "Same seed, same batches: {} (max |Δθ| after one epoch {:.1e}; \
                             curves at most {:.2} points apart)",
                            p.title,
                            p.max_param_diff,
                            p.max_curve_gap()
                        ),
                        x_label: "epoch".into(),
                        y_label: "test accuracy (%)".into(),
                        log_x: false,
                        log_y: false,
                    },
                    &series,
                )?;
                figures.push(name);
            }
            let _ = writeln!(
                md,
                "\nWhere the two are the same algorithm the two curves coincide (one hides the \
                 other).\n"
            );
            for name in figures {
                let _ = writeln!(md, "![{name}]({name}.svg)\n");
            }
        }
        None => {
            let _ = writeln!(
                md,
                "Not run for this folder: `wdlab report {} --equivalence` trains the pairs.\n",
                dir.display()
            );
        }
    }
    // Diverged cells.
    if n_div > 0 {
        let _ = writeln!(md, "## Diverged cells\n");
        for r in a.rows.iter().filter(|r| r.status == Status::Diverged) {
            let _ = writeln!(md, "- {}", r.cell.label());
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(
        md,
        "## Files\n\n`results.csv` (and `results.shard-*.csv`): one row per cell; `runs/<cell>/metrics.csv`: \
         per-epoch metrics; `study.json`: the shared settings; `equivalence.json`: the check above.\n\n\
         Written by wdlab {}.",
        env!("CARGO_PKG_VERSION")
    );
    let path = dir.join("report.md");
    write_atomic(&path, md.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyse_method;
    use crate::analysis::test_rows::synthetic;

    #[test]
    fn the_coupling_verdict_reads_the_slopes_both_ways() {
        let analyse = |m: Method, slope: f64, c: f64| {
            analyse_method(m, &synthetic(m, slope, c)).expect("rows")
        };
        // L-H's picture: best λ ∝ 1/α, best λ' fixed.
        let v = coupling_verdict(
            &analyse(Method::Adam, -1.0, 1e-6),
            &analyse(Method::Adamw, 0.0, 1e-4),
        );
        assert!(v.contains("**Shown**"), "{v}");
        // The other way round: best λ fixed, so best λ' = αλ grows with α.
        let v = coupling_verdict(
            &analyse(Method::Sgd, 0.0, 1e-3),
            &analyse(Method::Sgdw, 1.0, 1e-2),
        );
        assert!(v.contains("**Not shown, the other way round**"), "{v}");
        assert!(
            v.contains("best λ' from 1e-5 to 1e-3"),
            "the path of the best λ': {v}"
        );
        // Both fixed: the L2 side does not fall.
        let v = coupling_verdict(
            &analyse(Method::Sgd, 0.0, 1e-3),
            &analyse(Method::Sgdw, 0.0, 1e-3),
        );
        assert!(
            v.contains("**Partly shown**: the best decoupled decay stays put"),
            "{v}"
        );
    }

    #[test]
    fn a_best_decay_on_the_grid_edge_is_named() {
        // Best decay 1e-6, the smallest non-zero value of the synthetic grid, at every α.
        let m = analyse_method(Method::Adamw, &synthetic(Method::Adamw, 0.0, 1e-6)).unwrap();
        let edge = grid_edges(&m).expect("an edge");
        assert!(edge.contains("smallest non-zero value tried"), "{edge}");
        let inside = analyse_method(Method::Adamw, &synthetic(Method::Adamw, 0.0, 1e-3)).unwrap();
        assert_eq!(grid_edges(&inside), None);
    }
}
