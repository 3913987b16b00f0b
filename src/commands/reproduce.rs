//! `wdlab reproduce`: the whole study in one folder — the preset's sweep, more seeds at each
//! method's chosen cell, the equivalence check, the report — every stage skipping what the
//! folder already holds, so an interrupted run resumes.

use super::print_verdicts;
use super::report::run_equivalence;
use crate::analysis::Analysis;
use crate::cli::resolve::study_plan;
use crate::cli::ReproduceArgs;
use crate::report::write_report;
use crate::study::{sweep, Grid, MethodGrid};
use std::time::Instant;

pub(crate) fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    crate::util::interrupt::catch_sigint();
    let (spec, how) = study_plan(&args.study)?;
    let dir = &args.out;
    let t0 = Instant::now();
    let stage = |s: String| -> anyhow::Result<()> {
        if !how.quiet {
            say!("{s}")?;
        }
        Ok(())
    };
    stage(format!(
        "[1/4] sweep: {} cells per seed × {} seed(s)",
        spec.grid
            .methods
            .iter()
            .map(|g| g.lrs.len() * g.decays.len())
            .sum::<usize>(),
        spec.grid.seeds.len()
    ))?;
    sweep(dir, &spec.settings, &spec.grid, None, &how)?;
    let t1 = Instant::now();
    let chosen = chosen_cells(&Analysis::load(dir)?, spec.final_seeds);
    stage(format!(
        "[2/4] {} seeds at each method's chosen cell (chosen on validation)",
        chosen.seeds.len()
    ))?;
    if !chosen.methods.is_empty() {
        sweep(dir, &spec.settings, &chosen, None, &how)?;
    }
    let t2 = Instant::now();
    if dir.join("equivalence.json").exists() {
        stage("[3/4] equivalence check: already in equivalence.json".into())?;
    } else {
        stage("[3/4] equivalence check: SGD + L2 vs SGDW, Adam + L2 vs AdamW".into())?;
        run_equivalence(dir, &how)?;
    }
    let t3 = Instant::now();
    stage("[4/4] report".into())?;
    let analysis = Analysis::load(dir)?;
    let path = write_report(&analysis)?;
    stage(format!(
        "done in {:.1} min (sweep {:.1}, seeds {:.1}, equivalence {:.1}, report {:.1} s): {}",
        t0.elapsed().as_secs_f64() / 60.0,
        (t1 - t0).as_secs_f64() / 60.0,
        (t2 - t1).as_secs_f64() / 60.0,
        (t3 - t2).as_secs_f64() / 60.0,
        t3.elapsed().as_secs_f64(),
        path.display()
    ))?;
    print_verdicts(&analysis, &path)
}

/// Each method's chosen cell (chosen on validation with the grid's seeds only, so no cell
/// wins by having more seeds) over seeds `0..final_seeds`.
fn chosen_cells(analysis: &Analysis, final_seeds: usize) -> Grid {
    Grid {
        methods: analysis
            .methods
            .iter()
            .filter_map(|m| {
                let c = m.chosen.as_ref()?;
                Some(MethodGrid {
                    method: m.method,
                    lrs: vec![c.lr],
                    decays: vec![c.decay],
                })
            })
            .collect(),
        seeds: (0..final_seeds.max(1) as u64).collect(),
    }
}
