//! The regime axis of a map: which setting it moves (training length, label noise, number of
//! training images), the values it takes, and what each value changes in a study's settings.

use crate::error::usage;
use crate::study::Settings;
use crate::util::fmt::exact;
use serde::{Deserialize, Serialize};

/// The setting a map moves; every other setting stays at the map preset's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Axis {
    Epochs,
    LabelNoise,
    TrainSize,
}

impl Axis {
    pub(crate) const ALL: [Axis; 3] = [Axis::Epochs, Axis::LabelNoise, Axis::TrainSize];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Axis::Epochs => "epochs",
            Axis::LabelNoise => "label-noise",
            Axis::TrainSize => "train-size",
        }
    }

    /// The axis label of the figures.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Axis::Epochs => "epochs",
            Axis::LabelNoise => "fraction of training labels wrong",
            Axis::TrainSize => "training images N",
        }
    }

    /// Whether the figures draw this axis on a log scale (its values grow by factors).
    pub(crate) fn is_log(self) -> bool {
        !matches!(self, Axis::LabelNoise)
    }

    /// A value as the report prints it: `400 epochs`, `30 % wrong labels`, `2500 images`.
    pub(crate) fn describe(self, v: f64) -> String {
        match self {
            Axis::Epochs => format!("{v} epochs"),
            Axis::LabelNoise => format!("{} % wrong labels", exact(100.0 * v)),
            Axis::TrainSize => format!("{v} images"),
        }
    }

    /// Checks one value before anything is written or trained.
    fn check(self, v: f64) -> anyhow::Result<()> {
        let whole = v.fract() == 0.0 && (1.0..=1e7).contains(&v);
        let ok = match self {
            Axis::Epochs | Axis::TrainSize => whole,
            Axis::LabelNoise => crate::data::LabelNoise::new(v, 0).is_ok(),
        };
        if ok {
            return Ok(());
        }
        let want = match self {
            Axis::Epochs => "a whole number of epochs, 1 or more",
            Axis::TrainSize => "a whole number of training images, 1 or more",
            Axis::LabelNoise => "a fraction of wrong labels in [0, 1)",
        };
        Err(usage(format!("--axis {}: {v} is not {want}", self.name())))
    }

    /// `base` with this axis set to `v`.
    pub(crate) fn apply(self, base: &Settings, v: f64) -> anyhow::Result<Settings> {
        let s = base.rebuild();
        match self {
            Axis::Epochs => s.epochs(v as usize),
            Axis::TrainSize => s.train_size(Some(v as usize)),
            Axis::LabelNoise => s.label_noise(v),
        }
        .build()
    }
}

/// An axis and its values, ascending, each once: `--axis epochs=50,100,200`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AxisValues {
    pub(crate) axis: Axis,
    pub(crate) values: Vec<f64>,
}

impl AxisValues {
    /// Checks every value and sorts them; refuses an empty list and repeats.
    pub(crate) fn new(axis: Axis, mut values: Vec<f64>) -> anyhow::Result<Self> {
        if values.is_empty() {
            return Err(usage(format!(
                "--axis {}= names no value; e.g. --axis {}",
                axis.name(),
                example(axis)
            )));
        }
        for &v in &values {
            axis.check(v)?;
        }
        values.sort_by(f64::total_cmp);
        if let Some(w) = values.windows(2).find(|w| w[0] == w[1]) {
            return Err(usage(format!(
                "--axis {}: {} is given twice",
                axis.name(),
                w[0]
            )));
        }
        Ok(AxisValues { axis, values })
    }

    /// The folder of the point at `v`, e.g. `epochs-400`, `label-noise-0.3`.
    pub(crate) fn point_dir(&self, v: f64) -> String {
        format!("{}-{v}", self.axis.name())
    }
}

fn example(axis: Axis) -> &'static str {
    match axis {
        Axis::Epochs => "epochs=50,100,200,400",
        Axis::LabelNoise => "label-noise=0,0.1,0.2,0.3",
        Axis::TrainSize => "train-size=1250,2500,5000,10000",
    }
}

impl std::str::FromStr for AxisValues {
    type Err = anyhow::Error;

    /// `NAME=V1,V2,...` with NAME one of epochs, label-noise, train-size.
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let names = Axis::ALL.map(Axis::name).join(", ");
        let Some((name, list)) = s.split_once('=') else {
            return Err(usage(format!(
                "--axis {s:?}: expected NAME=V1,V2,... with NAME one of {names}, e.g. --axis \
                 epochs=50,100,200,400"
            )));
        };
        let axis = Axis::ALL
            .into_iter()
            .find(|a| a.name() == name.trim())
            .ok_or_else(|| {
                usage(format!(
                    "--axis {name:?}: no such axis; the axes are {names}"
                ))
            })?;
        let values = list
            .split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| {
                x.trim()
                    .parse::<f64>()
                    .map_err(|_| usage(format!("--axis {name}: {x:?} is not a number")))
            })
            .collect::<anyhow::Result<Vec<f64>>>()?;
        AxisValues::new(axis, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_names_points() {
        let a: AxisValues = "epochs=400,50,100".parse().unwrap();
        assert_eq!(a.axis, Axis::Epochs);
        assert_eq!(a.values, vec![50.0, 100.0, 400.0]);
        assert_eq!(a.point_dir(400.0), "epochs-400");
        let n: AxisValues = "label-noise=0.3,0".parse().unwrap();
        assert_eq!(n.point_dir(0.3), "label-noise-0.3");
    }

    #[test]
    fn refuses_bad_values_by_name() {
        let err = |s: &str| s.parse::<AxisValues>().unwrap_err().to_string();
        assert!(
            err("epochs=50,2.5").contains("whole number of epochs"),
            "{}",
            err("epochs=50,2.5")
        );
        assert!(err("label-noise=1").contains("[0, 1)"));
        assert!(err("train-size=0").contains("training images"));
        assert!(err("epochs=50,50").contains("given twice"));
        assert!(err("width=3").contains("no such axis"));
        assert!(err("epochs").contains("NAME=V1,V2"));
        assert!(err("epochs=").contains("names no value"));
        assert!(err("epochs=ten").contains("not a number"));
    }
}
