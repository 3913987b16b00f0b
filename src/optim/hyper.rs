//! The hyper-parameters of a direction beside α and the decay ([`Hyper`]), each defined once in
//! one table ([`SPECS`]: its flag, its key in config.json and study.json, its symbol, its
//! default and its range), and a value for every one of them ([`HyperValues`]), written to
//! files as one key each. A new hyper-parameter is a variant and a row here, a flag in
//! `cli/args.rs`, and the direction that reads it.

use crate::error::usage;
use crate::util::fmt::exact;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// A hyper-parameter of a direction, beside α and the decay: what a method takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hyper {
    /// SGD's heavy-ball momentum β (`--momentum`).
    Momentum,
    /// The first moment's (or Lion's interpolation) β₁ (`--beta1`).
    Beta1,
    /// The second moment's (or Lion's momentum) β₂ (`--beta2`).
    Beta2,
    /// Adam's ε (`--eps`).
    Eps,
}

/// The values a hyper-parameter may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    /// [0, 1): a decay rate of a running average.
    Fraction,
    /// (0, ∞).
    Positive,
}

/// One hyper-parameter's definition.
struct Spec {
    hyper: Hyper,
    /// Its key in config.json and study.json.
    key: &'static str,
    flag: &'static str,
    /// How `describe` names it.
    symbol: &'static str,
    /// The value of a method that does not set its own (PyTorch's SGD and Adam constants).
    default: f64,
    range: Range,
}

/// Every hyper-parameter, in the order of [`Hyper::ALL`] and of the keys in files.
const SPECS: [Spec; 4] = [
    Spec {
        hyper: Hyper::Momentum,
        key: "momentum",
        flag: "--momentum",
        symbol: "momentum",
        default: 0.0,
        range: Range::Fraction,
    },
    Spec {
        hyper: Hyper::Beta1,
        key: "beta1",
        flag: "--beta1",
        symbol: "β₁",
        default: 0.9,
        range: Range::Fraction,
    },
    Spec {
        hyper: Hyper::Beta2,
        key: "beta2",
        flag: "--beta2",
        symbol: "β₂",
        default: 0.999,
        range: Range::Fraction,
    },
    Spec {
        hyper: Hyper::Eps,
        key: "eps",
        flag: "--eps",
        symbol: "ε",
        default: 1e-8,
        range: Range::Positive,
    },
];

impl Hyper {
    pub const ALL: [Hyper; 4] = [Hyper::Momentum, Hyper::Beta1, Hyper::Beta2, Hyper::Eps];

    fn spec(self) -> &'static Spec {
        let spec = &SPECS[self as usize];
        debug_assert_eq!(spec.hyper, self, "SPECS is in the order of Hyper::ALL");
        spec
    }

    /// The flag that sets it.
    pub fn flag(self) -> &'static str {
        self.spec().flag
    }

    /// Its key in config.json and study.json.
    pub(crate) fn key(self) -> &'static str {
        self.spec().key
    }

    /// How `describe` names it.
    pub(crate) fn symbol(self) -> &'static str {
        self.spec().symbol
    }

    /// The value of a method that does not set its own.
    pub(crate) fn default(self) -> f64 {
        self.spec().default
    }

    /// Refuses a value outside the hyper-parameter's range, naming its flag.
    pub(crate) fn check(self, v: f64) -> anyhow::Result<()> {
        let flag = self.flag();
        if !v.is_finite() {
            return Err(usage(format!("{flag} must be a finite number, got {v}")));
        }
        match self.spec().range {
            Range::Fraction if !(0.0..1.0).contains(&v) => {
                Err(usage(format!("{flag} must be in [0, 1), got {}", exact(v))))
            }
            Range::Positive if v <= 0.0 => {
                Err(usage(format!("{flag} must be positive, got {}", exact(v))))
            }
            _ => Ok(()),
        }
    }
}

/// A value for every hyper-parameter (those a method does not take are recorded and never
/// read). Written to files as one key per hyper-parameter; a key missing from an older file
/// reads as the hyper-parameter's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HyperValues([f64; SPECS.len()]);

impl Default for HyperValues {
    /// Every hyper-parameter at its default.
    fn default() -> Self {
        HyperValues(SPECS.map(|s| s.default))
    }
}

impl HyperValues {
    pub(crate) fn get(&self, h: Hyper) -> f64 {
        self.0[h as usize]
    }

    /// These values with `h` set to `v` (checked where the configuration holding them is built).
    pub(crate) fn with(mut self, h: Hyper, v: f64) -> Self {
        self.0[h as usize] = v;
        self
    }

    /// Refuses a value outside its hyper-parameter's range.
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        Hyper::ALL.iter().try_for_each(|&h| h.check(self.get(h)))
    }
}

impl Serialize for HyperValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(SPECS.len()))?;
        for h in Hyper::ALL {
            map.serialize_entry(h.key(), &self.get(h))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for HyperValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ValuesVisitor)
    }
}

/// Reads the keys of [`SPECS`] from a map, ignoring others (a flattened map holds its
/// neighbours' keys too).
struct ValuesVisitor;

impl<'de> Visitor<'de> for ValuesVisitor {
    type Value = HyperValues;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of hyper-parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HyperValues, A::Error> {
        let mut values = HyperValues::default();
        while let Some(key) = map.next_key::<String>()? {
            match Hyper::ALL.iter().find(|h| h.key() == key) {
                Some(&h) => values = values.with(h, map.next_value()?),
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_order_of_all() {
        for (i, h) in Hyper::ALL.iter().enumerate() {
            assert_eq!(SPECS[i].hyper, *h);
            assert_eq!(*h as usize, i);
        }
    }

    #[test]
    fn values_are_written_one_key_each_and_a_missing_key_reads_as_its_default() {
        let v = HyperValues::default().with(Hyper::Beta2, 0.99);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"momentum":0.0,"beta1":0.9,"beta2":0.99,"eps":1e-8}"#
        );
        let back: HyperValues = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        let old: HyperValues = serde_json::from_str(r#"{"beta1":0.5,"other":1}"#).unwrap();
        assert_eq!(old, HyperValues::default().with(Hyper::Beta1, 0.5));
    }

    #[test]
    fn a_value_out_of_range_names_its_flag() {
        let e = Hyper::Momentum.check(1.0).unwrap_err();
        assert_eq!(e.to_string(), "--momentum must be in [0, 1), got 1");
        let e = Hyper::Eps.check(0.0).unwrap_err();
        assert_eq!(e.to_string(), "--eps must be positive, got 0");
        let e = Hyper::Beta1.check(f64::NAN).unwrap_err();
        assert_eq!(e.to_string(), "--beta1 must be a finite number, got NaN");
        Hyper::Beta2.check(0.999).unwrap();
    }
}
