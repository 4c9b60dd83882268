//! Open report.html in headless Chromium and read the page the browser built.
//!
//! Chromium missing → a loud SKIP and a pass, unless `EMERGENT_REQUIRE_BROWSER=1` (CI installs
//! Debian's `chromium` and sets it), in which case a missing browser fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fake_run, small_study};
use emergent_report::{write_report, write_study};

const CHROMIUM: &str = "/usr/bin/chromium";

fn browser() -> Option<PathBuf> {
    let p = PathBuf::from(CHROMIUM);
    if p.is_file() {
        return Some(p);
    }
    if std::env::var("EMERGENT_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!(
            "EMERGENT_REQUIRE_BROWSER=1 but {CHROMIUM} is not installed (apt-get install -y chromium)"
        );
    }
    eprintln!(
        "\n======== SKIP: {CHROMIUM} not found; report.html was not rendered in a browser ========\n"
    );
    None
}

/// The DOM after Chromium loaded the page (`--dump-dom`), with networking features off.
fn dump_dom(chromium: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            // Any request the page tried would fail rather than reach the network.
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The visible text of a DOM dump: tags dropped, entities of interest decoded.
fn page_text(dom: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in dom.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn report_html_renders_in_chromium_with_its_text_and_images() {
    let Some(chromium) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path());
    write_study(&dir.path().join("study"), &small_study()).unwrap();
    let files = write_report(dir.path()).unwrap();
    let dom = dump_dom(&chromium, &files.html);
    let text = page_text(&dom);
    for needle in [
        "Run report: quickstart",
        "Opinions radicalize under homophilous contacts (Baumann et al. 2020) and the follow graph sorts into echo chambers, on 4 communities.",
        "Indicators over time",
        "Indicator polarization",
        "polarization = var(posts)",
        "Top agents",
        "Scaling-bias verdict",
        "activity yes",
        "rescales",
        "does not rescale",
        "Panels by protocol",
        "visibility",
        "Robustness: quadrature steps",
        "calls 412",
        "prompt tokens 91234",
    ] {
        assert!(text.contains(needle), "the rendered page lacks {needle:?}");
    }
    // The browser kept every inlined image (13 figures: 1 time series + 3 indicators × 4).
    assert_eq!(dom.matches("<img ").count(), 13);
    assert_eq!(dom.matches("src=\"data:image/png;base64,").count(), 13);
}
