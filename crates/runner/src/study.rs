//! `emergent study`'s planning: what to study (a run directory's declared indicators, or a
//! feature table with indicators given), from which baselines, under which protocols, and
//! where to write it — every check made before any work. The command line and the Python
//! package both call [`plan_study`] then [`StudyPlan::run`], and write the result with
//! `emergent_report::write_study` (this crate does not draw).

use std::path::{Path, PathBuf};

use emergent_attribution::{Baseline, FeatureTable, Indicator};
use emergent_io::run_dir::RunDirLock;
use emergent_io::{IdColumn, IoError, read_table, read_table_for};
use emergent_scenario::{Scenario, ScenarioError};
use emergent_study::{IndicatorInput, Protocol, Study, StudyConfig, StudyError};
use thiserror::Error;

/// Why a study could not be planned or run; the text is the command line's.
#[derive(Debug, Error)]
pub enum StudyRunError {
    /// A request that cannot be studied, refused before any work.
    #[error("{0}")]
    Invalid(String),
    /// `what` went wrong because of `source` (printed as `what: source`).
    #[error("{what}")]
    Context {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

impl StudyRunError {
    fn context(what: String, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StudyRunError::Context {
            what,
            source: Box::new(source),
        }
    }
}

fn invalid<T>(message: String) -> Result<T, StudyRunError> {
    Err(StudyRunError::Invalid(message))
}

/// Where a study's features and indicators come from.
#[derive(Debug, Clone)]
pub enum StudySource {
    /// A run directory made by `emergent run`: features.parquet (or its shards), the
    /// indicators and baselines its scenario.toml declares; outputs in `DIR/study`.
    RunDir(PathBuf),
    /// A feature table (.csv or .parquet) and the indicators to study; `baselines` is empty
    /// (zero for all), one for all, or one per indicator; outputs in `study/` next to `file`.
    Features {
        file: PathBuf,
        indicators: Vec<String>,
        baselines: Vec<String>,
    },
}

/// `emergent study`'s arguments, with the command line's names.
#[derive(Debug, Clone)]
pub struct StudyRequest {
    pub source: StudySource,
    pub out: Option<PathBuf>,
    pub panel_size: usize,
    pub seeds: u64,
    /// The ranking column of tiers and of the visibility protocol (`None`: `followers`).
    pub tier_by: Option<String>,
    pub tiers: Vec<f64>,
    pub activity_by: String,
    /// Protocol names (`uniform`, `visibility`, `stratified`, `activity`).
    pub protocols: Vec<String>,
    pub seed: u64,
    /// Run the robustness sweeps (the CLI's `--no-sweeps` is `false`).
    pub sweeps: bool,
}

impl StudyRequest {
    /// A request with the command line's defaults.
    pub fn new(source: StudySource) -> Self {
        let d = StudyConfig::default();
        StudyRequest {
            source,
            out: None,
            panel_size: d.panel_size,
            seeds: d.seeds,
            tier_by: None,
            tiers: d.cuts,
            activity_by: d.activity_by,
            protocols: d.protocols.iter().map(|p| p.name().to_string()).collect(),
            seed: d.seed,
            sweeps: d.sweeps,
        }
    }

    fn tier_by(&self) -> &str {
        self.tier_by.as_deref().unwrap_or("followers")
    }

    fn run_dir(&self) -> Option<&Path> {
        match &self.source {
            StudySource::RunDir(d) => Some(d),
            StudySource::Features { .. } => None,
        }
    }
}

/// A checked study, ready to run: the table read, the indicators parsed, the output folder
/// cleared to write. Holds the run directory's lock (if any) until dropped.
pub struct StudyPlan {
    /// The feature file read (a partitioned run's first shard).
    pub features: PathBuf,
    pub inputs: Vec<IndicatorInput>,
    pub out: PathBuf,
    pub table: FeatureTable,
    pub config: StudyConfig,
    _lock: Option<RunDirLock>,
}

impl StudyPlan {
    /// The study itself (full attribution, panels, verdicts, sweeps).
    pub fn run(&self, progress: &(dyn Fn(&str) + Sync)) -> Result<Study, StudyRunError> {
        emergent_study::study(&self.table, &self.inputs, &self.config, progress).map_err(
            |e: StudyError| {
                StudyRunError::context(format!("studying {}", self.features.display()), e)
            },
        )
    }
}

/// Check `req` and read what it studies, refusing before any work what cannot be done.
pub fn plan_study(req: &StudyRequest) -> Result<StudyPlan, StudyRunError> {
    check_tiers(&req.tiers)?;
    let protocols = parse_protocols(&req.protocols)?;
    // Not while a run (or another command) writes into the run directory.
    let lock = match req.run_dir() {
        Some(dir) if dir.is_dir() => Some(RunDirLock::acquire(dir, "emergent study")?),
        _ => None,
    };
    let (features, inputs, table, out) = match &req.source {
        StudySource::RunDir(dir) => from_run_dir(dir)?,
        StudySource::Features {
            file,
            indicators,
            baselines,
        } => from_features(file, indicators, baselines)?,
    };
    let out = req.out.clone().unwrap_or(out);
    let plan = StudyPlan {
        features,
        inputs,
        out,
        table,
        config: StudyConfig {
            panel_size: req.panel_size,
            seeds: req.seeds,
            tier_by: req.tier_by().to_string(),
            cuts: req.tiers.clone(),
            activity_by: req.activity_by.clone(),
            protocols,
            seed: req.seed,
            sweeps: req.sweeps,
            ..StudyConfig::default()
        },
        _lock: lock,
    };
    check_columns(&plan)?;
    if plan.out.exists() && !plan.out.is_dir() {
        return invalid(format!(
            "--out {}: exists and is not a folder",
            plan.out.display()
        ));
    }
    if req.out.is_some() {
        // An existing study folder is rewritten, but never over what the study reads.
        let input = req
            .run_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| plan.features.clone());
        emergent_io::check_output_path(&plan.out, &[input], true)?;
    }
    Ok(plan)
}

type Planned = (PathBuf, Vec<IndicatorInput>, FeatureTable, PathBuf);

fn from_run_dir(dir: &Path) -> Result<Planned, StudyRunError> {
    if !dir.is_dir() {
        return invalid(format!(
            "{}: not a directory; give a run directory made by `emergent run`, or use --features FILE",
            dir.display()
        ));
    }
    // One file, or a partitioned run's shards (listed in shards.json).
    let files = emergent_io::dataset_files(dir, "features").map_err(|e| {
        StudyRunError::context(
            format!(
                "{} is not a (complete) run directory made by `emergent run`",
                dir.display()
            ),
            e,
        )
    })?;
    let features = files[0].clone();
    let scenario_path = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&scenario_path).map_err(|e| {
        StudyRunError::context(format!("{}: cannot read", scenario_path.display()), e)
    })?;
    let scenario = Scenario::from_str(&text, &scenario_path.display().to_string())?;
    if scenario.indicators.is_empty() {
        return invalid(format!(
            "{}: the scenario declares no [[indicators]]; add some, or use --features FILE --indicator EXPR",
            scenario_path.display()
        ));
    }
    // Read once, only when an indicator starts from the run's first recorded tick.
    let initial = match scenario.indicators.iter().any(|c| c.baseline == "initial") {
        true => Some(initial_table(Some(dir))?),
        false => None,
    };
    let at = |name: &str| format!("{}: indicator `{name}`", scenario_path.display());
    let inputs = scenario
        .indicators
        .iter()
        .map(|c| {
            let indicator =
                Indicator::parse(&c.expr).map_err(|e| StudyRunError::context(at(&c.name), e))?;
            let baseline = match (c.baseline.as_str(), &initial) {
                ("initial", Some(t)) => Baseline::Table(t.clone()),
                (other, _) => simple_baseline(other)
                    .map_err(|e| StudyRunError::context(at(&c.name), StudyRunError::Invalid(e)))?,
            };
            Ok(IndicatorInput {
                name: c.name.clone(),
                indicator,
                baseline,
            })
        })
        .collect::<Result<Vec<_>, StudyRunError>>()?;
    let table = emergent_io::read_dataset(dir, "features", &IdColumn::Default)?;
    Ok((features, inputs, table, dir.join("study")))
}

fn from_features(
    file: &Path,
    indicators: &[String],
    baselines: &[String],
) -> Result<Planned, StudyRunError> {
    let ids = IdColumn::Default;
    let baselines: Vec<String> = match baselines.len() {
        0 => vec!["zero".into(); indicators.len()],
        1 => vec![baselines[0].clone(); indicators.len()],
        n if n == indicators.len() => baselines.to_vec(),
        n => {
            return invalid(format!(
                "--baseline given {n} times for {} indicators: give one for all, or one per --indicator",
                indicators.len()
            ));
        }
    };
    let mut inputs = Vec::new();
    for (expr, b) in indicators.iter().zip(&baselines) {
        let indicator = Indicator::parse(expr)
            .map_err(|e| StudyRunError::context(format!("--indicator `{expr}`"), e))?;
        inputs.push(IndicatorInput {
            name: expr.clone(),
            indicator,
            baseline: parse_baseline(b, &ids, None)?,
        });
    }
    let out = file.parent().unwrap_or(Path::new(".")).join("study");
    let uses: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.indicator.columns().iter().cloned())
        .collect();
    let table = read_table_for(file, &ids, &uses)?;
    Ok((file.to_path_buf(), inputs, table, out))
}

/// The baselines a scenario may name.
fn simple_baseline(name: &str) -> Result<Baseline, String> {
    Ok(match name {
        "zero" => Baseline::Zero,
        "mean" => Baseline::Mean,
        "min" => Baseline::Min,
        other => {
            return Err(format!(
                "baseline `{other}` is not zero, mean, min or initial"
            ));
        }
    })
}

/// `--baseline TEXT` (the study's and `emergent attribute`'s): zero | mean | min | COL=V,… |
/// initial | a baseline table file. `run_dir` is the run directory the features come from, if
/// they do: `initial` needs one, and is refused with what to do instead without it.
pub fn parse_baseline(
    text: &str,
    ids: &IdColumn,
    run_dir: Option<&Path>,
) -> Result<Baseline, StudyRunError> {
    Ok(match text {
        "initial" => Baseline::Table(initial_table(run_dir)?),
        "zero" => Baseline::Zero,
        "mean" => Baseline::Mean,
        "min" => Baseline::Min,
        t if t.contains('=') => Baseline::Constants(
            t.split(',')
                .map(|kv| {
                    let Some((k, v)) = kv.split_once('=') else {
                        return invalid(format!("--baseline: `{kv}` is not COL=VALUE"));
                    };
                    match v.trim().parse::<f64>() {
                        Ok(v) => Ok((k.trim().to_string(), v)),
                        Err(e) => Err(StudyRunError::context(
                            format!("--baseline: `{v}` in `{kv}` is not a number"),
                            e,
                        )),
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        path => {
            let p = PathBuf::from(path);
            if !p.exists() {
                return invalid(format!(
                    "--baseline `{path}`: not zero, mean, min, initial, COL=V,… nor an existing baseline table file"
                ));
            }
            Baseline::Table(
                read_table(&p, ids).map_err(|e| {
                    StudyRunError::context("reading the baseline table".to_string(), e)
                })?,
            )
        }
    })
}

/// Every agent's features at the first recorded tick of run directory `run_dir`.
pub fn initial_table(run_dir: Option<&Path>) -> Result<FeatureTable, StudyRunError> {
    let Some(dir) = run_dir else {
        return invalid(
            "--baseline initial reads every agent's features at the first recorded tick of a \
             run: give a run directory made by `emergent run` as the features (or its \
             tick-0 rows as a baseline table FILE)"
                .to_string(),
        );
    };
    let first = emergent_io::first_tick_dataset(dir, "ticks").map_err(|e| {
        StudyRunError::context(
            format!(
                "--baseline initial: reading the first recorded tick of {}",
                dir.display()
            ),
            e,
        )
    })?;
    Ok(first.table)
}

/// The command line's `--tiers` check: increasing fractions strictly between 0 and 1.
pub fn check_tiers(cuts: &[f64]) -> Result<(), StudyRunError> {
    if cuts.is_empty()
        || cuts.iter().any(|c| !(*c > 0.0 && *c < 1.0))
        || cuts.windows(2).any(|w| w[0] >= w[1])
    {
        return invalid(
            "--tiers takes increasing fractions strictly between 0 and 1, e.g. 0.01,0.1".into(),
        );
    }
    Ok(())
}

/// Protocol names to protocols, in the order given, each once.
pub fn parse_protocols(names: &[String]) -> Result<Vec<Protocol>, StudyRunError> {
    let mut out = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let Some(p) = Protocol::parse(n) else {
            let all: Vec<&str> = Protocol::ALL.iter().map(|p| p.name()).collect();
            return invalid(format!(
                "--protocols: `{n}` is not one of {}",
                all.join(", ")
            ));
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.is_empty() {
        return invalid("--protocols: give at least one protocol".into());
    }
    Ok(out)
}

/// Fail before any work when a named column is missing, listing the ones there are.
fn check_columns(plan: &StudyPlan) -> Result<(), StudyRunError> {
    let table = &plan.table;
    let cfg = &plan.config;
    let file = plan.features.display();
    let available = || table.column_names().join(", ");
    for input in &plan.inputs {
        if let Some(bad) = input
            .indicator
            .columns()
            .iter()
            .find(|c| table.column(c).is_none())
        {
            return invalid(format!(
                "{file}: indicator `{}` reads column `{bad}`, which the table does not have; columns: {}",
                input.name,
                available()
            ));
        }
    }
    if table.column(&cfg.tier_by).is_none() {
        return invalid(format!(
            "{file}: --tier-by column `{}` is missing; columns: {}",
            cfg.tier_by,
            available()
        ));
    }
    if cfg.protocols.contains(&Protocol::Activity) && table.column(&cfg.activity_by).is_none() {
        return invalid(format!(
            "{file}: --activity-by column `{}` is missing (the activity protocol needs it); columns: {}",
            cfg.activity_by,
            available()
        ));
    }
    if cfg.panel_size > table.len() {
        return invalid(format!(
            "--panel-size {} is larger than the population of {file} ({} agents); use at most {}",
            cfg.panel_size,
            table.len(),
            table.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn protocols_are_parsed_in_order_once_and_unknown_ones_refused() {
        let p = parse_protocols(&names(&["activity", " uniform", "activity", ""])).unwrap();
        assert_eq!(p, [Protocol::Activity, Protocol::Uniform]);
        let e = parse_protocols(&names(&["uniform", "snowball"])).unwrap_err();
        assert!(e.to_string().contains("`snowball`") && e.to_string().contains("visibility"));
        assert!(parse_protocols(&names(&[" "])).is_err());
    }

    #[test]
    fn the_defaults_are_the_command_lines() {
        let r = StudyRequest::new(StudySource::RunDir("x".into()));
        assert_eq!(
            (r.panel_size, r.seeds, r.seed, r.sweeps),
            (100, 10, 0, true)
        );
        assert_eq!(
            r.protocols,
            ["uniform", "visibility", "stratified", "activity"]
        );
        assert_eq!(
            (r.tier_by(), r.activity_by.as_str()),
            ("followers", "posts")
        );
        assert_eq!(r.tiers, [0.01, 0.1]);
    }

    #[test]
    fn a_feature_file_with_mismatched_baselines_is_refused_before_reading() {
        let req = StudyRequest::new(StudySource::Features {
            file: "/nonexistent/f.csv".into(),
            indicators: names(&["mean(posts)", "var(posts)"]),
            baselines: names(&["zero", "mean", "min"]),
        });
        let e = plan_study(&req).err().unwrap().to_string();
        assert!(
            e.contains("--baseline given 3 times for 2 indicators"),
            "{e}"
        );
    }

    #[test]
    fn bad_tiers_and_baselines_are_refused() {
        let mut req = StudyRequest::new(StudySource::RunDir("/nonexistent".into()));
        req.tiers = vec![0.1, 0.01];
        let e = plan_study(&req).err().unwrap().to_string();
        assert!(e.starts_with("--tiers takes increasing fractions"), "{e}");
        assert!(simple_baseline("median").unwrap_err().contains("`median`"));
        let e = parse_baseline("posts=x", &IdColumn::Default, None).unwrap_err();
        assert!(e.to_string().contains("`x` in `posts=x` is not a number"));
    }
}
