//! `wdlab summary`: the verdicts of several study folders in one table (markdown on stdout).

use crate::analysis::Analysis;
use crate::cli::SummaryArgs;
use std::path::Path;

pub(crate) fn run(args: &SummaryArgs) -> anyhow::Result<()> {
    let studies = args
        .dirs
        .iter()
        .map(|d| Analysis::load(d))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let dirs: Vec<&Path> = args.dirs.iter().map(|d| d.as_path()).collect();
    say_raw!("{}", crate::report::summary(&studies, &dirs))
}
