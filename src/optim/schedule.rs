//! The schedule multiplier η_t (Loshchilov & Hutter 2019 write the step as η_t·α and the
//! decoupled decay as η_t·λ', so one schedule scales both).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// η_t = 1.
    Constant,
    /// η_t = ½(1 + cos(π·t/T)) over the whole run of T steps: from 1 down towards 0
    /// (cosine annealing without restarts, Loshchilov & Hutter 2017).
    Cosine,
}

/// η_t for the step with 0-based index `step` out of `total_steps`.
pub fn lr_multiplier(schedule: Schedule, step: u64, total_steps: u64) -> f64 {
    match schedule {
        Schedule::Constant => 1.0,
        Schedule::Cosine => {
            let progress = step as f64 / total_steps.max(1) as f64;
            0.5 * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_starts_at_one_halves_midway_and_ends_near_zero() {
        assert_eq!(lr_multiplier(Schedule::Cosine, 0, 100), 1.0);
        assert!((lr_multiplier(Schedule::Cosine, 50, 100) - 0.5).abs() < 1e-12);
        // Last step (index 99 of 100): ½(1 + cos(0.99π)) = 2.4671e-4.
        assert!((lr_multiplier(Schedule::Cosine, 99, 100) - 2.4671e-4).abs() < 1e-7);
        assert_eq!(lr_multiplier(Schedule::Constant, 99, 100), 1.0);
    }
}
