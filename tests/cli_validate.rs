//! `emergent validate`: the suite runs through the binary, writes its page and figures, exits
//! non-zero exactly when a result is not reproduced, and names the modules it knows.

mod common;

use common::*;

#[test]
fn quick_validation_writes_a_page_with_figures_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v");
    let stdout = ok(&[
        "validate",
        "--quick",
        "--only",
        "deffuant",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("pass  deffuant-clusters"), "{stdout}");
    let page = std::fs::read_to_string(out.join("validation.md")).unwrap();
    assert!(page.contains("Deffuant") && page.contains("Advances in Complex Systems"));
    for ext in ["png", "svg"] {
        let f = out.join(format!("validation/deffuant-clusters.{ext}"));
        assert!(
            std::fs::metadata(&f).unwrap().len() > 1000,
            "{}",
            f.display()
        );
    }
    // Deterministic: the same seed writes the same page.
    let again = dir.path().join("w");
    ok(&[
        "validate",
        "--quick",
        "--only",
        "deffuant",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        page,
        std::fs::read_to_string(again.join("validation.md")).unwrap()
    );
}

#[test]
fn an_unknown_module_is_named_with_the_known_ones() {
    let err = fails(&["validate", "--only", "nosuch", "--out", "/nonexistent/x"]);
    assert!(
        err.contains("no validation module called `nosuch`"),
        "{err}"
    );
    assert!(err.contains("deffuant"), "{err}");
}
