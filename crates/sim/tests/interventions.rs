//! Each intervention kind does what it says, from its tick on and not before, and a run with
//! interventions resumes from a checkpoint taken inside their windows as if uninterrupted,
//! on any thread count.

use emergent_scenario::Scenario;
use emergent_sim::feed::build_feeds;
use emergent_sim::items::ItemKind;
use emergent_sim::{Simulation, World};

/// polarization.toml's world under bounded confidence, `agents` agents, `ticks` ticks, with
/// `extra` appended to the file.
fn scenario(agents: usize, ticks: u32, extra: &str) -> Scenario {
    with_bots(agents, ticks, 0, extra)
}

/// [`scenario`] with the last `bots` agents bot accounts (`population.bots`).
fn with_bots(agents: usize, ticks: u32, bots: usize, extra: &str) -> Scenario {
    let text = polarization_text(bots) + "\n" + extra;
    let mut s = Scenario::from_str(&text, "polarization.toml").unwrap();
    let (a, t) = (agents.to_string(), ticks.to_string());
    s.apply_overrides(&[
        ("population.agents", &a),
        ("scenario.ticks", &t),
        ("policy.kind", "bounded_confidence"),
        ("feed.window", "3"),
        ("population.activity.distribution", "lognormal"),
        // ~12 followees in the community at 2000 agents: more candidates than a feed shows.
        ("network.p_in", "0.05"),
    ])
    .unwrap();
    s
}

/// polarization.toml's text, with `population.bots = bots`.
fn polarization_text(bots: usize) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/polarization.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.replacen(
        "[population]\n",
        &format!("[population]\nbots = {bots}\n"),
        1,
    )
}

fn run(s: &Scenario, ticks: u32) -> Simulation {
    let mut sim = Simulation::new(s, None).unwrap();
    for _ in 0..ticks {
        sim.step();
    }
    sim
}

/// Items (held) authored by `a` at ticks `ticks`.
fn authored(w: &World, a: u32, ticks: std::ops::Range<u32>) -> Vec<usize> {
    w.items
        .author
        .held()
        .filter(|&i| w.items.author[i] == a && ticks.contains(&w.items.tick[i]))
        .collect()
}

#[test]
fn silence_bans_from_its_tick_and_changes_nothing_before() {
    let ban = "[[interventions]]\nkind = \"silence\"\nfrom = 4\ntop = { feature = \"followers\", k = 20 }\n";
    let s = scenario(3000, 9, ban);
    let plain = scenario(3000, 9, "");
    // Up to tick 4 the runs are the same world (but for the choice recorded at tick 4).
    let (a, b) = (run(&s, 4), run(&plain, 4));
    assert_eq!(a.world, b.world);
    let mut sim = run(&s, 5);
    let chosen = sim.world.interventions.chosen[0].1.clone();
    assert_eq!(chosen.len(), 20);
    // The chosen are the 20 most followed at tick 4.
    let followers = b.world.feature("followers").unwrap();
    let least_chosen = chosen
        .iter()
        .map(|&a| followers[a as usize])
        .fold(f64::MAX, f64::min);
    let above = followers.iter().filter(|&&f| f > least_chosen).count();
    assert!(
        above < 20,
        "{above} agents have more followers than a chosen one"
    );
    let before: usize = chosen
        .iter()
        .map(|&a| authored(&sim.world, a, 0..4).len())
        .sum();
    assert!(before > 0, "the chosen posted before the ban");
    let likes_before: Vec<f64> = sim.world.feature("likes_given").unwrap();
    for _ in 5..9 {
        // No feed shows a banned author's item, nor a repost of one.
        let all: Vec<u32> = (0..3000).collect();
        let feeds = build_feeds(&sim.world, &all);
        for f in 0..feeds.len() {
            for &i in feeds.feed(f) {
                let (au, root, kind) = (
                    sim.world.items.author[i as usize],
                    sim.world.items.root_author[i as usize],
                    sim.world.items.kind[i as usize],
                );
                assert!(!chosen.contains(&au), "a banned author's item in a feed");
                assert!(kind != ItemKind::Repost || !chosen.contains(&root));
            }
        }
        sim.step();
    }
    for &a in &chosen {
        assert!(
            authored(&sim.world, a, 4..9).is_empty(),
            "banned {a} authored"
        );
    }
    let likes = sim.world.feature("likes_given").unwrap();
    for &a in &chosen {
        assert_eq!(
            likes[a as usize], likes_before[a as usize],
            "banned {a} liked"
        );
    }
}

#[test]
fn inject_posts_once_per_target_with_the_given_stance() {
    let s = scenario(
        2000,
        6,
        "[[interventions]]\nkind = \"inject\"\nat = 3\nrange = [10, 60]\nstance = -0.75\n",
    );
    let sim = run(&s, 6);
    let w = &sim.world;
    for a in 10..60 {
        let injected: Vec<usize> = authored(w, a, 3..4)
            .into_iter()
            .filter(|&i| w.items.kind[i] == ItemKind::Post && w.items.stance[i] == -0.75)
            .collect();
        assert_eq!(injected.len(), 1, "agent {a}");
    }
    let elsewhere = authored(w, 9, 0..6)
        .into_iter()
        .chain(authored(w, 10, 0..3))
        .chain(authored(w, 10, 4..6))
        .filter(|&i| w.items.stance[i] == -0.75)
        .count();
    assert_eq!(elsewhere, 0);
}

/// Share of feed items authored by agents `range` at the world's tick.
fn feed_share(w: &World, range: std::ops::Range<u32>) -> f64 {
    let all: Vec<u32> = (0..w.agents() as u32).collect();
    let feeds = build_feeds(w, &all);
    let mut hits = 0;
    for f in 0..feeds.len() {
        hits += feeds
            .feed(f)
            .iter()
            .filter(|&&i| range.contains(&w.items.author[i as usize]))
            .count();
    }
    hits as f64 / feeds.total_items() as f64
}

#[test]
fn boost_and_downrank_move_items_in_feeds() {
    let feed = "[[interventions]]\nkind = \"feed\"\nat = 0\nset = { size = 4, ranking = \"popularity\", out_of_network_share = 0.0 }\n";
    let boost = "[[interventions]]\nkind = \"boost\"\nfrom = 2\nrange = [0, 300]\nfactor = 50\n\n\
                 [[interventions]]\nkind = \"downrank\"\nfrom = 2\nrange = [200, 300]\nfactor = 100\n";
    let mut sim = run(&scenario(3000, 5, &format!("{feed}\n{boost}")), 3);
    // From tick 2: 0..200 weigh 50, 200..300 weigh 1/2.
    let w = &sim.world.interventions;
    let weight = |a: u32| w.log_weight(a).exp();
    assert!(
        (0..200).all(|a| (weight(a) - 50.0).abs() < 1e-4),
        "{}",
        weight(0)
    );
    assert!(
        (200..300).all(|a| (weight(a) - 0.5).abs() < 1e-6),
        "{}",
        weight(200)
    );
    assert!((300..3000).all(|a| weight(a) == 1.0));
    // The same world's feeds with and without the weights.
    let weights = std::mem::take(&mut sim.world.interventions.log_weights);
    let (none_up, none_down) = (
        feed_share(&sim.world, 0..200),
        feed_share(&sim.world, 200..300),
    );
    sim.world.interventions.log_weights = weights;
    let (up, down) = (
        feed_share(&sim.world, 0..200),
        feed_share(&sim.world, 200..300),
    );
    assert!(up > none_up * 1.2, "boosted: {none_up} → {up}");
    assert!(down < none_down / 1.2, "downranked: {none_down} → {down}");
}

#[test]
fn set_changes_a_policy_parameter_for_its_window() {
    // ε = 0: no message is close enough to move anyone (bounded confidence without repulsion).
    let extra = "[[interventions]]\nkind = \"set\"\nfrom = 3\nto = 6\nkey = \"policy.bounded_confidence.epsilon\"\nvalue = 0.0\n";
    let s = scenario(2000, 8, extra);
    let mut sim = run(&s, 3);
    let at3 = sim.world.feature("stance").unwrap();
    for _ in 3..6 {
        sim.step();
    }
    assert_eq!(
        sim.world.feature("stance").unwrap(),
        at3,
        "stances moved under ε = 0"
    );
    sim.step();
    sim.step();
    assert_ne!(
        sim.world.feature("stance").unwrap(),
        at3,
        "ε was not restored at 6"
    );
}

#[test]
fn follow_and_unfollow_edit_the_graph_at_their_tick() {
    let extra = "[[interventions]]\nkind = \"follow\"\nat = 2\nrange = [100, 200]\naccounts = [7]\n\n\
                 [[interventions]]\nkind = \"unfollow\"\nat = 2\ncommunity = 0\naccounts = [1]\n";
    // Nobody follows on their own: what changes is the interventions'.
    let mut s = scenario(2000, 3, extra);
    s.apply_override("policy.bounded_confidence.follow_prob", "0")
        .unwrap();
    let sim = run(&s, 2);
    let mut p = scenario(2000, 2, "");
    p.apply_override("policy.bounded_confidence.follow_prob", "0")
        .unwrap();
    let plain = run(&p, 2);
    let net = sim.world.network.clone();
    assert_eq!(sim.world, plain.world, "nothing before tick 2");
    let mut sim = sim;
    sim.step();
    let net2 = &sim.world.network;
    let following = (100..200).filter(|&u| net2.follows(u, 7)).count();
    assert!(following >= 95, "{following} of 100 follow agent 7");
    // Community 0 of 8 is agents 0..250.
    let before = (0..250).filter(|&u| net.follows(u, 1)).count();
    let after = (0..250).filter(|&u| net2.follows(u, 1)).count();
    assert!(
        before > 0 && after == 0,
        "community 0 still follows 1: {before} → {after}"
    );
}

#[test]
fn a_run_with_interventions_resumes_inside_their_windows_on_any_thread_count() {
    let extra = "[[interventions]]\nkind = \"silence\"\nfrom = 2\nto = 8\ntop = { feature = \"posts\", share = 0.02 }\n\n\
                 [[interventions]]\nkind = \"set\"\nfrom = 3\nto = 7\nkey = \"policy.bounded_confidence.mu\"\nvalue = 0.05\n\n\
                 [[interventions]]\nkind = \"inject\"\nfrom = 4\nto = 7\nshare = 0.05\nstance = 1.0\n\n\
                 [[interventions]]\nkind = \"boost\"\nfrom = 1\ncommunity = 1\nfactor = 3\n";
    let s = scenario(3000, 10, extra);
    let straight = run(&s, 10).world;
    for stop in [3, 5] {
        let first = run(&s, stop);
        let bytes = serde_json::to_vec(&first.world).unwrap();
        let world: World = serde_json::from_slice(&bytes).unwrap();
        let mut resumed = Simulation::resume(&s, world);
        while !resumed.is_done() {
            resumed.step();
        }
        assert!(resumed.world == straight, "resumed at {stop}: diverged");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = pool.install(|| run(&s, 10).world);
    assert!(one == straight, "1 thread differs");
    let plain = run(&scenario(3000, 10, ""), 10).world;
    assert!(plain != straight);
}

#[test]
fn bots_stay_dormant_until_an_intervention_makes_them_post() {
    let (n, bots, ticks) = (2000u32, 100u32, 12u32);
    let campaign = "[[interventions]]\nkind = \"inject\"\nfrom = 2\nbots = 100\nstance = 1.0\n";
    let control = run(&with_bots(n as usize, ticks, bots as usize, ""), ticks);
    let start = Simulation::new(&with_bots(n as usize, ticks, bots as usize, ""), None).unwrap();
    let treated = run(
        &with_bots(n as usize, ticks, bots as usize, campaign),
        ticks,
    );
    let stance = |w: &World, a: u32| w.population.stance[a as usize];
    for a in n - bots..n {
        // A bot never acts on its own and nothing moves its stance but a campaign, whose
        // stance it then holds (its mouthpiece).
        assert!(authored(&control.world, a, 0..ticks).is_empty(), "bot {a}");
        assert_eq!(
            stance(&control.world, a),
            stance(&start.world, a),
            "bot {a}"
        );
        assert_eq!(stance(&treated.world, a), 1.0, "bot {a}");
        // The campaign: one post with its stance per tick from tick 2, and nothing else.
        let posts = authored(&treated.world, a, 0..ticks);
        assert_eq!(posts.len(), (ticks - 2) as usize, "bot {a}");
        assert!(posts.iter().all(|&i| treated.world.items.stance[i] == 1.0));
    }
    for name in ["likes_given", "replies", "reposts"] {
        let f = control.world.feature(name).unwrap();
        assert!(f[(n - bots) as usize..].iter().all(|&x| x == 0.0), "{name}");
    }
    // The people moved toward the campaign's stance.
    let people_mean =
        |w: &World| (0..n - bots).map(|a| stance(w, a)).sum::<f64>() / (n - bots) as f64;
    let (c, t) = (people_mean(&control.world), people_mean(&treated.world));
    assert!(t > c + 1e-3, "treated mean stance {t}, control {c}");
    // Bots are the selector's only way in.
    let bad = Scenario::from_str(
        &(polarization_text(0) + "\n" + campaign),
        "polarization.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("population.bots = n"), "{bad}");
    let too_many = Scenario::from_str(
        &(polarization_text(10) + "\n" + campaign),
        "polarization.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(too_many.contains("at most 10"), "{too_many}");
}
