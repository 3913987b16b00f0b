//! `wdlab bench`: seconds per epoch of each variant (or of a grid trained three ways), as a
//! table or as JSON lines for scripts/bench.sh.

use crate::bench::{bench_method, bench_population, sgemm_gflops};
use crate::cli::resolve::bench_plan;
use crate::cli::BenchArgs;
use crate::jobs::default_jobs;
use crate::train::{DeviceData, RunConfig};

pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let (run, data_cfg) = bench_plan(args)?;
    let device = run.device().open()?;
    let data = DeviceData::new(&data_cfg.load()?, &device)?;
    if let Some(side) = args.population {
        return population(args, side, &run, &data);
    }
    let sgemm = sgemm_gflops(&device)?;
    if !args.json {
        if !args.quiet.quiet {
            say!(
            "sgemm 2048³ on {}: {sgemm:.0} GFLOP/s; {} training images, hidden {:?}, {} timed epoch(s) after 1 warm-up",
            run.device(),
            data.train.len(),
            run.hidden(),
            run.epochs().saturating_sub(1).max(1)
        )?;
        }
        say!("| method | batch | s/epoch | samples/s | GFLOP/s | of sgemm | test acc |")?;
        say!("|---|---|---|---|---|---|---|")?;
    }
    for &batch in &args.batch_sizes {
        for &method in &args.methods {
            let r = bench_method(method, batch, &run, &data, sgemm)?;
            if args.json {
                say!("{}", serde_json::to_string(&r)?)?;
            } else {
                say!(
                    "| {} | {} | {:.3} | {:.0} | {:.0} | {:.0} % | {:.2} % |",
                    r.method,
                    r.batch_size,
                    r.seconds_per_epoch,
                    r.samples_per_s,
                    r.gflops,
                    100.0 * r.sgemm_fraction,
                    100.0 * r.test_accuracy
                )?;
            }
        }
    }
    Ok(())
}

fn population(
    args: &BenchArgs,
    side: usize,
    run: &RunConfig,
    data: &DeviceData,
) -> anyhow::Result<()> {
    let run = run.rebuild().eval_every(run.epochs()).build()?;
    // Side by side only where --jobs would run so: one run per core on the CPU.
    let jobs = default_jobs(run.device());
    if !args.json && !args.quiet.quiet {
        say!(
            "{side}×{side} grid, {} training images, {} epoch(s), batch {}: {} single runs one \
             at a time, as one population{}",
            data.train.len(),
            run.epochs(),
            run.batch_size(),
            side * side,
            if jobs > 1 {
                format!(", and {jobs} at a time side by side (--jobs)")
            } else {
                String::new()
            }
        )?;
    }
    if !args.json {
        say!(
            "| method | cells | one at a time s | population s | speed-up | speed-up, training \
             steps only | side by side s | speed-up | max Δ test acc (points), population / \
             side by side |"
        )?;
        say!("|---|---|---|---|---|---|---|---|---|")?;
    }
    for &method in &args.methods {
        let r = bench_population(method, side, &run, data, jobs)?;
        if args.json {
            say!("{}", serde_json::to_string(&r)?)?;
        } else {
            let side_by_side = match r.side_by_side_seconds {
                Some(s) => format!(
                    "{s:.1} ({} jobs) | {:.2}×",
                    r.jobs,
                    r.sequential_seconds / s
                ),
                None => "– | –".into(),
            };
            say!(
                "| {} | {} | {:.1} | {:.1} | {:.2}× | {:.2}× | {side_by_side} | {:.3} / {} |",
                r.method,
                r.cells,
                r.sequential_seconds,
                r.population_seconds,
                r.sequential_seconds / r.population_seconds,
                r.sequential_train_seconds / r.population_train_seconds,
                r.max_accuracy_diff_points,
                r.side_by_side_max_accuracy_diff_points
                    .map_or("–".into(), |d| format!("{d:.3}"))
            )?;
        }
    }
    Ok(())
}
