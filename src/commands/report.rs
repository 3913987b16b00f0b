//! `wdlab report`: the analysis of a study folder (and, with --equivalence, the check first).

use super::print_verdicts;
use crate::analysis::Analysis;
use crate::cli::resolve_study::report_execution;
use crate::cli::ReportArgs;
use crate::error::usage;
use crate::optim::Method;
use crate::report::write_report;
use crate::study::folder::set_aside_unreadable_equivalence;
use crate::study::results::read_results_for;
use crate::study::{equivalence, write_equivalence, Execution};
use std::path::Path;

pub(crate) fn run(args: &ReportArgs) -> anyhow::Result<()> {
    if args.equivalence {
        run_equivalence(&args.dir, &report_execution(args)?)?;
    }
    if let Some(file) = &args.results {
        let rows = read_results_for(file, &args.dir)?;
        if rows.is_empty() {
            return Err(usage(format!(
                "{} holds no result rows: --results takes a results CSV with rows (a \
                 results.csv of a study)",
                file.display()
            )));
        }
        let analysis = Analysis::load_rows(&args.dir, rows)?;
        for (claim, text) in crate::report::verdicts(&analysis) {
            say!("{claim}\n  {}\n", text.replace("**", ""))?;
        }
        return say!(
            "(verdicts on the rows of {}; nothing written)",
            file.display()
        );
    }
    let analysis = Analysis::load(&args.dir)?;
    let path = write_report(&analysis)?;
    print_verdicts(&analysis, &path)
}

/// The equivalence check at the folder's chosen SGD + L2 and Adam + L2 cells, written to
/// `equivalence.json`.
pub(super) fn run_equivalence(dir: &Path, how: &Execution) -> anyhow::Result<()> {
    set_aside_unreadable_equivalence(dir)?;
    let a = Analysis::load(dir)?;
    let sgd = a.equivalence_cell(Method::Sgd).ok_or_else(|| {
        usage(format!(
            "the equivalence check starts from the chosen SGD + L2 cell, but {} has no finished \
             sgd cells: sweep --methods sgd first",
            dir.display()
        ))
    })?;
    let eq = equivalence(&a.settings, how, sgd, a.equivalence_cell(Method::Adam))?;
    write_equivalence(dir, &eq)
}
