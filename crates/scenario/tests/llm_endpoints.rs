//! `[[llm.endpoints]]` and `llm.cache`: strict keys, a bad URL or range refused at
//! `file:line:column` naming the endpoint.

use emergent_scenario::Scenario;

const BASE: &str = r#"[scenario]
name = "t"
ticks = 5
seed = 1

[population]
agents = 10

[llm]
enabled = true
model = "llama3.1:8b"
cache = "cache/replay.sqlite"

[[llm.endpoints]]
base_url = "http://127.0.0.1:11434/v1"

[[llm.endpoints]]
base_url = "http://gpu-2.lan:8000/v1"
model = "meta-llama/Llama-3.1-8B-Instruct"
max_in_flight = 64
weight = 2.0
"#;

fn error_of(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture lacks {from}");
    match Scenario::from_str(&BASE.replacen(from, to, 1), "bad.toml") {
        Ok(_) => panic!("`{to}` should be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn endpoints_parse_with_their_defaults() {
    let s = Scenario::from_str(BASE, "ok.toml").unwrap();
    let e = &s.llm.endpoints;
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].weight, e[0].model.as_deref()), (1.0, None));
    assert_eq!(e[1].max_in_flight, Some(64));
    assert_eq!(s.llm.cache, "cache/replay.sqlite");
}

#[test]
fn a_bad_endpoint_is_refused_where_it_is() {
    let msg = error_of("\"http://gpu-2.lan:8000/v1\"", "\"http://gpu 2:8000/v1\"");
    assert!(msg.starts_with("bad.toml:18:12:"), "{msg}");
    for (bad, needle) in [
        ("\"ftp://gpu-2.lan/v1\"", "must start with http://"),
        ("\"http://:8000/v1\"", "no valid host"),
        ("\"http://gpu-2.lan:99999/v1\"", "invalid port"),
        ("\"http://user:pw@gpu-2.lan/v1\"", "user or password"),
    ] {
        let msg = error_of("\"http://gpu-2.lan:8000/v1\"", bad);
        assert!(
            msg.starts_with("bad.toml:18:12:") && msg.contains(needle),
            "{msg}"
        );
    }
    let msg = error_of("weight = 2.0", "weight = 0.0");
    assert!(
        msg.starts_with("bad.toml:21:10:") && msg.contains("(0, 1000]"),
        "{msg}"
    );
    let msg = error_of("max_in_flight = 64", "max_in_flight = 0");
    assert!(msg.starts_with("bad.toml:20:17:"), "{msg}");
    let msg = error_of("weight = 2.0", "wieght = 2.0");
    assert!(msg.contains("wieght"), "{msg}");
    let msg = error_of(
        "[[llm.endpoints]]\nbase_url = \"http://127",
        "[[llm.endpoints]]\napi_key_env = \"sk-abc\"\nbase_url = \"http://127",
    );
    assert!(msg.contains("NAME of an environment variable"), "{msg}");
}
