//! Label noise: a fixed fraction of the training labels replaced by a wrong class.
//!
//! Mislabelled images keep large gradients all run long, which is where Adam + L2's per-weight
//! decay λ/√v̂ is weakest and AdamW's is not, so a noisy-label regime is where the two ways of
//! decaying can differ most. Which images are corrupted, and the wrong label each gets, depend
//! only on the data seed and the number of training images: every method, learning rate and
//! run seed of a study sees the same corrupted set. Validation and test labels are never
//! touched (the caller passes the training labels alone).

use super::NUM_CLASSES;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A validated fraction of training labels to corrupt and the seed that picks them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct LabelNoise {
    fraction: f64,
    seed: u64,
}

impl LabelNoise {
    /// `fraction` of the training labels (0 ≤ fraction < 1), picked by `seed`.
    pub(crate) fn new(fraction: f64, seed: u64) -> Result<Self, String> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(format!(
                "--label-noise must be at least 0 and below 1 (a fraction of the training \
                 labels to replace by a wrong class), got {fraction}"
            ));
        }
        Ok(LabelNoise { fraction, seed })
    }

    /// The seed that picks the noisy labels.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// How many of `n` training labels are replaced: round(fraction · n).
    pub(crate) fn count(&self, n: usize) -> usize {
        (self.fraction * n as f64).round() as usize
    }

    /// Refuses a fraction that replaces no label of `n` (it would be reported as noise that
    /// is not there).
    pub(crate) fn check_count(&self, n: usize) -> Result<(), String> {
        if self.fraction > 0.0 && self.count(n) == 0 {
            return Err(format!(
                "--label-noise {} of {n} training images replaces round({0} × {n}) = 0 labels; \
                 give at least 1/{n} = {} (one image), or drop --label-noise",
                self.fraction,
                crate::util::fmt::decimal(1.0 / n.max(1) as f64)
            ));
        }
        Ok(())
    }

    /// Replaces round(fraction · n) of `labels` by a class drawn uniformly from the other
    /// nine; returns how many were replaced.
    pub(crate) fn apply(&self, labels: &mut [u8]) -> usize {
        let n = labels.len();
        let k = self.count(n);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        // The first k places of a Fisher–Yates shuffle of 0..n: k distinct images, each subset
        // equally likely.
        let mut order: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = rng.random_range(i..n);
            order.swap(i, j);
        }
        let classes = NUM_CLASSES as u8;
        for &i in &order[..k] {
            let shift = rng.random_range(1..classes);
            labels[i] = (labels[i] % classes + shift) % classes;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 10) as u8).collect()
    }

    #[test]
    fn the_fraction_asked_is_replaced_each_by_a_wrong_class_spread_over_the_other_nine() {
        let clean = labels(10_000);
        let mut noisy = clean.clone();
        let k = LabelNoise::new(0.3, 0).unwrap().apply(&mut noisy);
        assert_eq!(k, 3000);
        let changed: Vec<usize> = (0..clean.len()).filter(|&i| clean[i] != noisy[i]).collect();
        assert_eq!(changed.len(), 3000, "every picked label changes");
        // The wrong class, as an offset 1..=9 from the true one, is close to uniform.
        let mut offsets = [0usize; 10];
        for &i in &changed {
            offsets[usize::from((noisy[i] + 10 - clean[i]) % 10)] += 1;
        }
        assert_eq!(offsets[0], 0);
        for (o, &count) in offsets.iter().enumerate().skip(1) {
            assert!((250..420).contains(&count), "offset {o}: {count} of 3000");
        }
    }

    #[test]
    fn the_data_seed_alone_picks_the_set() {
        let run = |seed: u64| {
            let mut l = labels(5000);
            LabelNoise::new(0.3, seed).unwrap().apply(&mut l);
            l
        };
        assert_eq!(run(0), run(0));
        assert_ne!(run(0), run(1));
        let mut l = labels(5000);
        assert_eq!(LabelNoise::new(0.0, 0).unwrap().apply(&mut l), 0);
        assert_eq!(l, labels(5000));
    }

    #[test]
    fn fractions_outside_zero_to_one_are_refused_with_the_range() {
        for bad in [1.0, -0.1, 1.5, f64::NAN] {
            let e = LabelNoise::new(bad, 0).unwrap_err();
            assert!(
                e.contains("--label-noise must be at least 0 and below 1"),
                "{e}"
            );
        }
    }
}
