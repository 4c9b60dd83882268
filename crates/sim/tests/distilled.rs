//! The distilled policy (`[policy] kind = "distilled"`, model handed over by the runner) in
//! the engine: a run split over ranks equals the one-process run bit for bit, and the model's
//! choices show in what agents do.

use std::path::Path;

use emergent_collective::{Collective, thread_ranks};
use emergent_scenario::Scenario;
use emergent_sim::partition::Partition;
use emergent_sim::policy::decision_view::{DECISION_FEATURES, FEATURES_VERSION, ITEM_FEATURES};
use emergent_sim::policy::distilled::{FORMAT, GroupModel, LinearGaussian};
use emergent_sim::policy::{Distilled, DistilledModel};
use emergent_sim::{Simulation, World};

fn model() -> DistilledModel {
    let (d, i) = (DECISION_FEATURES.len(), ITEM_FEATURES.len());
    let w = |v: &[(usize, f64)], n: usize| {
        let mut x = vec![0.0; n];
        for &(k, a) in v {
            x[k] = a;
        }
        x
    };
    let group = |name: &str, share: f64, rate: f64| GroupModel {
        name: name.into(),
        share,
        // post more when the feed disagrees; like close items; stance toward the feed.
        post: w(&[(0, -1.5), (4, 4.0)], d),
        post_stance: LinearGaussian {
            coef: vec![0.0; d],
            sd: 0.1,
        },
        stance: LinearGaussian {
            coef: w(&[(3, rate)], d),
            sd: 0.02,
        },
        like: w(&[(0, 1.0), (1, -8.0)], i),
        reply: w(&[(0, -3.0), (1, 2.0)], i),
        reply_stance: LinearGaussian {
            coef: vec![0.0; d],
            sd: 0.0,
        },
        repost: w(&[(0, -1.0), (1, -10.0)], i),
    };
    DistilledModel {
        format: FORMAT.into(),
        features_version: FEATURES_VERSION,
        decision_features: DECISION_FEATURES.iter().map(|s| s.to_string()).collect(),
        item_features: ITEM_FEATURES.iter().map(|s| s.to_string()).collect(),
        max_likes: 3,
        groups: vec![group("a", 0.7, 0.25), group("b", 0.3, 0.05)],
    }
}

fn scenario(agents: usize) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/polarization.toml");
    let mut s = Scenario::from_path(&path).unwrap();
    s.apply_overrides(&[
        ("population.agents", &agents.to_string()),
        ("scenario.ticks", "8"),
        ("policy.kind", "distilled"),
        ("policy.path", "policy.json"),
        ("feed.window", "3"),
    ])
    .unwrap();
    s
}

fn policy(s: &Scenario) -> Box<Distilled> {
    assert!(model().problems().is_empty(), "{:?}", model().problems());
    Box::new(Distilled::new(model(), s.feed.size))
}

#[test]
fn distilled_runs_partitioned_equal_one_process() {
    let s = scenario(9_000);
    let mut sim = Simulation::new(&s, None).unwrap();
    sim.set_policy(policy(&s));
    let mut posts = 0;
    while !sim.is_done() {
        posts += sim
            .step()
            .events
            .iter()
            .filter(|e| e.action.name() == "post")
            .count();
    }
    assert!(posts > 100, "the model posts: {posts}");
    let whole: World = sim.world;
    for ranks in [2, 3] {
        let parts: Vec<(std::ops::Range<usize>, Vec<f64>)> = std::thread::scope(|scope| {
            let hs: Vec<_> = thread_ranks(ranks)
                .into_iter()
                .map(|ex| {
                    let s = &s;
                    scope.spawn(move || {
                        let part = Partition::contiguous(s.population.agents, ranks, ex.rank());
                        let mut sim = Simulation::new_in(s, None, &part, &ex).unwrap();
                        sim.set_policy(policy(s));
                        while !sim.is_done() {
                            sim.step_partitioned(&part, &ex).unwrap();
                        }
                        let stance = sim.world.feature_in("stance", part.owned.clone()).unwrap();
                        (part.owned, stance)
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (rows, stance) in parts {
            let one = whole.feature_in("stance", rows.clone()).unwrap();
            assert!(
                one.iter()
                    .zip(&stance)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{ranks} ranks: stances of {rows:?} differ"
            );
        }
    }
}
