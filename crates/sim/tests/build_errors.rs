//! A scenario whose edge list is malformed is valid (the file exists) but does not build: the
//! error names the edge list's own `file:line:column`.

use emergent_scenario::Scenario;
use emergent_sim::{BuildError, build_world};

#[test]
fn edge_list_is_found_relative_to_the_scenario_and_errors_name_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("g.csv"), "src,dst\n0,1\n1,2\n2,x\n").expect("write");
    let text = "[scenario]\nname = \"t\"\n\n[population]\nagents = 100\n\n\
                [network]\ngenerator = \"edgelist\"\npath = \"g.csv\"\n";
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).expect("write");
    let scenario = Scenario::from_path(&file).expect("file exists, so valid");
    let err = build_world(&scenario, None).expect_err("bad edge list");
    assert!(matches!(err, BuildError::EdgeList(_)));
    let msg = err.to_string();
    assert!(msg.contains("g.csv:4:3:"), "{msg}");
}
