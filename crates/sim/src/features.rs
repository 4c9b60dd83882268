//! Per-agent feature columns: what the recorder writes and what attribution
//! indicators are computed from.

use rayon::prelude::*;

use crate::owned::Owned;
use crate::world::World;

/// The feature holding each agent's followees' mean stance (the echo-chamber index is
/// `corr(stance, followee_stance)`).
pub const FOLLOWEE_STANCE: &str = "followee_stance";

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
    /// for further topics), `followee_stance`, `activity`, `susceptibility`, `community`,
    /// and for the market `holdings`, `cash`, `sold`.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = vec!["followers".to_string(), "following".to_string()];
        names.extend(self.counters.columns().iter().map(|(n, _)| n.to_string()));
        names.push("stance".into());
        names.extend((1..self.population.topics).map(|t| format!("stance_{t}")));
        names.push(FOLLOWEE_STANCE.into());
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
    /// run). `followee_stance` reads other agents' stances: it is `None` here unless this
    /// world holds every agent (one process); a partitioned run gathers the stances and
    /// calls [`World::features_in_with`].
    pub fn feature_in(&self, name: &str, agents: std::ops::Range<usize>) -> Option<Vec<f64>> {
        if name == FOLLOWEE_STANCE {
            let all = self.all_stances()?;
            return Some(self.followee_stance_in(agents, &all));
        }
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

    /// Every feature column for the agents in `agents` only (this world must hold every
    /// agent's stance: one process; see [`World::features_in_with`]).
    pub fn features_in(&self, agents: std::ops::Range<usize>) -> Features {
        self.features_in_with(agents, None)
    }

    /// Every feature column for the agents in `agents`, with `stances` the topic-0 stance of
    /// every agent (all ranks' agents, gathered) when this world holds only some of them.
    pub fn features_in_with(
        &self,
        agents: std::ops::Range<usize>,
        stances: Option<&[f64]>,
    ) -> Features {
        let names = self.feature_names();
        let columns = names
            .iter()
            .filter_map(|n| match (n.as_str(), stances) {
                (FOLLOWEE_STANCE, Some(all)) => Some(self.followee_stance_in(agents.clone(), all)),
                _ => self.feature_in(n, agents.clone()),
            })
            .collect();
        Features { names, columns }
    }

    /// The topic-0 stance of every agent, when this world holds them all.
    fn all_stances(&self) -> Option<Vec<f64>> {
        let t = self.population.topics;
        let n = self.agents();
        (self.population.stance.held() == (0..n * t))
            .then(|| (0..n).map(|a| self.population.stance[a * t]).collect())
    }

    /// The topic-0 stance of this world's own agents `agents` (what a rank contributes to
    /// the all-gather behind `followee_stance`).
    pub fn own_stances(&self, agents: std::ops::Range<usize>) -> Vec<f64> {
        let t = self.population.topics;
        agents.map(|a| self.population.stance[a * t]).collect()
    }

    /// Every agent's topic-0 stance, each rank contributing its own agents `agents`, in rank
    /// order (ranks own contiguous ranges, so the result is indexed by agent id). A
    /// collective call: every rank makes it at the same point.
    pub fn gathered_stances(
        &self,
        agents: std::ops::Range<usize>,
        exchange: &dyn emergent_collective::Collective,
    ) -> Vec<f64> {
        let mine: Vec<u8> = self
            .own_stances(agents)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let all: Vec<f64> = exchange
            .all_gather(&mine)
            .iter()
            .flat_map(|b| {
                b.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            })
            .collect();
        debug_assert_eq!(all.len(), self.agents(), "every agent's stance, once");
        all
    }

    /// `followee_stance` of the agents in `agents`: the mean topic-0 stance of the accounts
    /// each follows, summed in the follow list's order; an agent following nobody gets its
    /// own stance (so the column has no NaN, and such an agent adds nothing to
    /// `cov(stance, followee_stance)` beyond its own variance). `stance[b]` is agent b's.
    pub fn followee_stance_in(&self, agents: std::ops::Range<usize>, stance: &[f64]) -> Vec<f64> {
        agents
            .into_par_iter()
            .map(|a| {
                let row = self.network.followees(a as u32);
                if row.is_empty() {
                    return stance[a];
                }
                let sum: f64 = row.iter().map(|&b| stance[b as usize]).sum();
                sum / row.len() as f64
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use emergent_scenario::{FeedConfig, PopulationConfig};

    use super::*;
    use crate::network::Network;
    use crate::population::Population;

    /// A hand-built graph: 0 follows 1 and 2; 1 follows 2; 2 follows nobody; 3 follows 0, 1
    /// and 2. Stances set by hand.
    #[test]
    fn followee_stance_is_the_mean_of_the_followees() {
        let cfg = PopulationConfig {
            agents: 4,
            ..PopulationConfig::default()
        };
        let mut pop = Population::generate(&cfg, 1);
        let stance = [0.5, -1.0, 0.25, 0.0];
        let t = pop.topics;
        for (a, s) in stance.iter().enumerate() {
            pop.stance[a * t] = *s;
        }
        let net = Network::from_edges(4, vec![(0, 1), (0, 2), (1, 2), (3, 0), (3, 1), (3, 2)]);
        let world = World::new(1, FeedConfig::default(), net, pop, None);
        let f = world.feature(FOLLOWEE_STANCE).unwrap();
        assert_eq!(
            f,
            vec![(-1.0 + 0.25) / 2.0, 0.25, 0.25, (0.5 - 1.0 + 0.25) / 3.0]
        );
        // Agent 2 follows nobody: its own stance.
        assert_eq!(f[2], stance[2]);
        // The same from gathered stances, for a rank holding agents 1..3 only.
        let part = world.followee_stance_in(1..3, &stance);
        assert_eq!(part, f[1..3].to_vec());
        let all = world.features();
        assert_eq!(all.get(FOLLOWEE_STANCE).unwrap(), f.as_slice());
        assert_eq!(all.names.len(), all.columns.len());
    }
}
