//! `wdlab reproduce`: the whole study in one folder — the preset's sweep, the refinement that
//! brackets every learning rate's best decay, more seeds at each method's chosen cell, the
//! test predictions of the chosen cells, the equivalence check, the report — every stage
//! skipping what the folder already holds, so an interrupted run resumes.

use super::print_verdicts;
use super::report::run_equivalence;
use crate::analysis::refine::{funded, proposals, Proposal};
use crate::analysis::Analysis;
use crate::cli::resolve_study::study_plan;
use crate::cli::ReproduceArgs;
use crate::report::write_report;
use crate::study::backfill::{backfill_predictions, lacking_predictions};
use crate::study::{sweep, sweep_cells, Cell, Execution, Grid, MethodGrid, PresetSpec, Settings};
use std::path::Path;
use std::time::Instant;

/// Refinement rounds at most: each adds at most one doubling per side and learning rate.
const REFINE_ROUNDS: usize = 6;

pub(crate) fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    crate::util::interrupt::catch_sigint();
    let (spec, how) = study_plan(&args.study)?;
    let budget = args.refine_budget.unwrap_or(spec.refine_budget);
    let dir = &args.out;
    let t0 = Instant::now();
    let stage = |s: String| -> anyhow::Result<()> {
        if !how.quiet() {
            say!("{s}")?;
        }
        Ok(())
    };
    stage(format!(
        "[1/6] sweep: {} cells per seed × {} seed(s)",
        spec.grid
            .methods
            .iter()
            .map(|g| g.lrs.len() * g.decays.len())
            .sum::<usize>(),
        spec.grid.seeds.len()
    ))?;
    sweep(dir, &spec.settings, &spec.grid, None, &how)?;
    let t1 = Instant::now();
    stage(format!(
        "[2/6] refinement: bracket every α's best decay (at most {budget} runs)"
    ))?;
    let refined = refine(dir, &spec, &how, budget)?;
    stage(refined.line())?;
    let chosen = chosen_cells(&Analysis::load(dir)?, spec.final_seeds);
    stage(format!(
        "[3/6] {} seeds at each method's chosen cell (chosen on validation)",
        chosen.seeds.len()
    ))?;
    if !chosen.methods.is_empty() {
        sweep(dir, &spec.settings, &chosen, None, &how)?;
    }
    let t2 = Instant::now();
    let missing = lacking_predictions(dir, &chosen.cells())?;
    stage(format!(
        "[4/6] test predictions of the chosen cells: {} to retrain (rows checked bit for bit)",
        missing.len()
    ))?;
    backfill_predictions(dir, &spec.settings, &missing, &how)?;
    let t3 = Instant::now();
    if dir.join("equivalence.json").is_file() {
        stage("[5/6] equivalence check: already in equivalence.json".into())?;
    } else {
        stage("[5/6] equivalence check: SGD + L2 vs SGDW, Adam + L2 vs AdamW".into())?;
        run_equivalence(dir, &how)?;
    }
    let t4 = Instant::now();
    stage("[6/6] report".into())?;
    let analysis = Analysis::load(dir)?;
    let path = write_report(&analysis)?;
    stage(format!(
        "done in {:.1} min (sweep {:.1}, refinement {:.1}, seeds {:.1}, predictions {:.1}, \
         equivalence {:.1}, report {:.1} s): {}",
        t0.elapsed().as_secs_f64() / 60.0,
        (t1 - t0).as_secs_f64() / 60.0,
        refined.seconds / 60.0,
        ((t2 - t1).as_secs_f64() - refined.seconds) / 60.0,
        (t3 - t2).as_secs_f64() / 60.0,
        (t4 - t3).as_secs_f64() / 60.0,
        t4.elapsed().as_secs_f64(),
        path.display()
    ))?;
    print_verdicts(&analysis, &path)
}

/// What the refinement stage did.
pub(crate) struct Refined {
    /// Runs of the folder outside the preset's grid (over the grid's seeds), after the stage.
    pub(crate) used: usize,
    pub(crate) budget: usize,
    pub(crate) ran: usize,
    /// Proposals left unfunded when the budget ran out.
    pub(crate) unfunded: Vec<Proposal>,
    pub(crate) seconds: f64,
}

impl Refined {
    pub(crate) fn line(&self) -> String {
        let mut s = format!(
            "refinement: {} runs trained now, {} of {} budgeted runs used",
            self.ran, self.used, self.budget
        );
        if !self.unfunded.is_empty() {
            let mut why: Vec<&str> = self.unfunded.iter().map(|p| p.why.text()).collect();
            why.dedup();
            s.push_str(&format!(
                "; the budget ran out with {} cells still proposed ({}; raise --refine-budget)",
                self.unfunded.len(),
                why.join(", ")
            ));
        }
        s
    }
}

/// Trains, round after round, the cells [`crate::analysis::refine`] proposes for the folder
/// `dir` of the preset `spec`, until none is proposed or `budget` runs outside the preset's
/// grid are spent. Resumable: the folder's rows say what was tried and what it cost.
pub(crate) fn refine(
    dir: &Path,
    spec: &PresetSpec,
    how: &Execution,
    budget: usize,
) -> anyhow::Result<Refined> {
    let grid = &spec.grid;
    let in_grid = |c: &Cell| grid.contains(c.method, c.lr, c.decay);
    refine_from(dir, &spec.settings, &grid.seeds, &in_grid, how, budget)
}

/// [`refine`] for any grid: `in_grid` says which cells the budget does not count.
pub(crate) fn refine_from(
    dir: &Path,
    settings: &Settings,
    seeds: &[u64],
    in_grid: &dyn Fn(&Cell) -> bool,
    how: &Execution,
    budget: usize,
) -> anyhow::Result<Refined> {
    let started = Instant::now();
    let mut out = Refined {
        used: 0,
        budget,
        ran: 0,
        unfunded: Vec::new(),
        seconds: 0.0,
    };
    for _ in 0..REFINE_ROUNDS {
        let a = Analysis::load(dir)?;
        out.used = refined_runs(&a, seeds, in_grid);
        let wanted: Vec<Proposal> = a
            .methods
            .iter()
            .flat_map(|m| proposals(m, &a.rows, seeds, &a.settings))
            .collect();
        let cells: Vec<Cell> = funded(&wanted, seeds, budget.saturating_sub(out.used));
        let funded_cells = cells.len() / seeds.len().max(1);
        out.unfunded = wanted[funded_cells.min(wanted.len())..].to_vec();
        if cells.is_empty() {
            break;
        }
        out.ran += sweep_cells(dir, settings, &cells, None, how)?.ran;
    }
    out.used = refined_runs(&Analysis::load(dir)?, seeds, in_grid);
    out.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}

/// Runs of the folder over `seeds` at cells outside the grid.
fn refined_runs(a: &Analysis, seeds: &[u64], in_grid: &dyn Fn(&Cell) -> bool) -> usize {
    a.rows
        .iter()
        .filter(|r| seeds.contains(&r.cell.seed))
        .filter(|r| !in_grid(&r.cell))
        .count()
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
                Some(MethodGrid::new(m.method, vec![c.lr], vec![c.decay]))
            })
            .collect(),
        seeds: (0..final_seeds.max(1) as u64).collect(),
    }
}
