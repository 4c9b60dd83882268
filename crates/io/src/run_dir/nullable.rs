//! JSON has no NaN or infinity: serde_json writes a non-finite `f64` as `null`. These read
//! such a `null` back as NaN, so a file reads back into the type that wrote it.

use serde::{Deserialize, Deserializer};

/// An `f64` that may have been written as `null` (NaN).
pub(crate) fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// `(name, value)` pairs whose values may have been written as `null` (NaN).
pub(crate) fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
    let v = Vec::<(String, Option<f64>)>::deserialize(d)?;
    Ok(v.into_iter()
        .map(|(n, x)| (n, x.unwrap_or(f64::NAN)))
        .collect())
}

/// A list of `f64` whose entries may have been written as `null` (NaN).
pub(crate) fn f64_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let v = Vec::<Option<f64>>::deserialize(d)?;
    Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}
