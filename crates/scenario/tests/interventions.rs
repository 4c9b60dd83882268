//! `[[interventions]]`: every key is checked, errors name the entry's line and column, and
//! `feed`/`set` settings are validated with `--set`'s machinery.

use emergent_scenario::{InterventionKind, Ranking, Scenario};

const BASE: &str = r#"[scenario]
name = "t"
ticks = 20
seed = 1

[population]
agents = 100
communities = 2

[network]
generator = "sbm"

[policy]
kind = "bounded_confidence"
"#;

fn parse(extra: &str) -> Result<Scenario, String> {
    Scenario::from_str(&format!("{BASE}\n{extra}"), "iv.toml").map_err(|e| e.to_string())
}

/// The error of `extra`, which must say `needle` at line `line` (of the whole text).
fn refused(extra: &str, line: usize, needle: &str) {
    let e = parse(extra).expect_err(extra);
    assert!(
        e.starts_with(&format!("iv.toml:{line}:")) && e.contains(needle),
        "{extra}\n→ {e}"
    );
}

/// Line of the first line of `extra` in the whole text.
const L: usize = 16;

#[test]
fn every_kind_parses_with_its_keys() {
    let s = parse(
        r#"
[[interventions]]
kind = "silence"
at = 0
top = { feature = "followers", share = 0.01 }

[[interventions]]
kind = "inject"
from = 5
to = 8
ids = [1, 2]
stance = 0.9
label = "seed"

[[interventions]]
kind = "boost"
at = 3
range = [10, 20]
factor = 4.0

[[interventions]]
kind = "downrank"
from = 2
to = 6
community = 1
factor = 2

[[interventions]]
kind = "feed"
at = 10
set = { ranking = "popularity", out_of_network_share = 0.2 }

[[interventions]]
kind = "set"
from = 4
to = 12
key = "policy.bounded_confidence.epsilon"
value = 0.05

[[interventions]]
kind = "follow"
at = 1
share = 0.1
accounts = [0, 99]
"#,
    )
    .unwrap();
    assert_eq!(s.interventions.len(), 7);
    assert_eq!(s.interventions[1].kind, InterventionKind::Inject);
    assert_eq!(s.interventions[1].end(20), 8);
    assert_eq!(s.interventions[0].end(20), 20);
    // An inject at one tick acts at that tick only.
    let mut one = s.interventions[1].clone();
    (one.at, one.from, one.to) = (Some(5), None, None);
    assert_eq!(one.end(20), 6);
    // The settings in force change at 4 (set), 10 (feed) and 12 (set undone).
    let changes = s.setting_changes();
    let ticks: Vec<u32> = changes.iter().map(|c| c.0).collect();
    assert_eq!(ticks, [4, 10, 12]);
    assert_eq!(changes[0].2.bounded_confidence.epsilon, 0.05);
    assert_eq!(changes[0].1.ranking, Ranking::Chronological);
    assert_eq!(changes[1].1.ranking, Ranking::Popularity);
    assert_eq!(changes[1].2.bounded_confidence.epsilon, 0.05);
    assert_eq!(changes[2].1.ranking, Ranking::Popularity);
    assert_eq!(
        changes[2].2.bounded_confidence.epsilon,
        s.policy.bounded_confidence.epsilon
    );
}

#[test]
fn ticks_must_lie_in_the_run() {
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 20\nids = [1]",
        L + 2,
        "at most 19",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nfrom = 5\nto = 5\nids = [1]",
        L + 3,
        "at least 6",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nfrom = 5\nto = 21\nids = [1]",
        L + 3,
        "at most 20",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nids = [1]",
        L + 1,
        "needs a tick",
    );
    refused(
        "[[interventions]]\nkind = \"follow\"\nfrom = 1\nids = [1]\naccounts = [2]",
        L + 2,
        "use `at`",
    );
}

#[test]
fn targets_must_be_agents_and_exactly_one_selector() {
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\nids = [1, 100]",
        L + 3,
        "agent 100",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\nrange = [5, 101]",
        L + 3,
        "first < end",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\nshare = 0",
        L + 3,
        "(0, 1]",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\ncommunity = 2",
        L + 3,
        "at most 1",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\nids = [1]\nshare = 0.5",
        L + 1,
        "exactly one target selector",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1",
        L + 1,
        "got 0",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\ntop = { feature = \"followers\" }",
        L + 3,
        "`k` or `share`",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\ntop = { feature = \"followers\", k = 101 }",
        L + 3,
        "at most 100",
    );
    refused(
        "[[interventions]]\nkind = \"set\"\nat = 1\nids = [1]\nkey = \"policy.bounded_confidence.epsilon\"\nvalue = 0.1",
        L + 1,
        "takes no target",
    );
}

#[test]
fn unknown_keys_and_kinds_and_misplaced_keys_are_refused() {
    refused(
        "[[interventions]]\nkind = \"ban\"\nat = 1\nids = [1]",
        L + 1,
        "unknown variant",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\nids = [1]\nweight = 2",
        L + 4,
        "unknown field",
    );
    refused(
        "[[interventions]]\nkind = \"silence\"\nat = 1\nids = [1]\nfactor = 2",
        L + 4,
        "does not apply to kind `silence`",
    );
    refused(
        "[[interventions]]\nkind = \"boost\"\nat = 1\nids = [1]",
        L + 1,
        "needs `factor`",
    );
    refused(
        "[[interventions]]\nkind = \"downrank\"\nat = 1\nids = [1]\nfactor = 0.5",
        L + 4,
        "[1, 1000000]",
    );
    refused(
        "[[interventions]]\nkind = \"inject\"\nat = 1\nids = [1]\nstance = 1.5",
        L + 4,
        "[-1, 1]",
    );
    refused(
        "[[interventions]]\nkind = \"inject\"\nat = 1\nids = [1]\nstance = 0.5\ntopic = 1",
        L + 5,
        "at most 0",
    );
}

#[test]
fn settings_are_checked_like_set_overrides() {
    refused(
        "[[interventions]]\nkind = \"set\"\nat = 1\nkey = \"policy.bounded_confidence.mu\"\nvalue = 7",
        L + 4,
        "policy.bounded_confidence.mu: is a probability",
    );
    refused(
        "[[interventions]]\nkind = \"set\"\nat = 1\nkey = \"policy.bounded_confidence.epsilonn\"\nvalue = 0.1",
        L + 4,
        "unknown field",
    );
    refused(
        "[[interventions]]\nkind = \"set\"\nat = 1\nkey = \"policy.kind\"\nvalue = \"cascade\"",
        L + 4,
        "cannot change during a run",
    );
    refused(
        "[[interventions]]\nkind = \"set\"\nat = 1\nkey = \"population.agents\"\nvalue = 5",
        L + 4,
        "cannot change during a run",
    );
    refused(
        "[[interventions]]\nkind = \"feed\"\nat = 1\nset = { window = 5 }",
        L + 3,
        "feed.window",
    );
    refused(
        "[[interventions]]\nkind = \"feed\"\nat = 1\nset = { ranking = \"best\" }",
        L + 3,
        "unknown variant",
    );
}

#[test]
fn a_program_builds_and_serialises_a_list() {
    let mut s = parse("").unwrap();
    s.interventions = vec![
        emergent_scenario::InterventionConfig::silence(vec![3, 4], 2),
        emergent_scenario::InterventionConfig::inject(vec![5], 7, 0, -0.8),
    ];
    assert!(s.validate().is_empty(), "{:?}", s.validate());
    let text = toml::to_string(&s).unwrap();
    let back = Scenario::from_str(&text, "back.toml").unwrap();
    assert_eq!(back.interventions, s.interventions);
}

#[test]
fn overrides_apply_before_the_checks_and_file_problems_keep_their_place() {
    let text = format!("{BASE}\n[[interventions]]\nkind = \"silence\"\nat = 3\nids = [150]\n");
    // Agent 150 needs more than 100 agents: the file alone is refused …
    let e = Scenario::from_str(&text, "iv.toml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with(&format!("iv.toml:{}:", L + 3)), "{e}");
    // … but with --set population.agents=200 the scenario is valid.
    let s = Scenario::with_overrides(&text, "iv.toml", &["population.agents=200".into()]).unwrap();
    assert_eq!(s.population.agents, 200);
    // An override that breaks a file key is reported where the key is, naming both.
    let e = Scenario::with_overrides(&text, "iv.toml", &["population.agents=120".into()])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("iv.toml:{}:", L + 3)) && e.contains("population.agents = 120"),
        "{e}"
    );
    // A problem at the overridden key itself is the override's.
    let e = Scenario::with_overrides(&text, "iv.toml", &["population.agents=0".into()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("population.agents"), "{e}");
}
