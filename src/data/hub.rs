//! MNIST from the Hugging Face Hub through candle-datasets (feature `hub`).

use super::idx::{fingerprint, split_digests};
use super::{assemble, DataError, LoadOptions, Mnist, Split, NUM_CLASSES};

/// candle-datasets' MNIST is 28x28 pixels.
const SIDE: usize = 28;

/// Downloads MNIST from the Hugging Face Hub with candle-datasets (the `hub` feature; needs
/// internet on first use, then reads hf-hub's cache) and splits it like [`super::load_dir`].
pub(crate) fn load_hub(opts: &LoadOptions) -> Result<Mnist, DataError> {
    let ds = candle_datasets::vision::mnist::load().map_err(hub_error)?;
    let split = |images: &candle_core::Tensor, labels: &candle_core::Tensor| {
        Ok::<_, candle_core::Error>(Split {
            images: images.flatten_all()?.to_vec1::<f32>()?,
            labels: labels.to_dtype(candle_core::DType::U8)?.to_vec1::<u8>()?,
        })
    };
    let train = split(&ds.train_images, &ds.train_labels).map_err(hub_error)?;
    let test = split(&ds.test_images, &ds.test_labels).map_err(hub_error)?;
    let [train_images, train_labels] = idx_digests(&train, "train")?;
    let [test_images, test_labels] = idx_digests(&test, "test")?;
    let fingerprint = fingerprint([&train_images, &train_labels, &test_images, &test_labels]);
    assemble(train, test, SIDE, SIDE, fingerprint, opts)
}

fn hub_error(e: candle_core::Error) -> DataError {
    DataError::Hub {
        problem: e.to_string(),
    }
}

/// The SHA-256 of the IDX files that `split` makes, after checking its labels and shape.
fn idx_digests(split: &Split, which: &str) -> Result<[[u8; 32]; 2], DataError> {
    if let Some(l) = split.labels.iter().find(|&&l| l as usize >= NUM_CLASSES) {
        return Err(DataError::Hub {
            problem: format!("the {which} split has a label {l}, not a digit 0-9"),
        });
    }
    split_digests(split, SIDE, SIDE).ok_or_else(|| DataError::Hub {
        problem: format!(
            "the {which} split holds {} pixel values for {} labels, not {SIDE}x{SIDE} per label",
            split.images.len(),
            split.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hub_failure_is_a_runtime_error_naming_the_data_set() {
        let e = hub_error(candle_core::Error::Msg("Api error: offline".into())).into_anyhow();
        assert_eq!(crate::error::exit_code(&e), crate::error::exit::RUNTIME);
        let msg = e.to_string();
        assert!(
            msg.contains("ylecun/mnist") && msg.contains("offline"),
            "{msg}"
        );
    }

    #[test]
    fn a_split_of_the_wrong_shape_or_labels_is_a_hub_error() {
        let split = Split {
            images: vec![0.0; 783],
            labels: vec![1],
        };
        let msg = idx_digests(&split, "test").unwrap_err().to_string();
        assert!(msg.contains("783 pixel values for 1 labels"), "{msg}");
        let split = Split {
            images: vec![0.0; 784],
            labels: vec![10],
        };
        let msg = idx_digests(&split, "train").unwrap_err().to_string();
        assert!(msg.contains("train split has a label 10"), "{msg}");
    }
}
