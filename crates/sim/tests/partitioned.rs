//! A run split over P ranks equals the single-process run bit for bit, for every surrogate
//! policy and for P that do not divide the population (including more ranks than blocks):
//! each rank holds only its own agents' state, and that state, the replicated items and
//! market price, and the features of its agents equal the single-process run's.
//! Ranks are threads here, exchanging through the same `Collective` trait MPI implements; the
//! MPI transport itself is tested end to end in `tests/cli_mpi.rs`.

use std::ops::Range;
use std::path::Path;

use emergent_collective::{Collective, Solo, thread_ranks};
use emergent_scenario::Scenario;
use emergent_sim::network::Network;
use emergent_sim::partition::Partition;
use emergent_sim::tick::step_partitioned;
use emergent_sim::{Simulation, World};

fn scenario(file: &str, agents: usize, ticks: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(file);
    let mut s = Scenario::from_path(&path).unwrap();
    s.apply_override("population.agents", &agents.to_string())
        .unwrap();
    s.apply_override("scenario.ticks", &ticks.to_string())
        .unwrap();
    s
}

fn single(s: &Scenario) -> World {
    single_with(s, None)
}

/// [`single`] on a follow graph read beforehand.
fn single_with(s: &Scenario, preloaded: Option<&Network>) -> World {
    let mut sim = Simulation::new(s, preloaded).unwrap();
    while !sim.is_done() {
        sim.step();
    }
    sim.world
}

/// Every rank's final world (its own agents' state), each from its own build of the scenario.
fn partitioned(s: &Scenario, ranks: usize) -> Vec<(Range<usize>, World)> {
    partitioned_with(s, None, ranks)
}

/// [`partitioned`] on a follow graph read beforehand.
fn partitioned_with(
    s: &Scenario,
    preloaded: Option<&Network>,
    ranks: usize,
) -> Vec<(Range<usize>, World)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = thread_ranks(ranks)
            .into_iter()
            .map(|ex| {
                scope.spawn(move || {
                    let rank = ex.rank();
                    // Each rank builds only its agents' state (its own rows of the graph,
                    // the transposed edges swapped with the other ranks).
                    let part = Partition::contiguous(s.population.agents, ranks, rank);
                    let mut sim: Simulation = Simulation::new_in(s, preloaded, &part, &ex).unwrap();
                    assert_eq!(sim.world.population.community.held(), part.owned);
                    let mut fetched = 0;
                    while !sim.is_done() {
                        let (_, cost) = sim.step_partitioned(&part, &ex).unwrap();
                        fetched += cost.items_fetched;
                    }
                    assert!(!ex.any(false) && ex.any(rank == ranks - 1));
                    (part.owned, sim.world, fetched)
                })
            })
            .collect();
        let ranks: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        // Feeds show other ranks' items: when agents are split, some rank fetched some.
        let split = ranks.iter().filter(|r| !r.0.is_empty()).count() > 1;
        assert!(
            !split || ranks.iter().any(|r| r.2 > 0),
            "no rank fetched an item"
        );
        ranks
            .into_iter()
            .map(|(rows, world, _)| (rows, world))
            .collect()
    })
}

/// `a` (a rank's world, holding `rows`, of `ranks`) equals the agents `rows` of the whole
/// world `b`: their state, their items (others' blank), and who owns each item.
fn assert_bitwise_equal(a: &World, b: &World, rows: Range<usize>, ranks: usize, what: &str) {
    let mut whole = b.clone();
    whole.restrict(rows.clone());
    whole.forget_unseen_items();
    let edges = Partition::edges(b.agents(), ranks);
    for i in a.items.author.held() {
        let owner = emergent_sim::halo::agent_owner(&edges, b.items.author[i]);
        assert_eq!(a.items.owner(i as u32), owner, "{what}: owner of item {i}");
    }
    // Item owner blocks are per rank; one process has one a tick (checked above instead).
    whole.items.owners = a.items.owners.clone();
    assert_eq!(a, &whole, "{what}: worlds differ");
    // `followee_stance` reads other ranks' stances: a rank gets them gathered (here: the
    // whole world's, as the runner's all-gather hands them over).
    let stances = b.own_stances(0..b.agents());
    let fa = a.features_in_with(rows.clone(), Some(&stances));
    for name in a.feature_names() {
        let (x, y) = (
            fa.get(&name).unwrap().to_vec(),
            b.feature_in(&name, rows.clone()).unwrap(),
        );
        assert_eq!(x.len(), rows.len());
        assert!(
            x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{what}: feature {name} differs in its bits"
        );
    }
}

#[test]
fn every_policy_partitioned_equals_one_process() {
    // 20 000 agents: three partition units (P = 3 gives one each); 9 000: two (P = 3 and 4
    // leave ranks without agents).
    // quickstart and polarization run the radicalization policy; bounded confidence (with
    // its backfire option) runs on polarization's world.
    for (file, agents, set) in [
        ("quickstart.toml", 20_000, ""),
        ("cascade.toml", 9_000, ""),
        ("market-panic.toml", 9_000, ""),
        ("polarization.toml", 5_000, ""),
        ("polarization.toml", 5_000, "bounded_confidence"),
    ] {
        let mut s = scenario(file, agents, 12);
        if !set.is_empty() {
            s.apply_overrides(&[
                ("policy.kind", set),
                ("feed.window", "3"),
                ("population.activity.distribution", "lognormal"),
                ("policy.bounded_confidence.repulsion", "0.1"),
                ("policy.bounded_confidence.follow_prob", "0.3"),
            ])
            .unwrap();
        }
        let file = &format!("{file} {set}");
        let want = single(&s);
        assert!(want.items.len() > 100, "{file}: the run must do something");
        let kept = {
            let mut w = want.clone();
            w.forget_unseen_items();
            w.items.author.local().len()
        };
        assert!(
            kept < want.items.len() / 2,
            "{file}: ranks keep only the feed window's items ({kept} of {})",
            want.items.len()
        );
        for ranks in [2, 3, 4] {
            let worlds = partitioned(&s, ranks);
            assert_eq!(worlds.last().unwrap().0.end, agents);
            for (rank, (rows, got)) in worlds.into_iter().enumerate() {
                let what = format!("{file}, rank {rank} of {ranks}");
                assert_bitwise_equal(&got, &want, rows, ranks, &what);
            }
        }
    }
}

#[test]
fn solo_step_is_the_plain_step() {
    let s = scenario("quickstart.toml", 3_000, 6);
    let want = single(&s);
    let mut sim = Simulation::new(&s, None).unwrap();
    let part = Partition::single(sim.world.agents());
    while !sim.is_done() {
        let (_, cost) =
            step_partitioned(&mut sim.world, sim.policy.as_ref(), &part, &Solo).unwrap();
        assert_eq!((cost.bytes_sent, cost.items_fetched), (0, 0));
    }
    assert_bitwise_equal(&sim.world, &want, 0..want.agents(), 1, "solo");
}

#[test]
fn actions_on_forgotten_or_unshown_items_are_refused_not_fatal() {
    let s = scenario("quickstart.toml", 3_000, 8);
    let mut sim = Simulation::new(&s, None).unwrap();
    let part = Partition::single(sim.world.agents());
    while !sim.is_done() {
        step_partitioned(&mut sim.world, sim.policy.as_ref(), &part, &Solo).unwrap();
    }
    let w = &mut sim.world;
    let kept = w.items.author.held();
    assert!(kept.start > 0, "the run forgot its oldest items");
    let old = (kept.start - 1) as u32;
    let recent = kept.start as u32;
    let agent = (0..w.agents() as u32)
        .find(|&a| w.items.author[recent as usize] != a)
        .unwrap();
    let unseen = recent + 1;
    let mut d = emergent_sim::action::Decision::none();
    d.push(emergent_sim::Action::Like { item: old });
    d.push(emergent_sim::Action::Repost { parent: old });
    d.push(emergent_sim::Action::Like { item: recent });
    d.push(emergent_sim::Action::Like { item: unseen });
    let decisions = emergent_sim::Decisions {
        feeds: emergent_sim::feed::Feeds::from_feeds(vec![agent], &[vec![old, recent]]),
        decisions: vec![d],
    };
    let report = w.apply(&decisions);
    // Forgotten, and not shown to the agent: refused.
    assert_eq!(report.rejected, 3);
    assert_eq!(report.events.len(), 1);
}

/// A METIS partition renames agents so that each part is a contiguous range: the renaming is
/// the same in one process and on every rank, so outputs stay equal for any P; on a graph whose
/// ids say nothing of its communities it cuts far fewer follow edges than the contiguous split.
#[cfg(feature = "metis")]
#[test]
fn metis_partitions_cut_fewer_edges_and_runs_stay_equal() {
    use emergent_sim::build_network;
    use emergent_sim::relabel::cut_edges;
    let mut s = scenario("quickstart.toml", 20_000, 8);
    // Clear communities (few follows across them), whose ids are then shuffled: the
    // quickstart's communities are contiguous ids.
    s.apply_override("network.p_out", "0.0001").unwrap();
    let sbm = build_network(&s, None).unwrap();
    let n = sbm.len() as u64;
    let shuffle = |a: u32| ((a as u64 * 7_919 + 13) % n) as u32;
    let mut edges = Vec::new();
    for u in 0..n as u32 {
        edges.extend(sbm.followees(u).iter().map(|&v| (shuffle(u), shuffle(v))));
    }
    let preloaded = Network::from_edges(n as usize, edges);
    let plain = Simulation::new(&s, Some(&preloaded)).unwrap().world;
    s.apply_overrides(&[("partition.method", "metis"), ("partition.parts", "3")])
        .unwrap();
    let want = single_with(&s, Some(&preloaded));
    let renamed = Simulation::new(&s, Some(&preloaded)).unwrap().world;
    let (before, after) = (cut_edges(&plain.network, 3), cut_edges(&renamed.network, 3));
    assert_eq!(renamed.network.edge_count(), plain.network.edge_count());
    assert!(
        after * 2 < before,
        "METIS cuts {after} of {} edges, contiguous ids {before}",
        plain.network.edge_count()
    );
    let ids = renamed
        .population
        .original_id
        .as_ref()
        .unwrap()
        .local()
        .to_vec();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..n as u32).collect::<Vec<_>>(), "a renaming");
    for ranks in [2, 3] {
        for (rank, (rows, got)) in partitioned_with(&s, Some(&preloaded), ranks)
            .into_iter()
            .enumerate()
        {
            let what = format!("METIS, rank {rank} of {ranks}");
            assert_bitwise_equal(&got, &want, rows, ranks, &what);
        }
    }
}

/// Interventions of every kind and selector, on a bounded-confidence and a radicalization
/// world: the same on P ranks as in one process (bans, weights and `top` choices are computed
/// by every rank; injected posts and follow edits by the targets' ranks).
#[test]
fn interventions_partitioned_equal_one_process() {
    let list = r#"
[[interventions]]
kind = "silence"
from = 2
to = 9
top = { feature = "followers", share = 0.01 }

[[interventions]]
kind = "inject"
from = 3
to = 5
share = 0.01
stance = 0.9
topic = 0

[[interventions]]
kind = "boost"
at = 1
range = [100, 300]
factor = 5

[[interventions]]
kind = "downrank"
from = 2
to = 7
community = 1
factor = 3

[[interventions]]
kind = "feed"
at = 4
set = { ranking = "popularity" }

[[interventions]]
kind = "follow"
at = 5
top = { feature = "stance", k = 20 }
accounts = [0, 1, 2]

[[interventions]]
kind = "unfollow"
at = 6
ids = [3, 4, 8999]
accounts = [5, 6]
"#;
    for (file, agents, set) in [
        (
            "polarization.toml",
            9_000,
            "policy.bounded_confidence.epsilon",
        ),
        ("quickstart.toml", 9_000, "policy.radicalization.alpha"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios")
            .join(file);
        // The last 40 agents are bot accounts, posting from tick 2 (their ids span no rank
        // boundary but sit on the last rank, beside ordinary agents).
        let mut text = std::fs::read_to_string(&path).unwrap().replacen(
            "[population]\n",
            "[population]\nbots = 40\n",
            1,
        );
        text.push_str(list);
        text.push_str(
            "\n[[interventions]]\nkind = \"inject\"\nfrom = 2\nbots = 40\nstance = 0.5\n",
        );
        text.push_str(&format!(
            "\n[[interventions]]\nkind = \"set\"\nfrom = 3\nto = 8\nkey = \"{set}\"\nvalue = 0.5\n"
        ));
        let mut s = Scenario::from_str(&text, file).unwrap();
        let mut pairs = vec![("population.agents", "9000"), ("scenario.ticks", "10")];
        if file == "polarization.toml" {
            pairs.extend([
                ("policy.kind", "bounded_confidence"),
                ("feed.window", "3"),
                ("population.activity.distribution", "lognormal"),
            ]);
        }
        s.apply_overrides(&pairs).unwrap();
        let want = single(&s);
        let plain = {
            let mut p = s.clone();
            p.interventions.clear();
            single(&p)
        };
        assert!(want != plain, "{file}: the interventions changed nothing");
        assert!(
            want.interventions.chosen.len() == 2,
            "{file}: two top choices"
        );
        for ranks in [2, 3] {
            for (rank, (rows, got)) in partitioned(&s, ranks).into_iter().enumerate() {
                let what = format!("{file} with interventions, rank {rank} of {ranks}");
                assert_bitwise_equal(&got, &want, rows, ranks, &what);
            }
        }
        let _ = agents;
    }
}
