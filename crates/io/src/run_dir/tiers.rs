//! Tier shares ([`TierShare`]) as they read back from JSON.

use emergent_attribution::TierShare;
use serde::{Deserialize, Deserializer};

/// [`TierShare`] as written: its floats may be `null` (NaN).
#[derive(Deserialize)]
struct TierShareJson {
    name: String,
    from: usize,
    to: usize,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    phi_sum: f64,
    #[serde(deserialize_with = "crate::run_dir::nullable::f64")]
    share: f64,
}

/// A list of tier shares (a missing list is empty).
pub(crate) fn tier_shares<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<TierShare>, D::Error> {
    Ok(Vec::<TierShareJson>::deserialize(d)?
        .into_iter()
        .map(|t| TierShare {
            name: t.name,
            from: t.from,
            to: t.to,
            phi_sum: t.phi_sum,
            share: t.share,
        })
        .collect())
}
