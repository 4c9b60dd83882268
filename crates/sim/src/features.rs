//! Per-agent feature columns: what the recorder writes and what attribution
//! indicators are computed from.

use rayon::prelude::*;

use crate::owned::Owned;
use crate::world::World;

/// Named per-agent columns, each of length N.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    /// Column names, in a stable order.
    pub names: Vec<String>,
    /// Column values, `columns[k][agent]`.
    pub columns: Vec<Vec<f64>>,
}

impl Features {
    /// The column called `name`.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|k| self.columns[k].as_slice())
    }
}

impl World {
    /// Names of every feature this world can report, in order: `followers`,
    /// `following`, the activity counters, `stance` (and `stance_1`…
    /// for further topics), `activity`, `susceptibility`, `community`, and for
    /// the market `holdings`, `cash`, `sold`.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = vec!["followers".to_string(), "following".to_string()];
        names.extend(self.counters.columns().iter().map(|(n, _)| n.to_string()));
        names.push("stance".into());
        names.extend((1..self.population.topics).map(|t| format!("stance_{t}")));
        names.extend(["activity", "susceptibility", "community"].map(String::from));
        if self.market.is_some() {
            names.extend(["holdings", "cash", "sold"].map(String::from));
        }
        names
    }

    /// One feature column by name (computed on demand, so a recorder can
    /// stream columns at 1e6 agents without holding all of them).
    pub fn feature(&self, name: &str) -> Option<Vec<f64>> {
        self.feature_in(name, 0..self.agents())
    }

    /// One feature column for the agents in `agents` only (a rank's rows of a partitioned
    /// run).
    pub fn feature_in(&self, name: &str, agents: std::ops::Range<usize>) -> Option<Vec<f64>> {
        let r = agents;
        let u32s = |v: &Owned<u32>| v.slice(r.clone()).par_iter().map(|&x| x as f64).collect();
        let f64s = |v: &Owned<f64>| v.slice(r.clone()).to_vec();
        let topics = self.population.topics;
        let stance = |t: usize| {
            r.clone()
                .into_par_iter()
                .map(|a| self.population.stance[a * topics + t])
                .collect()
        };
        let ids = r.start as u32..r.end as u32;
        match name {
            "followers" => Some(
                ids.into_par_iter()
                    .map(|a| self.network.follower_count(a) as f64)
                    .collect(),
            ),
            "following" => Some(
                ids.into_par_iter()
                    .map(|a| self.network.following_count(a) as f64)
                    .collect(),
            ),
            "stance" => Some(stance(0)),
            "activity" => Some(f64s(&self.population.activity)),
            "susceptibility" => Some(f64s(&self.population.susceptibility)),
            "community" => Some(u32s(&self.population.community)),
            "holdings" => self.market.as_ref().map(|m| f64s(&m.holdings)),
            "cash" => self.market.as_ref().map(|m| f64s(&m.cash)),
            "sold" => self.market.as_ref().map(|m| f64s(&m.sold)),
            _ => {
                if let Some(t) = name
                    .strip_prefix("stance_")
                    .and_then(|t| t.parse::<usize>().ok())
                {
                    return (t > 0 && t < topics).then(|| stance(t));
                }
                self.counters
                    .columns()
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| u32s(v))
            }
        }
    }

    /// Every feature column.
    pub fn features(&self) -> Features {
        self.features_in(0..self.agents())
    }

    /// Every feature column for the agents in `agents` only.
    pub fn features_in(&self, agents: std::ops::Range<usize>) -> Features {
        let names = self.feature_names();
        let columns = names
            .iter()
            .filter_map(|n| self.feature_in(n, agents.clone()))
            .collect();
        Features { names, columns }
    }

    /// Scalar state for the recorder: price and net flow (market), counts.
    pub fn globals(&self) -> Vec<(&'static str, f64)> {
        let mut g = vec![
            ("tick", self.tick as f64),
            ("items", self.items.len() as f64),
            ("edges", self.network.edge_count() as f64),
        ];
        if let Some(m) = &self.market {
            g.push(("price", m.price));
            g.push(("net_flow", m.last_net_flow));
        }
        g
    }
}
