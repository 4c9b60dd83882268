//! The agents of a finished run as they were at a recorded tick, read back from its run
//! directory: the stance and susceptibility from `ticks.parquet`, the agent's own recent
//! items (its memory) from `actions.parquet`.

use std::collections::HashMap;
use std::path::Path;

use emergent_attribution::FeatureTable;
use emergent_io::{authored_items, recorded_ticks, run_dir, tick_features};
use emergent_llm::interview::{Remembered, Respondent};
use emergent_sim::items::RECENT_PER_AUTHOR;

use crate::error::RunError;

fn err(what: &str, message: String) -> RunError {
    RunError::Interview {
        what: what.to_string(),
        message,
    }
}

/// Recorded ticks as a person reads them: `0, 1, 2 … 10` or `0, 5, 10`.
fn ticks_text(ticks: &[u32]) -> String {
    let step = ticks.windows(2).map(|w| w[1] - w[0]).next();
    match (ticks, step) {
        ([first, .., last], Some(s)) if ticks.len() > 6 => {
            format!("{first} to {last} (every {s}, and the last)")
        }
        _ => ticks
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The features of every agent at tick `tick` (default: the last recorded one).
pub(crate) fn features_at(dir: &Path, tick: Option<u32>) -> Result<(u32, FeatureTable), RunError> {
    let path = dir.join(run_dir::parquet_name(run_dir::TICKS));
    let ticks = recorded_ticks(&path)?;
    let Some(&last) = ticks.last() else {
        return Err(err(
            "--tick",
            format!("{} holds no recorded tick", path.display()),
        ));
    };
    let t = tick.unwrap_or(last);
    if ticks.binary_search(&t).is_err() {
        return Err(err(
            &format!("--tick {t}"),
            format!(
                "tick {t} was not recorded in this run; the recorded ticks are {} ([record] \
                 every sets which): choose one of them",
                ticks_text(&ticks)
            ),
        ));
    }
    let table = tick_features(&path, t)?.table;
    Ok((t, table))
}

/// Each of `agents` at tick `tick` of the run in `dir`, `table` its features then. Memory is
/// the agent's own items made before `tick`, newest first, as many as the world keeps.
pub(crate) fn respondents(
    dir: &Path,
    tick: u32,
    table: &FeatureTable,
    agents: &[u32],
    actions_recorded: bool,
) -> Result<Vec<Respondent>, RunError> {
    if !actions_recorded {
        return Err(err(
            "actions.parquet",
            "this run did not record its actions ([record] actions = false), so what the \
             agents had posted (their memory) is unknown; rerun the scenario with [record] \
             actions = true (the replay cache makes the rerun free) and interview that run"
                .into(),
        ));
    }
    let column = |name: &str| {
        table.column(name).ok_or_else(|| {
            err(
                "ticks.parquet",
                format!("has no `{name}` column: it is not a social run's per-tick table"),
            )
        })
    };
    let (stance, susceptibility) = (column("stance")?, column("susceptibility")?);
    let path = dir.join(run_dir::parquet_name(run_dir::ACTIONS));
    let wanted: std::collections::HashSet<u32> = agents.iter().copied().collect();
    let mut memory: HashMap<u32, Vec<Remembered>> = HashMap::new();
    for it in authored_items(&path)? {
        if it.tick < tick && wanted.contains(&it.agent) {
            memory.entry(it.agent).or_default().push(Remembered {
                tick: it.tick,
                stance: it.stance.unwrap_or(f64::NAN),
            });
        }
    }
    Ok(agents
        .iter()
        .map(|&a| {
            let mut mine = memory.remove(&a).unwrap_or_default();
            mine.reverse();
            mine.truncate(RECENT_PER_AUTHOR);
            mine.retain(|m| m.stance.is_finite());
            Respondent {
                agent: a,
                tick,
                stance: stance[a as usize],
                susceptibility: susceptibility[a as usize],
                memory: mine,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_ticks_read_short() {
        assert_eq!(ticks_text(&[0, 5, 10]), "0, 5, 10");
        assert_eq!(
            ticks_text(&[0, 2, 4, 6, 8, 10, 11]),
            "0 to 11 (every 2, and the last)"
        );
    }
}
