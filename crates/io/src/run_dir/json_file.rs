//! Reading and writing the run directory's JSON files, with errors that name the file.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::atomic::atomic_write_bytes;
use crate::error::IoError;
use crate::run_dir::attribution::{AttributionFile, AttributionFileRef, IndicatorOutcome};
use crate::run_dir::dynamic::{
    DynamicAttributionFile, DynamicAttributionFileRef, DynamicOutcome, DynamicStructure,
};
use crate::run_dir::manifest::Manifest;
use crate::run_dir::names::{ATTRIBUTION_JSON, DYNAMIC_ATTRIBUTION_JSON, MANIFEST};

/// Write `value` as pretty JSON (two-space indent), atomically, with the keys of every
/// object sorted alphabetically: the files have always been written through
/// `serde_json::Value` (whose maps are sorted, serde_json having no `preserve_order` here),
/// so the bytes do not depend on the order a struct declares its fields in.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), IoError> {
    let err = |e: serde_json::Error| IoError::new(path, e.to_string());
    let sorted = serde_json::to_value(value).map_err(err)?;
    let text = serde_json::to_string_pretty(&sorted).map_err(err)?;
    atomic_write_bytes(path, text.as_bytes())
}

/// Read a JSON file into `T`; the error says whether the file could not be read or did not
/// hold what was expected.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, IoError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| IoError::new(path, format!("cannot read: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| IoError::new(path, format!("not the JSON expected here: {e}")))
}

/// `dir/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, IoError> {
    let path = dir.join(MANIFEST);
    if let Err(e) = std::fs::metadata(&path) {
        return Err(IoError::new(
            &path,
            format!("{e}: is this a completed run directory (made by `emergent run`)?"),
        ));
    }
    read_json(&path)
}

pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), IoError> {
    write_json(&dir.join(MANIFEST), manifest)
}

/// `dir/attribution.json`.
pub fn read_attribution(dir: &Path) -> Result<AttributionFile, IoError> {
    read_json(&dir.join(ATTRIBUTION_JSON))
}

pub fn write_attribution(dir: &Path, indicators: &[IndicatorOutcome]) -> Result<(), IoError> {
    write_json(
        &dir.join(ATTRIBUTION_JSON),
        &AttributionFileRef { indicators },
    )
}

/// `dir/dynamic_attribution.json`.
pub fn read_dynamic_attribution(dir: &Path) -> Result<DynamicAttributionFile, IoError> {
    read_json(&dir.join(DYNAMIC_ATTRIBUTION_JSON))
}

pub fn write_dynamic_attribution(dir: &Path, indicators: &[DynamicOutcome]) -> Result<(), IoError> {
    write_dynamic_attribution_grouped(dir, indicators, None)
}

/// `dir/dynamic_attribution.json` of an attribution with a coalition structure (`None`: the
/// diagonal path, the same file as [`write_dynamic_attribution`]).
pub fn write_dynamic_attribution_grouped(
    dir: &Path,
    indicators: &[DynamicOutcome],
    structure: Option<&DynamicStructure>,
) -> Result<(), IoError> {
    write_json(
        &dir.join(DYNAMIC_ATTRIBUTION_JSON),
        &DynamicAttributionFileRef {
            indicators,
            structure,
        },
    )
}
