//! `wdlab map`: one compact study per value of a regime axis — the point's grid, then the
//! refinement that brackets every α's best decay — then map.md and map.svg from every point
//! the folder holds. Each point is a plain study folder (`wdlab report` reads it too); a
//! re-run skips what is finished.

use super::reproduce::refine_from;
use crate::cli::resolve_study::map_plan;
use crate::cli::MapArgs;
use crate::map::{claim_map_dir, read_points, write_map, MapSpec};
use crate::study::{sweep_cells, Execution};
use crate::util::fmt::shell_word;
use std::time::Instant;

pub(crate) fn run(args: &MapArgs) -> anyhow::Result<()> {
    crate::util::interrupt::catch_sigint();
    let (spec, how) = map_plan(args)?;
    claim_map_dir(&args.out, &spec)?;
    if !args.report_only {
        for &v in &spec.axis.values {
            train_point(args, &spec, &how, v)?;
        }
    }
    let points = read_points(&args.out, &spec)?;
    let (md, _) = write_map(&args.out, &spec, &points)?;
    for m in &spec.methods {
        let text = crate::map::axis_verdict(spec.axis.axis, &points, *m);
        say!("{}\n", text.replace("**", ""))?;
    }
    say!(
        "map: {} ({} of {} points run). Re-run to resume: wdlab map --preset {} --out {}",
        md.display(),
        points.len(),
        spec.axis.values.len(),
        clap::ValueEnum::to_possible_value(&args.preset)
            .map(|p| p.get_name().to_string())
            .unwrap_or_default(),
        shell_word(&args.out)
    )
}

/// The point at `v`: its grid (or one shard of it), then refinement.
fn train_point(args: &MapArgs, spec: &MapSpec, how: &Execution, v: f64) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let settings = spec.settings_at(v)?;
    let how = how.with_eval_every(MapSpec::eval_every(&settings));
    let dir = args.out.join(spec.axis.point_dir(v));
    let cells = spec.point_cells(v);
    let s = sweep_cells(&dir, &settings, &cells, args.shard, &how)?;
    let mut line = format!(
        "{}: {} cells ({} run now, {} finished before)",
        spec.axis.axis.describe(v),
        s.cells,
        s.ran,
        s.skipped
    );
    if args.shard.is_none() {
        let keys: std::collections::HashSet<_> = cells.iter().map(|c| c.key()).collect();
        let in_grid = |c: &crate::study::Cell| keys.contains(&c.key());
        let r = refine_from(
            &dir,
            &settings,
            &spec.seeds,
            &in_grid,
            &how,
            spec.refine_budget,
        )?;
        line.push_str(&format!("; {}", r.line()));
    }
    if !how.quiet() {
        say!("{line}; {:.1} min", t0.elapsed().as_secs_f64() / 60.0)?;
    }
    Ok(())
}
