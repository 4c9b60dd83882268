//! `[scenario]`: the run's name, length and seeds.

use crate::limits::{MAX_SEED, MAX_TICKS};
use crate::location::{Problem, Problems};
use serde::{Deserialize, Deserializer, Serialize};

/// `[scenario]`: identity and run length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeta {
    /// Short identifier, used in output file names.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Number of ticks to simulate.
    #[serde(default = "default_ticks")]
    pub ticks: u32,
    /// Master seed of every random stream, in [0, 2^63 − 1].
    #[serde(default, deserialize_with = "seed")]
    pub seed: u64,
    /// When set, the tick-by-tick draws (who is active, what they do) use this seed while the
    /// network and the population still come from `seed`: replicate runs of one world.
    #[serde(
        default,
        deserialize_with = "noise_seed",
        skip_serializing_if = "Option::is_none"
    )]
    pub noise_seed: Option<u64>,
}

/// A scenario that does not say how long it runs runs 100 ticks.
fn default_ticks() -> u32 {
    100
}

/// A seed: an integer in [0, [`MAX_SEED`]]. A TOML integer is signed 64-bit, so a larger one
/// cannot be written to a file; `--set scenario.seed=18446744073709551615` arrives as a string
/// (it is no TOML integer) and gets the same plain message as `-1`.
fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(SeedVisitor)
}

/// `noise_seed`, present: a [`seed`].
fn noise_seed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    seed(d).map(Some)
}

struct SeedVisitor;

impl SeedVisitor {
    fn refuse<E: serde::de::Error>(got: impl std::fmt::Display) -> E {
        E::custom(format!(
            "a seed must be an integer in [0, {MAX_SEED}] (TOML integers are signed 64-bit), \
             got {got}"
        ))
    }
}

impl serde::de::Visitor<'_> for SeedVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an integer in [0, {MAX_SEED}]")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| Self::refuse(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
        if v <= MAX_SEED {
            Ok(v)
        } else {
            Err(Self::refuse(v))
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u64, E> {
        Err(Self::refuse(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
        Err(Self::refuse(format!("`{v}`")))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<u64, E> {
        Err(Self::refuse(v))
    }
}

impl ScenarioMeta {
    /// Semantic problems of `[scenario]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Problems::default();
        p.count(
            &["scenario", "ticks"],
            self.ticks.into(),
            1,
            MAX_TICKS.into(),
        );
        p.count(&["scenario", "seed"], self.seed, 0, MAX_SEED);
        if let Some(s) = self.noise_seed {
            p.count(&["scenario", "noise_seed"], s, 0, MAX_SEED);
        }
        p.0
    }
}
