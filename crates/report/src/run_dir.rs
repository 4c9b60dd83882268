//! Reading a run directory (made by `emergent run`) for the report. Every problem names
//! the file at fault.

use std::path::{Path, PathBuf};

use emergent_sim::Scenario;
use serde::Deserialize;
use serde_json::Value;

use crate::error::ReportError;
use crate::plot::Series;
use crate::study_data::{StudyData, TierData};

/// The files a report needs, in the order they are checked.
pub const REQUIRED: [&str; 4] = [
    "manifest.json",
    "scenario.toml",
    "indicators.csv",
    "attribution.json",
];

/// Everything the run report shows, read up front.
#[derive(Debug)]
pub struct RunInputs {
    pub dir: PathBuf,
    pub scenario: Scenario,
    pub manifest: Value,
    pub series: Vec<Series>,
    pub attribution: AttributionFile,
    pub study: Option<StudyData>,
}

/// `attribution.json` as the runner writes it (see `emergent_runner::IndicatorOutcome`).
#[derive(Debug, Clone, Deserialize)]
pub struct AttributionFile {
    pub indicators: Vec<AttributedIndicator>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttributedIndicator {
    pub name: String,
    pub expr: String,
    pub baseline: String,
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
    pub sum_phi: Option<f64>,
    pub completeness_gap: Option<f64>,
    pub method: Option<String>,
    pub steps: Option<usize>,
    pub tier_by: Option<String>,
    #[serde(default)]
    pub tiers: Vec<TierData>,
    #[serde(default)]
    pub top_agents: Vec<TopAgentData>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TopAgentData {
    pub agent_id: String,
    pub phi: Option<f64>,
    pub share: Option<f64>,
    #[serde(default)]
    pub features: Vec<(String, Option<f64>)>,
}

impl RunInputs {
    pub fn read(dir: &Path) -> Result<RunInputs, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::input(
                dir,
                "not a directory; give the run directory `emergent run` wrote",
            ));
        }
        for name in REQUIRED {
            let p = dir.join(name);
            if !p.is_file() {
                let why = if name == "manifest.json" {
                    "not found: this is not a complete run directory (`emergent run` writes manifest.json last; resume an interrupted run with `emergent run --resume DIR`)"
                } else {
                    "not found: the run directory is incomplete"
                };
                return Err(ReportError::input(p, why));
            }
        }
        let scenario_path = dir.join("scenario.toml");
        let scenario = Scenario::from_str(
            &read_text(&scenario_path)?,
            &scenario_path.display().to_string(),
        )
        .map_err(|e| ReportError::input(&scenario_path, e))?;
        let manifest = read_json::<Value>(&dir.join("manifest.json"))?;
        let series = read_indicator_csv(&dir.join("indicators.csv"))?;
        let attribution = read_json::<AttributionFile>(&dir.join("attribution.json"))?;
        let study_path = dir.join("study").join("study.json");
        let study = if study_path.is_file() {
            Some(read_json::<StudyData>(&study_path)?)
        } else {
            None
        };
        Ok(RunInputs {
            dir: dir.to_path_buf(),
            scenario,
            manifest,
            series,
            attribution,
            study,
        })
    }
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::input(path, format!("cannot read: {e}")))
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    serde_json::from_str(&read_text(path)?)
        .map_err(|e| ReportError::input(path, format!("not the JSON expected here: {e}")))
}

/// `indicators.csv`: a `tick` column, then one column per indicator; an empty cell is an
/// indicator undefined at that tick.
pub fn read_indicator_csv(path: &Path) -> Result<Vec<Series>, ReportError> {
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| ReportError::input(path, format!("cannot read: {e}")))?;
    let header = reader
        .headers()
        .map_err(|e| ReportError::input(path, format!("cannot read the header: {e}")))?
        .clone();
    if header.get(0) != Some("tick") {
        return Err(ReportError::input(path, "the first column must be `tick`"));
    }
    let mut series: Vec<Series> = header
        .iter()
        .skip(1)
        .map(|n| Series {
            name: n.to_string(),
            points: Vec::new(),
        })
        .collect();
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record = record.map_err(|e| ReportError::input(path, format!("line {line}: {e}")))?;
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let tick: f64 = cell(0).parse().map_err(|_| {
            ReportError::input(
                path,
                format!("line {line}: tick `{}` is not a number", cell(0)),
            )
        })?;
        for (k, s) in series.iter_mut().enumerate() {
            let text = cell(k + 1);
            let value = if text.is_empty() {
                None
            } else {
                Some(text.parse::<f64>().map_err(|_| {
                    ReportError::input(
                        path,
                        format!("line {line}, column `{}`: `{text}` is not a number", s.name),
                    )
                })?)
            };
            s.points.push((tick, value));
        }
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cells_are_undefined_and_bad_cells_name_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("indicators.csv");
        std::fs::write(&p, "tick,a,b\n0,1.5,\n1,2.5,3\n").expect("write");
        let s = read_indicator_csv(&p).expect("reads");
        assert_eq!(s[0].points, vec![(0.0, Some(1.5)), (1.0, Some(2.5))]);
        assert_eq!(s[1].points, vec![(0.0, None), (1.0, Some(3.0))]);
        std::fs::write(&p, "tick,a\n0,1\n1,x\n").expect("write");
        let e = read_indicator_csv(&p).expect_err("bad cell").to_string();
        assert!(
            e.contains("indicators.csv") && e.contains("line 3") && e.contains("`x`"),
            "{e}"
        );
    }
}
