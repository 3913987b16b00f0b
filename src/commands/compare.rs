//! `wdlab compare`: the four variants side by side over the same seeds, a table and curves.

use crate::cli::resolve_study::{compare_cells, study_plan};
use crate::cli::CompareArgs;
use crate::report::compare::{table, write_compare};
use crate::study::compare;
use std::path::PathBuf;

pub(crate) fn run(args: &CompareArgs) -> anyhow::Result<()> {
    crate::util::interrupt::catch_sigint();
    let (spec, how) = study_plan(&args.study)?;
    // Curves want more points than a sweep's cells do.
    let how = match args.study.eval_every {
        None => how.with_eval_every(5),
        Some(_) => how,
    };
    let cells = compare_cells(args, &spec)?;
    let settings = &spec.settings;
    let dir = args.out.clone().unwrap_or_else(|| {
        // Other data is another comparison: it gets its own folder.
        let data = crate::train::config::data_identity(how.data_dir());
        PathBuf::from("out").join(format!(
            "compare-{}",
            settings.tag(&format!("{cells:?}{data}"))
        ))
    });
    if !how.quiet() {
        say!(
            "comparing {} over {} seed(s) into {}",
            cells
                .iter()
                .map(|(m, lr, d)| format!("{m} α={lr} {}={d}", m.decay_flag()))
                .collect::<Vec<_>>()
                .join(", "),
            args.seeds,
            dir.display()
        )?;
    }
    let lines = compare(&dir, settings, &how, &cells, args.seeds)?;
    let curves = write_compare(&dir, settings, &lines, args.seeds)?;
    say!("\n{}", settings.describe())?;
    say!("{}", table(&lines))?;
    if curves {
        say_raw!("learning curves: {}  ", dir.join("curves.svg").display())?;
    }
    say!("table: {}", dir.join("compare.md").display())?;
    Ok(())
}
