//! How a study's cells are run — none of it changes a result: where the data is, which
//! device, how often to evaluate, whether to draw bars, how cells are grouped and how many
//! train side by side. The defaults follow the device.

use crate::device::DeviceSpec;
use crate::jobs::{check_jobs, default_jobs};
use std::path::PathBuf;

/// How cells are run.
#[derive(Debug, Clone)]
pub(crate) struct Execution {
    pub(crate) data_dir: PathBuf,
    pub(crate) device: DeviceSpec,
    pub(crate) eval_every: usize,
    pub(crate) quiet: bool,
    pub(crate) cells: CellBackend,
    /// Cells (or populations) trained side by side, each on its share of the cores
    /// ([`crate::jobs`]); 1 on a GPU.
    pub(crate) jobs: usize,
}

impl Execution {
    /// The defaults of `device` where `cells` or `jobs` is not given; refuses `--jobs` the
    /// device cannot run.
    pub(crate) fn new(
        data_dir: PathBuf,
        device: DeviceSpec,
        eval_every: usize,
        quiet: bool,
        cells: Option<CellBackend>,
        jobs: Option<usize>,
    ) -> anyhow::Result<Self> {
        let jobs = jobs.unwrap_or_else(|| default_jobs(device));
        check_jobs(jobs, device)?;
        Ok(Execution {
            data_dir,
            device,
            eval_every,
            quiet,
            cells: cells.unwrap_or_else(|| CellBackend::default_for(device)),
            jobs,
        })
    }
}

/// How [`super::run_cells`] trains a group of cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellBackend {
    /// One run after another.
    Single,
    /// The cells of one method and seed as one batched model ([`crate::train::train_population`]).
    Population,
}

impl CellBackend {
    pub(crate) const ALL: [CellBackend; 2] = [CellBackend::Single, CellBackend::Population];

    pub(crate) fn name(self) -> &'static str {
        match self {
            CellBackend::Single => "single",
            CellBackend::Population => "population",
        }
    }

    /// Population on a GPU (where it fills the device); single runs on the CPU, where a
    /// population does the same arithmetic per cell and loses the cache that each single run's
    /// state stays in (BENCHMARKS.md measures both).
    pub(crate) fn default_for(device: DeviceSpec) -> Self {
        match device {
            DeviceSpec::Cpu => CellBackend::Single,
            DeviceSpec::Cuda(_) => CellBackend::Population,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_first_gpu_gets_the_same_device_and_defaults() {
        let defaults = |spelling: &str| {
            let device = DeviceSpec::from_spelling(spelling).unwrap();
            let cells = CellBackend::default_for(device);
            (device, cells, default_jobs(device))
        };
        let gpu = defaults("gpu");
        assert_eq!(gpu, (DeviceSpec::Cuda(0), CellBackend::Population, 1));
        for spelling in ["CUDA", "cuda:0", " Cuda:0 ", "GPU"] {
            assert_eq!(defaults(spelling), gpu, "{spelling}");
        }
        let cpu = defaults("CPU");
        assert_eq!(cpu.0, DeviceSpec::Cpu);
        assert_eq!(cpu.1, CellBackend::Single);
        assert_eq!(cpu.2, crate::jobs::cores());
    }
}
