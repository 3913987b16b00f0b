//! MNIST from the Hugging Face Hub through candle-datasets (feature `hub`).

use super::{assemble, DataError, LoadOptions, Mnist, Split};

/// Downloads MNIST from the Hugging Face Hub with candle-datasets (the `hub` feature; needs
/// internet on first use, then reads hf-hub's cache) and splits it like [`load_dir`].
#[cfg(feature = "hub")]
pub(crate) fn load_hub(opts: &LoadOptions) -> Result<Mnist, DataError> {
    let hub_error = |e: candle_core::Error| {
        DataError::Split(format!(
            "cannot load MNIST from the Hugging Face Hub: {e}. Offline, use the bundled files \
             (drop --hub) or --data-dir"
        ))
    };
    let ds = candle_datasets::vision::mnist::load().map_err(hub_error)?;
    let split = |images: &candle_core::Tensor, labels: &candle_core::Tensor| {
        Ok::<_, candle_core::Error>(Split {
            images: images.flatten_all()?.to_vec1::<f32>()?,
            labels: labels.to_dtype(candle_core::DType::U8)?.to_vec1::<u8>()?,
        })
    };
    let train = split(&ds.train_images, &ds.train_labels).map_err(hub_error)?;
    let test = split(&ds.test_images, &ds.test_labels).map_err(hub_error)?;
    assemble(train, test, 28, 28, opts)
}
