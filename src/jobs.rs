//! `--jobs N`: independent training runs side by side on the CPU's cores.
//!
//! One small MLP does not keep two cores busy: at batch 128 its products are thin (k = 128 for
//! the weight gradients), and splitting each of them over the cores costs a wake-up and a join
//! per product. Two runs side by side, each on one core, measured 1.2–1.44× the throughput of the
//! same runs one after another on both cores (BENCHMARKS.md). Each job gets its own rayon pool
//! of `cores / jobs` threads, so gemm and the element-wise passes of a run stay on its job's
//! cores; the arithmetic of a run does not depend on its pool's size (no product is split
//! along its reduction, and every element-wise pass is per element), so a run gives the same
//! bits at any `--jobs` (tested).

use crate::device::DeviceSpec;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The cores runs may use: rayon's pool size (`RAYON_NUM_THREADS`, else every core).
pub(crate) fn cores() -> usize {
    rayon::current_num_threads().max(1)
}

/// `--jobs`' default on `device`: one run per core on the CPU, one at a time on a GPU (where a
/// population, `--cells population`, is the way to fill the device).
pub(crate) fn default_jobs(device: DeviceSpec) -> usize {
    match device {
        DeviceSpec::Cpu => cores(),
        DeviceSpec::Cuda(_) => 1,
    }
}

/// Checks a `--jobs` value against the device.
pub(crate) fn check_jobs(jobs: usize, device: DeviceSpec) -> anyhow::Result<()> {
    if jobs == 0 {
        return Err(crate::error::usage(
            "--jobs 0 runs nothing: give the number of runs to train side by side (≥ 1; the \
             default is one per core)",
        ));
    }
    if jobs > 1 && !device.is_cpu() {
        return Err(crate::error::usage(format!(
            "--jobs {jobs} trains runs side by side on CPU cores, not on --device {device}: \
             drop --jobs, or use --cells population to train a grid's cells together on the GPU"
        )));
    }
    Ok(())
}

/// Calls `work(i, &items[i])` for every item, `jobs` at a time, each job on its own rayon pool
/// of `cores() / jobs` threads. With one job it runs on the calling thread and the current
/// pool, as if called in a loop. The first error stops new items from starting (items already
/// started finish) and is returned.
pub(crate) fn run_jobs<T: Sync>(
    items: &[T],
    jobs: usize,
    work: impl Fn(usize, &T) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<()> {
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.iter().enumerate().try_for_each(|(i, t)| work(i, t));
    }
    let threads = (cores() / jobs).max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let job = || -> anyhow::Result<()> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("wdlab-job-{i}"))
            .build()?;
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                break;
            };
            if let Err(e) = pool.install(|| work(i, item)) {
                failed.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    };
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(job)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a training job panicked")))
            })
            .collect()
    });
    results.into_iter().collect()
}

/// [`run_jobs`] collecting each item's result, in the order of `items`.
pub(crate) fn map_jobs<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(usize, &T) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Vec<R>> {
    let out = std::sync::Mutex::new((0..items.len()).map(|_| None).collect::<Vec<Option<R>>>());
    run_jobs(items, jobs, |i, item| {
        let r = work(i, item)?;
        out.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        Ok(())
    })?;
    Ok(out
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("run_jobs returned Ok, so every item ran"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_item_runs_once_on_a_pool_of_its_share_of_the_cores() {
        let seen = Mutex::new(Vec::new());
        run_jobs(&(0..20).collect::<Vec<usize>>(), 2, |i, &v| {
            assert_eq!(i, v);
            seen.lock().unwrap().push((v, rayon::current_num_threads()));
            Ok(())
        })
        .unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(
            seen.iter().map(|s| s.0).collect::<Vec<_>>(),
            (0..20).collect::<Vec<_>>()
        );
        let share = (cores() / 2).max(1);
        assert!(seen.iter().all(|s| s.1 == share), "{seen:?}");
    }

    #[test]
    fn map_jobs_keeps_the_order_of_the_items() {
        let squares = map_jobs(&[3u64, 1, 4, 1, 5, 9, 2, 6], 3, |_, &v| {
            std::thread::sleep(std::time::Duration::from_millis(10 - v));
            Ok(v * v)
        })
        .unwrap();
        assert_eq!(squares, vec![9, 1, 16, 1, 25, 81, 4, 36]);
    }

    #[test]
    fn the_first_error_is_returned_and_stops_new_items() {
        let started = AtomicUsize::new(0);
        let err = run_jobs(&[0; 100], 2, |i, _| {
            started.fetch_add(1, Ordering::Relaxed);
            if i == 3 {
                anyhow::bail!("cell 3 failed")
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "cell 3 failed");
        assert!(started.load(Ordering::Relaxed) < 100);
    }

    #[test]
    fn jobs_are_checked_against_the_device() {
        let e = check_jobs(0, DeviceSpec::Cpu).unwrap_err().to_string();
        assert!(e.contains("--jobs 0 runs nothing"), "{e}");
        assert!(check_jobs(3, DeviceSpec::Cpu).is_ok());
        assert!(check_jobs(1, DeviceSpec::Cuda(0)).is_ok());
        let e = check_jobs(2, DeviceSpec::Cuda(0)).unwrap_err().to_string();
        assert!(e.contains("--cells population"), "{e}");
        assert_eq!(default_jobs(DeviceSpec::Cuda(1)), 1);
        assert_eq!(default_jobs(DeviceSpec::Cpu), cores());
    }
}
