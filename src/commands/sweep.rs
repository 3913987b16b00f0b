//! `wdlab sweep`: the grid's cells that the folder does not hold yet.

use crate::cli::resolve_study::{study_plan, sweep_grid};
use crate::cli::SweepArgs;
use crate::study::sweep;
use crate::util::fmt::shell_word;

pub(crate) fn run(args: &SweepArgs) -> anyhow::Result<()> {
    crate::util::interrupt::catch_sigint();
    let (spec, how) = study_plan(&args.study)?;
    let grid = sweep_grid(args, &spec)?;
    let s = sweep(&args.out, &spec.settings, &grid, args.shard, &how)?;
    if args.refine {
        // The grid swept here is the one refinement grows from and charges its budget against.
        let spec = crate::study::PresetSpec { grid, ..spec };
        let budget = args.refine_budget.unwrap_or(spec.refine_budget);
        let r = super::reproduce::refine(&args.out, &spec, &how, budget)?;
        say!("{}", r.line())?;
    }
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
