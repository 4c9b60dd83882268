//! The scenario's macro indicators: parsed up front, evaluated each recorded tick,
//! attributed at the end.

use emergent_attribution::{
    AgentIds, Attribution, AttributionError, Baseline, FeatureTable, Indicator, Options, Shard,
    TableError, attribute, attribute_sharded, tier_shares, tier_shares_sharded,
};
use emergent_collective::Collective;
use emergent_io::run_dir::{IndicatorOutcome, TopAgent};
use emergent_scenario::{KeySeg, Scenario};
use emergent_sim::World;

use crate::error::RunError;

/// One `[[indicators]]` entry, ready to use.
#[derive(Debug, Clone)]
pub struct IndicatorSpec {
    pub name: String,
    pub indicator: Indicator,
    /// The baseline; for `initial`, a placeholder: see [`IndicatorSpec::from_initial`].
    pub baseline: Baseline,
    /// `baseline = "initial"`: attributed against every agent's features at the run's first
    /// recorded tick, which only exist once the run has recorded it.
    pub from_initial: bool,
}

/// The name of the baseline made of the features at a run's first recorded tick.
pub const INITIAL: &str = "initial";

impl IndicatorSpec {
    /// Parse every indicator of the scenario and check it only reads features the world has,
    /// so a typo fails before the run, not after an hour of it.
    pub fn from_scenario(
        scenario: &Scenario,
        features: &[String],
    ) -> Result<Vec<IndicatorSpec>, RunError> {
        let err = |name: &str, message: String| RunError::Indicator {
            file: scenario.file.clone(),
            name: name.to_string(),
            message,
        };
        // An error in an expression names the file and where the `expr` value is in it.
        let expr_err = |i: usize, name: &str, message: String| {
            let path = [
                KeySeg::Key("indicators"),
                KeySeg::Index(i),
                KeySeg::Key("expr"),
            ];
            let (line, column) = scenario.position(&path);
            RunError::Indicator {
                file: format!("{}:{line}:{column}", scenario.file),
                name: name.to_string(),
                message,
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        scenario
            .indicators
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if !seen.insert(c.name.clone()) {
                    return Err(err(&c.name, "the name is used twice".into()));
                }
                let indicator =
                    Indicator::parse(&c.expr).map_err(|e| expr_err(i, &c.name, e.to_string()))?;
                if let Some(bad) = indicator
                    .columns()
                    .iter()
                    .find(|col| !features.contains(col))
                {
                    return Err(expr_err(
                        i,
                        &c.name,
                        format!(
                            "`{bad}` is not a feature of this scenario; features: {}",
                            features.join(", ")
                        ),
                    ));
                }
                let baseline = match c.baseline.as_str() {
                    "zero" | INITIAL => Baseline::Zero,
                    "mean" => Baseline::Mean,
                    "min" => Baseline::Min,
                    other => {
                        return Err(err(
                            &c.name,
                            format!("baseline `{other}` is not zero, mean, min or initial"),
                        ));
                    }
                };
                Ok(IndicatorSpec {
                    name: c.name.clone(),
                    indicator,
                    baseline,
                    from_initial: c.baseline == INITIAL,
                })
            })
            .collect()
    }
}

/// The world's features as an attribution input (agent ids 0..N); `file` is the scenario's,
/// named when a feature is not finite.
pub fn feature_table(world: &World, file: &str) -> Result<FeatureTable, RunError> {
    feature_rows(world, 0..world.agents(), file, &emergent_collective::Solo)
}

/// The features of agents `agents` (a rank's rows of a partitioned run; may be none). A
/// feature that overflowed to infinity or NaN (a price driven to 0 or past f64 by extreme
/// parameters) stops the run with a message naming it, instead of a panic.
///
/// `followee_stance` reads the stances of accounts other ranks own: a partitioned run
/// all-gathers every rank's own stances first (a collective call: every rank records at the
/// same ticks). Ranks own contiguous ranges in rank order, so the concatenation is the
/// stance of every agent by id.
pub(crate) fn feature_rows(
    world: &World,
    agents: std::ops::Range<usize>,
    file: &str,
    exchange: &dyn Collective,
) -> Result<FeatureTable, RunError> {
    let gathered = (exchange.ranks() > 1).then(|| world.gathered_stances(agents.clone(), exchange));
    let f = world.features_in_with(agents.clone(), gathered.as_deref());
    FeatureTable::shard(
        AgentIds::Int((agents.start as i64..agents.end as i64).collect()),
        f.names.into_iter().zip(f.columns).collect(),
    )
    .map_err(|e| not_finite(file, world.tick, agents.start, e))
}

/// The run-stopping error for a feature table the simulation could not build.
pub(crate) fn not_finite(file: &str, tick: u32, first: usize, e: TableError) -> RunError {
    match e {
        TableError::NonFinite { column, row, value } => RunError::NonFinite {
            file: file.to_string(),
            feature: column,
            agent: first + row,
            tick,
            value,
        },
        other => RunError::Features {
            file: file.to_string(),
            tick,
            message: other.to_string(),
        },
    }
}

/// Attribute every indicator on the final table. One indicator failing (say, a Gini of a
/// column nobody touched) is reported, not fatal: the others are still worth having.
/// `initial`: the features at the first recorded tick, for the `initial` baselines (None
/// leaves each of them an error saying so).
pub fn attribute_all(
    table: &FeatureTable,
    specs: &[IndicatorSpec],
    initial: Option<Baseline>,
) -> Vec<IndicatorOutcome> {
    attribute_all_on(table, specs, None, initial)
}

/// [`attribute_all`] on this rank's rows of a partitioned run (every rank calls it): φ is
/// this rank's, everything else (values, tiers, top agents) the whole population's.
/// `initial` is this rank's rows at the first recorded tick.
pub(crate) fn attribute_all_on(
    table: &FeatureTable,
    specs: &[IndicatorSpec],
    shard: Option<&Shard>,
    initial: Option<Baseline>,
) -> Vec<IndicatorOutcome> {
    let tier_by = table.column("followers").map(|_| "followers".to_string());
    specs
        .iter()
        .map(|s| {
            let mut out = IndicatorOutcome {
                name: s.name.clone(),
                expr: s.indicator.text().to_string(),
                baseline: match s.from_initial {
                    true => INITIAL.to_string(),
                    false => s.baseline.name(),
                },
                value: None,
                baseline_value: None,
                sum_phi: None,
                completeness_gap: None,
                method: None,
                steps: None,
                tier_by: tier_by.clone(),
                tiers: Vec::new(),
                top_agents: Vec::new(),
                error: None,
                phi: None,
            };
            let baseline = match (s.from_initial, &initial) {
                (false, _) => &s.baseline,
                (true, Some(b)) => b,
                (true, None) => {
                    out.error = Some("no features at a first recorded tick to start from".into());
                    return out;
                }
            };
            let attributed = match shard {
                None => attribute(table, &s.indicator, baseline, &Options::default()),
                Some(sh) => {
                    attribute_sharded(table, &s.indicator, baseline, &Options::default(), sh)
                }
            };
            match attributed.and_then(|a| describe(&mut out, table, a, shard, tier_by.as_deref())) {
                Err(e) => out.error = Some(e.to_string()),
                Ok(phi) => out.phi = Some(phi),
            }
            out
        })
        .collect()
}

/// Fill in what an attribution says (value, gap, tiers, top agents); returns φ.
fn describe(
    out: &mut IndicatorOutcome,
    table: &FeatureTable,
    a: Attribution,
    shard: Option<&Shard>,
    tier_by: Option<&str>,
) -> Result<Vec<f64>, AttributionError> {
    out.value = Some(a.value);
    out.baseline_value = Some(a.baseline_value);
    out.sum_phi = Some(a.sum_phi);
    out.completeness_gap = Some(a.completeness_gap);
    out.method = Some(a.method.name().to_string());
    out.steps = a.steps;
    let cuts = [0.01, 0.1];
    if let Some(col) = tier_by.and_then(|c| table.column(c)) {
        out.tiers = match shard {
            None => tier_shares(&a.phi, col, &cuts),
            Some(sh) => tier_shares_sharded(&a.phi, col, &cuts, sh)?,
        };
    }
    out.top_agents = match shard {
        None => top_agents(table, &a.phi, a.sum_phi, 10),
        Some(sh) => top_agents_sharded(table, &a.phi, a.sum_phi, 10, sh),
    };
    Ok(a.phi)
}

/// The top `k` of every rank's top `k`, in the same order as [`top_agents`] on the whole
/// table (|φ| descending, then row); every rank gets them.
fn top_agents_sharded(
    table: &FeatureTable,
    phi: &[f64],
    sum: f64,
    k: usize,
    shard: &Shard,
) -> Vec<TopAgent> {
    // Each candidate as words: global row, φ, then every feature (the columns are the same
    // on every rank); ids are the rows' (simulation tables number agents 0..N).
    let names = table.column_names();
    let mut mine = Vec::new();
    for t in top_agents(table, phi, sum, k) {
        let row = shard.offset + local_row(table, &t.agent_id);
        mine.extend_from_slice(&(row as u64).to_le_bytes());
        mine.extend_from_slice(&t.phi.to_bits().to_le_bytes());
        for (_, v) in &t.features {
            mine.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
    let width = 8 * (2 + names.len());
    let word = emergent_collective::le_u64;
    let mut all: Vec<(usize, f64, Vec<f64>)> = shard
        .collective
        .all_gather(&mine)
        .iter()
        .flat_map(|b| {
            b.chunks_exact(width)
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        })
        .map(|c| {
            let feats = (0..names.len())
                .map(|j| f64::from_bits(word(&c, 2 + j)))
                .collect();
            (word(&c, 0) as usize, f64::from_bits(word(&c, 1)), feats)
        })
        .collect();
    all.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all.into_iter()
        .map(|(row, phi, feats)| TopAgent {
            agent_id: row.to_string(),
            phi,
            share: if sum != 0.0 { phi / sum } else { f64::NAN },
            features: names.iter().cloned().zip(feats).collect(),
        })
        .collect()
}

/// The row of agent `id` in `table` (simulation tables: ids are consecutive integers).
fn local_row(table: &FeatureTable, id: &str) -> usize {
    match table.ids() {
        AgentIds::Int(v) => {
            let first = v.first().copied().unwrap_or(0);
            id.parse::<i64>().map_or(0, |x| (x - first) as usize)
        }
        AgentIds::Text(v) => v.iter().position(|x| x == id).unwrap_or(0),
    }
}

fn top_agents(table: &FeatureTable, phi: &[f64], sum: f64, k: usize) -> Vec<TopAgent> {
    let mut order: Vec<usize> = (0..phi.len()).collect();
    let k = k.min(order.len());
    if k == 0 {
        return Vec::new();
    }
    order.select_nth_unstable_by(k - 1, |&i, &j| {
        phi[j].abs().total_cmp(&phi[i].abs()).then(i.cmp(&j))
    });
    order.truncate(k);
    order.sort_by(|&i, &j| phi[j].abs().total_cmp(&phi[i].abs()).then(i.cmp(&j)));
    order
        .into_iter()
        .map(|i| TopAgent {
            agent_id: table.ids().label(i),
            phi: phi[i],
            share: if sum != 0.0 { phi[i] / sum } else { f64::NAN },
            features: table
                .column_names()
                .iter()
                .map(|c| (c.clone(), table.column(c).map_or(f64::NAN, |v| v[i])))
                .collect(),
        })
        .collect()
}
