//! `wdlab sweep`: the grid's cells that the folder does not hold yet.

use crate::cli::resolve::{study_plan, sweep_grid};
use crate::cli::SweepArgs;
use crate::study::sweep;
use crate::util::fmt::shell_word;

pub(crate) fn run(args: &SweepArgs) -> anyhow::Result<()> {
    crate::util::interrupt::catch_sigint();
    let (spec, how) = study_plan(&args.study)?;
    let grid = sweep_grid(args, &spec)?;
    let s = sweep(&args.out, &spec.settings, &grid, args.shard, &how)?;
    say!(
        "{} cells: {} run now ({} diverged), {} already finished. Next: wdlab report {}",
        s.cells,
        s.ran,
        s.diverged,
        s.skipped,
        shell_word(&args.out)
    )?;
    Ok(())
}
