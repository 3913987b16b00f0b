//! `wdlab norms`: ‖θ‖ over epochs for several decay values, from existing runs or trained here.

use crate::cli::resolve::norms_training;
use crate::cli::NormsArgs;
use crate::norms::{draw_norms, format_norms_table, norms_title, read_norm_runs, train_norm_runs};

pub(crate) fn run(args: &NormsArgs) -> anyhow::Result<()> {
    let training = norms_training(args)?;
    let lines = match &training {
        Some(t) => train_norm_runs(t, &mut |prefix, r| {
            if t.quiet {
                return Ok(());
            }
            say!("{}", r.line(prefix, t.run.epochs()))
        })?,
        None => read_norm_runs(&args.runs)?,
    };
    say_raw!("{}", format_norms_table(&lines))?;
    let svg = draw_norms(&lines, &norms_title(training.as_ref()), &args.out)?;
    say!("wrote {}", svg.display())?;
    Ok(())
}
