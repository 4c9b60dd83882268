//! Reading a run directory (made by `emergent run`) for the report. Every problem names
//! the file at fault.

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{
    self, ATTRIBUTION, ATTRIBUTION_JSON, AttributionFile, DYNAMIC_ATTRIBUTION,
    DYNAMIC_ATTRIBUTION_JSON, DynamicAttributionFile, GAME_JSON, GameFile, INDICATORS_CSV,
    MANIFEST, MARKET_JSON, Manifest, MarketStats, SCENARIO, STUDY_DIR, STUDY_JSON, TICKS,
};
use emergent_io::{FirstAndLast, first_and_last_tick};
use emergent_scenario::Scenario;

use crate::error::ReportError;
use crate::plot::Series;
use crate::study_data::StudyData;

/// The files a report needs, in the order they are checked.
pub const REQUIRED: [&str; 4] = [MANIFEST, SCENARIO, INDICATORS_CSV, ATTRIBUTION_JSON];

/// Where the report's own plots go, relative to the run directory.
pub const PLOT_DIR: &str = "plots";

/// Everything the run report shows, read up front.
#[derive(Debug)]
pub struct RunInputs {
    pub dir: PathBuf,
    pub scenario: Scenario,
    pub manifest: Manifest,
    pub series: Vec<Series>,
    pub attribution: AttributionFile,
    pub study: Option<StudyData>,
    /// `dynamic_attribution.json` and the per-agent φ it compares, when the run has them.
    pub dynamic: Option<DynamicData>,
    /// `game.json`, the ground truth by rerunning, when `emergent attribute --game` made one.
    pub game: Option<GameFile>,
    /// Stances at the first and last recorded tick (runs that record a `stance`).
    pub opinions: Option<FirstAndLast>,
    /// Measures of the follow graph at the start and the end (social runs).
    pub follows: Option<crate::graph::FollowMeasures>,
    /// `market.json`, for a market (panic-policy) run.
    pub market: Option<MarketStats>,
    /// `cascades.parquet`, when the run has it (cascade-policy runs).
    pub cascades: Option<CascadeData>,
    /// Where a distilled policy came from and how faithful it is, or an LLM run's decision
    /// log (None for a hand-written policy).
    pub provenance: Option<crate::distilled_doc::PolicyProvenance>,
}

/// The cascades of a run: every final size, and the largest cascade.
#[derive(Debug, Clone)]
pub struct CascadeData {
    pub sizes: Vec<f64>,
    /// (root item, origin agent, start tick, size) of the largest (the earliest of equals).
    pub largest: Option<[f64; 4]>,
    /// Cascades shared within the feed window of the run's end: a follower could still have
    /// seen them after the last tick, so they may have been still growing.
    pub still_spreading: usize,
}

/// `cascades.parquet` of the run in `dir`, which ran `ticks` ticks with feed window `window`.
fn read_cascades(
    dir: &Path,
    ticks: Option<u64>,
    window: u32,
) -> Result<Option<CascadeData>, ReportError> {
    let path = dir.join(run_dir::parquet_name(run_dir::CASCADES));
    if !path.is_file() {
        return Ok(None);
    }
    let table = emergent_io::read_table(&path, &emergent_io::IdColumn::Named("root".into()))
        .map_err(|e| ReportError::input(&path, e))?;
    let col = |name: &str| {
        table
            .column(name)
            .map(<[f64]>::to_vec)
            .ok_or_else(|| ReportError::input(&path, format!("no `{name}` column")))
    };
    let (sizes, origin, start, last) = (
        col("size")?,
        col("origin")?,
        col("start_tick")?,
        col("last_tick")?,
    );
    let roots: Vec<f64> = match table.ids() {
        emergent_attribution::AgentIds::Int(v) => v.iter().map(|&x| x as f64).collect(),
        emergent_attribution::AgentIds::Text(_) => {
            return Err(ReportError::input(&path, "`root` must be integer item ids"));
        }
    };
    let largest = (0..sizes.len())
        .max_by(|&i, &j| sizes[i].total_cmp(&sizes[j]).then(j.cmp(&i)))
        .map(|i| [roots[i], origin[i], start[i], sizes[i]]);
    let still_spreading = match ticks {
        Some(t) => last
            .iter()
            .filter(|&&l| l as u64 + window as u64 >= t)
            .count(),
        None => 0,
    };
    Ok(Some(CascadeData {
        sizes,
        largest,
        still_spreading,
    }))
}

/// The dynamic attribution and, per indicator, (static φ, dynamic φ) of a deterministic
/// sample of agents for the scatter plot.
#[derive(Debug, Clone)]
pub struct DynamicData {
    pub file: DynamicAttributionFile,
    pub points: Vec<(String, Vec<(f64, f64)>)>,
}

/// Agents drawn in a static-vs-dynamic scatter: the largest |φ| of either kind always, then
/// an even stride through the rest, so a million-agent run still gives a readable plot.
const SCATTER_TOP: usize = 200;
const SCATTER_MAX: usize = 3_000;

fn scatter_sample(stat: &[f64], dyn_: &[f64]) -> Vec<(f64, f64)> {
    let n = stat.len().min(dyn_.len());
    let mut keep = vec![false; n];
    for phi in [stat, dyn_] {
        let mut order: Vec<usize> = (0..n).collect();
        let k = SCATTER_TOP.min(n);
        if k > 0 && k < n {
            order.select_nth_unstable_by(k - 1, |&i, &j| {
                phi[j].abs().total_cmp(&phi[i].abs()).then(i.cmp(&j))
            });
        }
        for &i in &order[..k] {
            keep[i] = true;
        }
    }
    let stride = n
        .div_ceil(SCATTER_MAX.saturating_sub(2 * SCATTER_TOP).max(1))
        .max(1);
    (0..n)
        .filter(|&i| keep[i] || i % stride == 0)
        .map(|i| (stat[i], dyn_[i]))
        .collect()
}

fn read_dynamic(dir: &Path) -> Result<Option<DynamicData>, ReportError> {
    if !dir.join(DYNAMIC_ATTRIBUTION_JSON).is_file() {
        return Ok(None);
    }
    let file = run_dir::read_dynamic_attribution(dir).map_err(input)?;
    let ids = emergent_io::IdColumn::Default;
    let table = |name: &str| {
        let p = dir.join(format!("{name}.parquet"));
        emergent_io::read_dataset(dir, name, &ids).map_err(|e| ReportError::input(&p, e))
    };
    let (stat, dyn_) = (table(ATTRIBUTION)?, table(DYNAMIC_ATTRIBUTION)?);
    let points = file
        .indicators
        .iter()
        .filter(|ind| ind.note.is_none())
        .filter_map(|ind| {
            let col = format!("phi_{}", ind.name);
            Some((
                ind.name.clone(),
                scatter_sample(stat.column(&col)?, dyn_.column(&col)?),
            ))
        })
        .collect();
    Ok(Some(DynamicData { file, points }))
}

/// Stances at the first and last recorded tick, when the run recorded ticks with a stance
/// (an economy records none; a run directory without a ticks table has nothing to draw).
fn read_opinions(dir: &Path) -> Result<Option<FirstAndLast>, ReportError> {
    if emergent_io::dataset_files(dir, TICKS).is_err() {
        return Ok(None);
    }
    first_and_last_tick(dir, TICKS, "stance").map_err(input)
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
                let why = if name == MANIFEST {
                    "not found, nor import.json: this is not a complete run directory (`emergent run` writes manifest.json last; resume an interrupted run with `emergent run --resume DIR`), nor an import (`emergent import oasis|bluesky` writes import.json last)"
                } else {
                    "not found: the run directory is incomplete"
                };
                return Err(ReportError::input(p, why));
            }
        }
        let scenario_path = dir.join(SCENARIO);
        let manifest = run_dir::read_json::<Manifest>(&dir.join(MANIFEST)).map_err(input)?;
        let text = read_text(&scenario_path)?;
        // A relative edge-list path is relative to the scenario file the run was started from
        // (the manifest names it), not to this copy of it.
        let scenario = Scenario::from_str(&text, &scenario_path.display().to_string())
            .or_else(|e| match manifest.scenario_file.as_str() {
                "" => Err(e),
                file => Scenario::from_str(&text, file),
            })
            .map_err(|e| ReportError::input(&scenario_path, e))?;
        let series = read_indicator_csv(&dir.join(INDICATORS_CSV))?;
        let attribution = run_dir::read_attribution(dir).map_err(input)?;
        let study_path = dir.join(STUDY_DIR).join(STUDY_JSON);
        let study = if study_path.is_file() {
            Some(read_json::<StudyData>(&study_path)?)
        } else {
            None
        };
        let dynamic = read_dynamic(dir)?;
        let game_path = dir.join(GAME_JSON);
        let game = match game_path.is_file() {
            true => Some(read_json::<GameFile>(&game_path)?),
            false => None,
        };
        let opinions = read_opinions(dir)?;
        let follows = crate::graph::read_follow_measures(dir)?;
        let market_path = dir.join(MARKET_JSON);
        let market = if market_path.is_file() {
            Some(read_json::<MarketStats>(&market_path)?)
        } else {
            None
        };
        let cascades = read_cascades(dir, manifest.counts.ticks, scenario.feed.window)?;
        let provenance = crate::distilled_doc::read_provenance(dir, &manifest)?;
        Ok(RunInputs {
            provenance,
            follows,
            dir: dir.to_path_buf(),
            scenario,
            manifest,
            series,
            attribution,
            study,
            dynamic,
            game,
            opinions,
            market,
            cascades,
        })
    }
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::input(path, format!("cannot read: {e}")))
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    run_dir::read_json(path).map_err(input)
}

/// A file the run directory schema could not read, as the report's input error.
fn input(e: emergent_io::IoError) -> ReportError {
    ReportError::input(e.path, e.message)
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
    fn the_scatter_keeps_the_largest_of_both_and_a_bounded_sample() {
        let n = 1_000_000;
        let stat: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64).collect();
        let mut dyn_: Vec<f64> = vec![0.0; n];
        dyn_[123_457] = -5.0;
        let pts = scatter_sample(&stat, &dyn_);
        assert!(pts.len() <= SCATTER_MAX + 2 * SCATTER_TOP, "{}", pts.len());
        assert!(
            pts.contains(&(stat[123_457], -5.0)),
            "the largest |dynamic φ| is drawn"
        );
        assert!(pts.iter().filter(|p| p.0 == 999.0).count() >= SCATTER_TOP / 2);
        assert_eq!(scatter_sample(&[1.0, 2.0], &[3.0, 4.0]).len(), 2);
    }

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
