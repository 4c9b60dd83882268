//! The cascade policy on an Erdős–Rényi graph, run until nothing spreads: what the Watts and
//! Newman checks share.
//!
//! The feed settings make the engine's policy the published model: every agent is active
//! every tick, a feed holds every item of every followee (size and followee sample far above
//! any degree at these z), no out-of-network items, no likes, and items stay visible for the
//! whole run (window ≥ ticks) so that an agent sees every followee's adoption or share.

use emergent_scenario::Scenario;
use emergent_sim::Simulation;
use emergent_sim::action::ACTION_NAMES;
use emergent_sim::cascades::CascadeLog;
use emergent_sim::network::Network;

use crate::engine::scenario;

/// Most ticks of one run: far beyond the longest cascade seen at these sizes (a few dozen).
pub(crate) const MAX_TICKS: u32 = 1000;

/// One contagion experiment: `agents` on a reciprocal G(n, z/(n − 1)), `policy` the
/// `[policy.cascade]` lines, `seeds` the agents that start a cascade at tick 0.
pub(crate) struct Experiment<'a> {
    pub agents: usize,
    pub z: f64,
    pub seed: u64,
    pub seeds: &'a [u32],
    pub policy: String,
}

impl Experiment<'_> {
    /// The scenario text.
    pub(crate) fn scenario(&self) -> Scenario {
        let seeds: Vec<String> = self.seeds.iter().map(u32::to_string).collect();
        let text = format!(
            r#"
[scenario]
name = "contagion"
ticks = {MAX_TICKS}
seed = {seed}

[population]
agents = {agents}

[population.activity]
median = 1.0
sigma = 0.0
min = 1.0
max = 1.0

[network]
generator = "er"
z = {z}
reciprocal = true

[feed]
size = 1000
out_of_network_share = 0.0
ranking = "chronological"
window = {MAX_TICKS}
followee_sample = 1000

[policy]
kind = "cascade"

[policy.cascade]
post_prob = 0.0
like_prob = 0.0
seeds = [{seeds}]
{policy}
"#,
            seed = self.seed,
            agents = self.agents,
            z = self.z,
            seeds = seeds.join(", "),
            policy = self.policy,
        );
        scenario(&text, "contagion")
    }

    /// Run until a tick creates no item (every cascade is over) and return the cascades
    /// and the follow graph.
    pub(crate) fn run(&self) -> (CascadeLog, Network) {
        let s = self.scenario();
        let mut sim = Simulation::new(&s, None)
            .unwrap_or_else(|e| panic!("validation scenario {}: {e}", s.file));
        let spreading = |k: &str| ACTION_NAMES.iter().position(|&n| n == k).unwrap_or(0);
        let (post, repost) = (spreading("post"), spreading("repost"));
        let mut log = CascadeLog::default();
        while !sim.is_done() {
            let report = sim.step();
            log.record(&report, &sim.world.items);
            if report.actions[post] + report.actions[repost] == 0 {
                break;
            }
        }
        (log, sim.world.network)
    }
}

/// `k` distinct agents of `agents`, drawn from `seed` (the seed nodes of one run).
pub(crate) fn pick_agents(agents: usize, k: usize, seed: u64) -> Vec<u32> {
    let mut rng = emergent_sim::AgentRng::new(seed, 0, 0, 0);
    let mut out: Vec<u32> = Vec::with_capacity(k);
    while out.len() < k.min(agents) {
        let a = rng.below(agents as u64) as u32;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}
