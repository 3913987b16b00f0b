//! `wdlab trajectory`: paths on a two-parameter surface, their table and figures.

use crate::cli::resolve::trajectory_config;
use crate::cli::TrajectoryArgs;
use crate::trajectory;

pub(crate) fn run(args: &TrajectoryArgs) -> anyhow::Result<()> {
    let cfg = trajectory_config(args)?;
    if !args.quiet.quiet {
        say!("{}", cfg.describe())?;
    }
    let (runs, files) = trajectory::write_outputs(&cfg, &args.out)?;
    let rows = trajectory::table_rows(&cfg.surface, &runs);
    say_raw!("{}", trajectory::format_table(&rows))?;
    if let Some(note) = trajectory::convergence_note(&rows, cfg.steps) {
        say!("{note}")?;
    }
    for f in files {
        say!("wrote {}", f.display())?;
    }
    Ok(())
}
