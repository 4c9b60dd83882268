//! Diagnostic: the twin game of a run (v_twin(S) = M(w_S) for every coalition and indicator,
//! what `attribute --game --twin` adds beside the ground truth) without rerunning the
//! simulator, compared with a ground truth already measured for the same groups: the run's
//! `game.json`, or TRUTH — a `game.json`, or the benchmark's `benches/results/ground_truth.json`
//! (its case named like the run directory, its game with these groups). Prints, per indicator,
//! the coalition values and each group's twin share against the truth's share and 95 %
//! interval (`*` outside), then how many shares are inside and their summed distance from the
//! truth, in points.
//!
//! Why: trying a change to a twin against the benchmark's ground truth costs one forward pass
//! per coalition (seconds at 10⁴ agents) instead of R·2^G simulator runs (minutes to a quarter
//! of an hour); session 17 compared six variants of the radicalization twin's follow graph on
//! four cases this way (docs/dynamic-attribution.md).
//!
//! cargo run --release -p emergent-runner --example twin_corners -- RUN_DIR SPEC [TRUTH]

use emergent_attribution::Indicator;
use emergent_attribution::game::exact_shapley;
use emergent_dynamics::{Outcome, model_for};
use emergent_runner::{Coalitions, GroupSpec};
use serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: twin_corners RUN_DIR SPEC (e.g. tiers, communities)");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[1]);
    let spec: GroupSpec = args[2].parse().expect("a group spec");
    let game = Coalitions::read(dir, &spec).expect("a run directory");
    let truth_file = args
        .get(3)
        .map_or_else(|| dir.join("game.json"), std::path::PathBuf::from);
    let truth = stored_game(&truth_file, dir, &args[2], &game);
    if truth.is_none() {
        println!(
            "no ground truth for the groups `{}` in {} (twin shares only)",
            args[2],
            truth_file.display()
        );
    }
    let world = emergent_sim::build_world(&game.scenario, game.preloaded()).expect("the world");
    let model = model_for(&game.scenario, &world).expect("a twin for this scenario");
    let n = model.agents();
    let all = (1u64 << game.groups.len()) - 1;
    let needed = vec![true; model.outputs().len()];
    // Each coalition's outputs at the horizon (the trajectories' states are not kept).
    let outputs: Vec<Vec<Vec<f64>>> = (0..=all)
        .map(|mask| model.forward(&game.participation(mask, n), &needed).outputs)
        .collect();
    let (mut inside, mut shares, mut distance) = (0, 0, 0.0);
    for spec in &game.scenario.indicators {
        let indicator = Indicator::parse(&spec.expr).expect("the scenario's indicator");
        let outcome = Outcome {
            indicator: &indicator,
            context: &game.features,
        };
        let values: Vec<f64> = outputs
            .iter()
            .map(|o| {
                outcome
                    .value_of(model.as_ref(), o)
                    .expect("the indicator's value")
            })
            .collect();
        let shown: Vec<String> = values.iter().map(|v| format!("{v:.6}")).collect();
        println!("{} corners: {}", spec.name, shown.join(" "));
        let total = values[values.len() - 1] - values[0];
        let phi = exact_shapley(&values);
        let stored = truth.as_ref().and_then(|t| {
            t["indicators"]
                .as_array()?
                .iter()
                .find(|i| i["name"] == spec.name.as_str())
                .cloned()
        });
        for (g, p) in phi.iter().enumerate() {
            let share = 100.0 * p / total;
            let line = match stored.as_ref().map(|s| &s["groups"][g]["share"]) {
                Some(t) if t["mean"].is_number() => {
                    let f = |k: &str| 100.0 * t[k].as_f64().unwrap_or(f64::NAN);
                    let ok = (f("low")..=f("high")).contains(&share);
                    shares += 1;
                    inside += usize::from(ok);
                    distance += (share - f("mean")).abs();
                    format!(
                        "{share:.1} %{} (truth {:.1} % [{:.1}, {:.1}])",
                        if ok { "" } else { " *" },
                        f("mean"),
                        f("low"),
                        f("high")
                    )
                }
                _ => format!("{share:.1} %"),
            };
            println!("  {}: {line}", game.groups[g].name);
        }
    }
    if shares > 0 {
        println!(
            "inside {inside} of {shares}; summed distance from the truth {distance:.1} points"
        );
    }
}

/// The stored game with the same groups (names, in order) from a `game.json` or the benchmark's
/// results file (the case named like the run directory).
fn stored_game(
    file: &std::path::Path,
    dir: &std::path::Path,
    spec: &str,
    game: &Coalitions,
) -> Option<Value> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
    let candidate = match doc.get("cases") {
        Some(cases) => {
            let case = dir.file_name()?.to_str()?;
            cases[case]["games"]
                .as_array()?
                .iter()
                .find(|g| g["groups"] == spec)?
                .clone()
        }
        None => doc,
    };
    let names: Vec<&str> = candidate["indicators"][0]["groups"]
        .as_array()?
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    let ours: Vec<&str> = game.groups.iter().map(|g| g.name.as_str()).collect();
    (names == ours).then_some(candidate)
}
