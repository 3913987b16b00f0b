//! The schedule multiplier η_t (Loshchilov & Hutter 2019 write the step as η_t·α and the
//! decoupled decay as η_t·λ', so one schedule scales both), and the step clock every optimiser
//! front end keeps.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// η_t = 1.
    Constant,
    /// η_t = ½(1 + cos(π·t/T)) over the whole run of T steps: from 1 down towards 0
    /// (cosine annealing without restarts, Loshchilov & Hutter 2017).
    Cosine,
}

impl Schedule {
    pub(crate) const ALL: [Schedule; 2] = [Schedule::Constant, Schedule::Cosine];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Cosine => "cosine",
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Counts an optimiser's steps and gives each its schedule multiplier: step t (1-based) of a
/// run of `total_steps` uses η at 0-based index t − 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StepClock {
    schedule: Schedule,
    total_steps: u64,
    taken: u64,
}

impl StepClock {
    pub(crate) fn new(schedule: Schedule, total_steps: u64) -> Self {
        StepClock {
            schedule,
            total_steps,
            taken: 0,
        }
    }

    /// η_t of the next step.
    pub(crate) fn next_multiplier(&self) -> f64 {
        lr_multiplier(self.schedule, self.taken, self.total_steps)
    }

    /// Starts the next step: its 1-based number t and its multiplier η_t.
    pub(crate) fn tick(&mut self) -> (u64, f64) {
        let eta = self.next_multiplier();
        self.taken += 1;
        (self.taken, eta)
    }
}

/// η_t for the step with 0-based index `step` out of `total_steps`.
pub(crate) fn lr_multiplier(schedule: Schedule, step: u64, total_steps: u64) -> f64 {
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

    #[test]
    fn the_clock_numbers_steps_from_one_and_reads_eta_before_the_step() {
        let mut clock = StepClock::new(Schedule::Cosine, 2);
        assert_eq!(clock.tick(), (1, 1.0));
        let (t, eta) = clock.tick();
        assert_eq!(t, 2);
        assert!((eta - 0.5).abs() < 1e-15, "{eta}");
        assert_eq!(clock.tick().0, 3);
    }
}
