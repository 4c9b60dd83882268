//! From a validated scenario's engine sections ([`EngineConfig`]) to the initial [`World`]: the follow graph (generated, read
//! from a text edge list, or handed over already read), the population, the market.

use emergent_collective::Collective;
use emergent_scenario::{GeneratorKind, PartitionMethod, PolicyKind, ScenarioError, defaults};
use thiserror::Error;

use crate::engine_config::EngineConfig;
use crate::herding_clusters::cluster_labels;
use crate::market::{Market, MarketMaker};
use crate::network::{
    EdgeListError, Network, barabasi_albert, er_row, parse_edge_list, powerlaw_configuration,
    powerlaw_row, sbm_row, stochastic_block_model, watts_strogatz, ws_row,
};
use crate::partition::Partition;
use crate::population::Population;
use crate::world::{PolicyRules, World};

/// A valid scenario could not be built into a world.
#[derive(Debug, Error)]
pub enum BuildError {
    /// The scenario does not fit what was built from it (e.g. a preloaded graph's size), or a
    /// file it names cannot be read.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The edge list named by the scenario is malformed.
    #[error(transparent)]
    EdgeList(#[from] EdgeListError),
}

/// An error at the top of the scenario's file (what was built does not fit it).
fn at_top(scenario: &EngineConfig, message: String) -> BuildError {
    BuildError::Scenario(ScenarioError::At {
        file: scenario.file.to_string(),
        line: 1,
        column: 1,
        message,
    })
}

/// Generate (or read) the follow graph, every follow made mutual when `[network]
/// reciprocal` says so. `preloaded` is a graph the caller read (e.g. an imported
/// `follows.parquet`): when given, it is the network, and `[network]` only names where it
/// came from. Keeps file formats out of this crate.
pub fn build_network<'a>(
    scenario: impl Into<EngineConfig<'a>>,
    preloaded: Option<&Network>,
) -> Result<Network, BuildError> {
    let scenario = &scenario.into();
    let g = build_directed(scenario, preloaded)?;
    Ok(match scenario.network.reciprocal {
        true => g.reciprocal(),
        false => g,
    })
}

/// The follow graph before `reciprocal` is applied.
fn build_directed(
    scenario: &EngineConfig,
    preloaded: Option<&Network>,
) -> Result<Network, BuildError> {
    let n = scenario.population.agents;
    if let Some(net) = preloaded {
        if net.len() != n {
            return Err(at_top(
                scenario,
                format!(
                    "the edge list has {} agents but population.agents = {}; set them equal (e.g. --set population.agents={})",
                    net.len(),
                    n,
                    net.len()
                ),
            ));
        }
        return Ok(net.clone());
    }
    let seed = scenario.meta.seed;
    let net = &scenario.network;
    Ok(match net.generator {
        GeneratorKind::Ba => barabasi_albert(n, net.m.unwrap_or(defaults::M), seed),
        GeneratorKind::Er => Network::from_rows(n, seed, false, er_row_of(scenario)),
        GeneratorKind::Sbm => stochastic_block_model(
            n,
            scenario.population.communities,
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
            let path = scenario
                .edge_list
                .clone()
                .ok_or_else(|| at_top(scenario, "generator `edgelist` needs `path`".into()))?;
            let shown = path.display().to_string();
            let io = |source| ScenarioError::Io {
                file: shown.clone(),
                source,
            };
            // A device or a FIFO (`/dev/zero`) would be read forever: only regular files.
            if !std::fs::metadata(&path).map_err(io)?.is_file() {
                return Err(
                    io(std::io::Error::other("an edge list must be a regular file")).into(),
                );
            }
            let text = std::fs::read_to_string(&path).map_err(io)?;
            parse_edge_list(&text, &shown, Some(n))?
        }
    })
}

/// Row `u` of the Erdős–Rényi graph `[network]` asks for (only the partners above u when the
/// graph is reciprocal: each pair drawn once).
fn er_row_of(
    scenario: &EngineConfig,
) -> impl Fn(u32, &mut crate::rng::AgentRng, &mut Vec<u32>) + Sync {
    let net = &scenario.network;
    er_row(
        scenario.population.agents,
        net.z.unwrap_or(defaults::Z),
        net.reciprocal,
    )
}

/// The rows of `part`'s agents of the follow graph (a collective call: every rank makes
/// it). Row-generated graphs (`er`, `sbm`, `ws`, `powerlaw`) generate only these rows and
/// swap the transposed edges in one all-to-all; the others are built whole, then cut. A
/// reciprocal graph's rows are the union of a rank's out- and in-rows, so it is the
/// single-process graph's rows either way.
pub fn build_network_in<'a>(
    scenario: impl Into<EngineConfig<'a>>,
    preloaded: Option<&Network>,
    part: &Partition,
    exchange: &dyn Collective,
) -> Result<Network, BuildError> {
    let scenario = &scenario.into();
    let g = build_directed_in(scenario, preloaded, part, exchange)?;
    Ok(match scenario.network.reciprocal {
        true => g.reciprocal(),
        false => g,
    })
}

/// [`build_network_in`] before `reciprocal` is applied.
fn build_directed_in(
    scenario: &EngineConfig,
    preloaded: Option<&Network>,
    part: &Partition,
    exchange: &dyn Collective,
) -> Result<Network, BuildError> {
    let n = scenario.population.agents;
    let seed = scenario.meta.seed;
    let net = &scenario.network;
    if preloaded.is_none() {
        match net.generator {
            GeneratorKind::Er => {
                let row = er_row_of(scenario);
                return Ok(Network::from_rows_in(n, seed, false, row, part, exchange));
            }
            GeneratorKind::Sbm => {
                let row = sbm_row(
                    n,
                    scenario.population.communities,
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
    let mut whole = build_directed(scenario, preloaded)?;
    whole.restrict(part.owned.clone());
    Ok(whole)
}

/// The initial world (tick 0); `preloaded` as in [`build_network`].
pub fn build_world<'a>(
    scenario: impl Into<EngineConfig<'a>>,
    preloaded: Option<&Network>,
) -> Result<World, BuildError> {
    let scenario = &scenario.into();
    let network = build_network(scenario, preloaded)?;
    let population = Population::generate(scenario.population, scenario.meta.seed);
    let (network, population) = renamed(scenario, network, population)?;
    let market = market(scenario, || Ok(network.clone()))?;
    Ok(world_of(scenario, network, population, market))
}

/// `part`'s share of the initial world of a run split over ranks (a collective call):
/// its agents' state, generated for them only, equal to [`build_world`]'s.
pub fn build_world_in<'a>(
    scenario: impl Into<EngineConfig<'a>>,
    preloaded: Option<&Network>,
    part: &Partition,
    exchange: &dyn Collective,
) -> Result<World, BuildError> {
    let scenario = &scenario.into();
    if scenario.partition.method == PartitionMethod::Metis {
        // METIS needs the whole graph: every rank builds and renames the whole world (the
        // same on each), then keeps its agents.
        let mut world = build_world(scenario, preloaded)?;
        world.restrict(part.owned.clone());
        return Ok(world);
    }
    let network = build_network_in(scenario, preloaded, part, exchange)?;
    let population =
        Population::generate_in(scenario.population, scenario.meta.seed, part.owned.clone());
    // Herding clusters are components of the whole graph: every rank builds it (the same
    // on each) to find its agents' clusters, as the METIS path above does.
    let market = market(scenario, || build_network(scenario, preloaded))?.map(|mut m| {
        m.restrict(part.owned.clone());
        m
    });
    Ok(world_of(scenario, network, population, market))
}

fn world_of(
    scenario: &EngineConfig,
    network: Network,
    population: Population,
    market: Option<Market>,
) -> World {
    let mut world = World::new(
        scenario.meta.noise_seed.unwrap_or(scenario.meta.seed),
        scenario.feed.clone(),
        network,
        population,
        market,
    );
    world.rules = PolicyRules::of(scenario.policy);
    let bots = scenario.population.bot_ids();
    world.rules.bots_from = (!bots.is_empty()).then_some(bots.start);
    world
}

/// The panic policy's market; `whole_network` gives the whole follow graph, asked for only
/// when herding clusters trade (`cluster_trade` or `cluster_feedback` > 0).
fn market(
    scenario: &EngineConfig,
    whole_network: impl FnOnce() -> Result<Network, BuildError>,
) -> Result<Option<Market>, BuildError> {
    if scenario.policy.kind != PolicyKind::Panic {
        return Ok(None);
    }
    let p = &scenario.policy.panic;
    let mut m = Market::new(
        scenario.population.agents,
        p.initial_price,
        p.holdings,
        p.cash,
        p.impact,
    );
    m.maker = MarketMaker {
        fundamental: p.fundamental.unwrap_or(p.initial_price),
        reversion: p.reversion,
    };
    if p.cluster_trade > 0.0 || p.cluster_feedback > 0.0 {
        m.cluster = cluster_labels(&whole_network()?, p.cluster_degree, scenario.meta.seed);
    }
    Ok(Some(m))
}

/// The graph and population with agents renamed for a METIS partition
/// ([`crate::relabel`]), or as they are.
fn renamed(
    scenario: &EngineConfig,
    network: Network,
    population: Population,
) -> Result<(Network, Population), BuildError> {
    if scenario.partition.method != PartitionMethod::Metis {
        return Ok((network, population));
    }
    #[cfg(feature = "metis")]
    {
        let parts = scenario.partition.parts.unwrap_or(1);
        let old_of = crate::relabel::metis_order(&network, parts, scenario.meta.seed).map_err(
            |message| {
                at_top(
                    scenario,
                    format!("[partition] method = \"metis\": {message}"),
                )
            },
        )?;
        Ok(crate::relabel::apply(&network, &population, &old_of))
    }
    #[cfg(not(feature = "metis"))]
    Err(at_top(
        scenario,
        "[partition] method = \"metis\" needs a build with `--features metis`".into(),
    ))
}
