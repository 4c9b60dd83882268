//! From a validated [`Scenario`] to a runnable [`Simulation`].

use emergent_collective::Collective as Exchange;

use crate::config::{GeneratorKind, PolicyKind};
use crate::market::Market;
use crate::network::{
    Network, barabasi_albert, parse_edge_list, powerlaw_configuration, powerlaw_row, sbm_row,
    stochastic_block_model, watts_strogatz, ws_row,
};
use crate::partition::Partition;
use crate::policy::{Policy, from_config};
use crate::population::Population;
use crate::scenario::{Scenario, ScenarioError, defaults};
use crate::tick_types::TickReport;
use crate::world::World;

impl Scenario {
    /// Generate (or read) the follow graph.
    pub fn build_network(&self) -> Result<Network, ScenarioError> {
        if let Some(net) = &self.preloaded_network {
            if net.len() != self.population.agents {
                return Err(ScenarioError::At {
                    file: self.file.clone(),
                    line: 1,
                    column: 1,
                    message: format!(
                        "the edge list has {} agents but population.agents = {}; set them equal (e.g. --set population.agents={})",
                        net.len(),
                        self.population.agents,
                        net.len()
                    ),
                });
            }
            return Ok(net.clone());
        }
        let n = self.population.agents;
        let seed = self.scenario.seed;
        let net = &self.network;
        Ok(match net.generator {
            GeneratorKind::Ba => barabasi_albert(n, net.m.unwrap_or(defaults::M), seed),
            GeneratorKind::Sbm => stochastic_block_model(
                n,
                self.population.communities,
                net.p_in.unwrap_or(defaults::P_IN),
                net.p_out.unwrap_or(defaults::P_OUT),
                seed,
            ),
            GeneratorKind::Ws => watts_strogatz(
                n,
                net.k.unwrap_or(defaults::K),
                net.beta.unwrap_or(defaults::BETA),
                seed,
            ),
            GeneratorKind::Powerlaw => powerlaw_configuration(
                n,
                net.exponent.unwrap_or(defaults::EXPONENT),
                net.min_degree.unwrap_or(defaults::MIN_DEGREE),
                net.max_degree.unwrap_or(defaults::MAX_DEGREE),
                seed,
            ),
            GeneratorKind::Edgelist => {
                let path = self.edge_list_path().ok_or_else(|| ScenarioError::At {
                    file: self.file.clone(),
                    line: 1,
                    column: 1,
                    message: "generator `edgelist` needs `path`".into(),
                })?;
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Io {
                    file: shown.clone(),
                    source,
                })?;
                parse_edge_list(&text, &shown, Some(n))?
            }
        })
    }

    /// The rows of `part`'s agents of the follow graph (a collective call: every rank makes
    /// it). Row-generated graphs (`sbm`, `ws`, `powerlaw`) generate only these rows and swap
    /// the transposed edges in one all-to-all; the others are built whole, then cut.
    pub fn build_network_in(
        &self,
        part: &Partition,
        exchange: &dyn Exchange,
    ) -> Result<Network, ScenarioError> {
        let n = self.population.agents;
        let seed = self.scenario.seed;
        let net = &self.network;
        if self.preloaded_network.is_none() {
            match net.generator {
                GeneratorKind::Sbm => {
                    let row = sbm_row(
                        n,
                        self.population.communities,
                        net.p_in.unwrap_or(defaults::P_IN),
                        net.p_out.unwrap_or(defaults::P_OUT),
                    );
                    return Ok(Network::from_rows_in(n, seed, false, row, part, exchange));
                }
                GeneratorKind::Ws => {
                    let row = ws_row(
                        n,
                        net.k.unwrap_or(defaults::K),
                        net.beta.unwrap_or(defaults::BETA),
                    );
                    return Ok(Network::from_rows_in(n, seed, false, row, part, exchange));
                }
                GeneratorKind::Powerlaw => {
                    let row = powerlaw_row(
                        n,
                        net.exponent.unwrap_or(defaults::EXPONENT),
                        net.min_degree.unwrap_or(defaults::MIN_DEGREE),
                        net.max_degree.unwrap_or(defaults::MAX_DEGREE),
                    );
                    return Ok(Network::from_rows_in(n, seed, true, row, part, exchange));
                }
                GeneratorKind::Ba | GeneratorKind::Edgelist => {}
            }
        }
        let mut whole = self.build_network()?;
        whole.restrict(part.owned.clone());
        Ok(whole)
    }

    /// `part`'s share of the initial world of a run split over ranks (a collective call):
    /// its agents' state, generated for them only, equal to [`Scenario::build_world`]'s.
    pub fn build_world_in(
        &self,
        part: &Partition,
        exchange: &dyn Exchange,
    ) -> Result<World, ScenarioError> {
        if self.partition.method == crate::config::PartitionMethod::Metis {
            // METIS needs the whole graph: every rank builds and renames the whole world (the
            // same on each), then keeps its agents.
            let mut world = self.build_world()?;
            world.restrict(part.owned.clone());
            return Ok(world);
        }
        let network = self.build_network_in(part, exchange)?;
        let population =
            Population::generate_in(&self.population, self.scenario.seed, part.owned.clone());
        let market = self.market().map(|mut m| {
            m.restrict(part.owned.clone());
            m
        });
        Ok(self.world_of(network, population, market))
    }

    fn world_of(&self, network: Network, population: Population, market: Option<Market>) -> World {
        World::new(
            self.scenario.noise_seed.unwrap_or(self.scenario.seed),
            self.feed.clone(),
            network,
            population,
            market,
        )
    }

    /// [`Scenario::build`] for one rank of a run split over ranks.
    pub fn build_in(
        &self,
        part: &Partition,
        exchange: &dyn Exchange,
    ) -> Result<Simulation, ScenarioError> {
        Ok(Simulation {
            world: self.build_world_in(part, exchange)?,
            policy: from_config(&self.policy),
            ticks: self.scenario.ticks,
        })
    }

    fn market(&self) -> Option<Market> {
        (self.policy.kind == PolicyKind::Panic).then(|| {
            let p = &self.policy.panic;
            Market::new(
                self.population.agents,
                p.initial_price,
                p.holdings,
                p.cash,
                p.impact,
            )
        })
    }

    /// The initial world (tick 0).
    pub fn build_world(&self) -> Result<World, ScenarioError> {
        let network = self.build_network()?;
        let population = Population::generate(&self.population, self.scenario.seed);
        let (network, population) = self.renamed(network, population)?;
        Ok(self.world_of(network, population, self.market()))
    }

    /// The graph and population with agents renamed for a METIS partition
    /// ([`crate::relabel`]), or as they are.
    fn renamed(
        &self,
        network: Network,
        population: Population,
    ) -> Result<(Network, Population), ScenarioError> {
        if self.partition.method != crate::config::PartitionMethod::Metis {
            return Ok((network, population));
        }
        #[cfg(feature = "metis")]
        {
            let parts = self.partition.parts.unwrap_or(1);
            let old_of = crate::relabel::metis_order(&network, parts, self.scenario.seed).map_err(
                |message| ScenarioError::At {
                    file: self.file.clone(),
                    line: 1,
                    column: 1,
                    message: format!("[partition] method = \"metis\": {message}"),
                },
            )?;
            Ok(crate::relabel::apply(&network, &population, &old_of))
        }
        #[cfg(not(feature = "metis"))]
        Err(ScenarioError::At {
            file: self.file.clone(),
            line: 1,
            column: 1,
            message: "[partition] method = \"metis\" needs a build with `--features metis`".into(),
        })
    }

    /// World plus policy, ready to run.
    pub fn build(&self) -> Result<Simulation, ScenarioError> {
        Ok(Simulation {
            world: self.build_world()?,
            policy: from_config(&self.policy),
            ticks: self.scenario.ticks,
        })
    }
}

/// A world and the policy that drives it.
pub struct Simulation {
    /// State (serialise this to checkpoint).
    pub world: World,
    /// Decision rule.
    pub policy: Box<dyn Policy>,
    /// Ticks the scenario asks for in total.
    pub ticks: u32,
}

impl Simulation {
    /// Resume from a checkpointed world with the scenario's policy.
    pub fn resume(scenario: &Scenario, world: World) -> Self {
        Self {
            world,
            policy: from_config(&scenario.policy),
            ticks: scenario.scenario.ticks,
        }
    }

    /// Run one tick.
    pub fn step(&mut self) -> TickReport {
        self.world.step(self.policy.as_ref())
    }

    /// True once `ticks` ticks have run.
    pub fn is_done(&self) -> bool {
        self.world.tick >= self.ticks
    }
}
