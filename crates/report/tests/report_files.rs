//! `write_report`: report.md and a self-contained report.html from a run directory, with
//! and without a study; bad run directories fail with the file named and nothing written.

mod common;

use base64::Engine;
use common::{check_png, check_svg, fake_run, figures_in_markdown, png_info, small_study, tree};
use emergent_report::{write_report, write_study};

#[test]
fn report_without_a_study_has_summary_series_headline_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path());
    let files = write_report(dir.path()).unwrap();
    assert!(!files.with_study);
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(
        md.starts_with("# Run report: quickstart\n"),
        "{}",
        &md[..200]
    );
    for needle in [
        "Opinions radicalize under homophilous contacts",
        "| agents | 2000 |",
        "| seed | 42 |",
        "| ticks | 29 |",
        "| overrides | population.agents=2000 |",
        "### Indicator polarization",
        "`polarization` = `var(posts)`",
        "Top agents",
        "| top 1% | 20 |",
        "| post | 6656 |",
        "| calls | 412 |",
        "| prompt tokens | 91234 |",
        "| fallbacks | 7 |",
        "No study in this run directory yet",
        "`features.parquet`",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle:?}:\n{md}");
    }
    assert!(!md.contains("](http"), "the report links outside");
    let figures = figures_in_markdown(&md);
    assert_eq!(figures.len(), 1);
    assert_eq!(figures[0].0, "plots/indicators.png");
    check_png(&dir.path().join("plots/indicators.png"), figures[0].1);
    check_svg(&dir.path().join("plots/indicators.svg"), figures[0].1);
}

#[test]
fn report_with_a_study_includes_its_tables_and_plots_inline() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path());
    write_study(&dir.path().join("study"), &small_study()).unwrap();
    let files = write_report(dir.path()).unwrap();
    assert!(files.with_study);
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(
        md.contains("### Scaling-bias verdict") && md.contains("#### Panels by protocol"),
        "{md}"
    );
    let figures = figures_in_markdown(&md);
    assert_eq!(figures.len(), 1 + 3 * 4);
    // The study's plots are referenced where write_study put them, with the stated size.
    for (png, size) in &figures {
        check_png(&dir.path().join(png), *size);
    }
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert_self_contained(&html, figures.len());
    assert!(html.contains("<h3>Scaling-bias verdict</h3>"));
}

/// Every image is a data: URI that decodes to a PNG; nothing refers to another file or host.
fn assert_self_contained(html: &str, images: usize) {
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page names a URL"
    );
    assert!(!html.contains("href="), "the page links somewhere");
    assert!(!html.contains("<script"), "the page has scripts");
    let srcs: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(srcs.len(), images, "one inlined image per figure");
    assert_eq!(html.matches("<img ").count(), images);
    for src in srcs {
        let data = src
            .strip_prefix("data:image/png;base64,")
            .unwrap_or_else(|| panic!("src points outside: {}", &src[..src.len().min(60)]));
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        let (w, h, colours) = png_info(&png);
        assert!(w >= 900 && h >= 300 && colours > 1);
    }
    assert!(!html.contains("url("), "CSS fetches something");
}

#[test]
fn report_html_is_self_contained_without_a_study() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path());
    let files = write_report(dir.path()).unwrap();
    assert_self_contained(&std::fs::read_to_string(&files.html).unwrap(), 1);
}

#[test]
fn a_directory_that_is_not_a_run_fails_naming_the_missing_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path());
    std::fs::remove_file(dir.path().join("manifest.json")).unwrap();
    let before = tree(dir.path());
    let e = write_report(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("manifest.json") && e.contains("not a complete run directory"),
        "{e}"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn unreadable_json_fails_naming_the_file_and_writes_nothing() {
    for (file, content) in [
        ("attribution.json", "{ not json"),
        ("study/study.json", "{\"n_agents\": 3}"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path());
        let p = dir.path().join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        let before = tree(dir.path());
        let e = write_report(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains(file) && e.contains("not the JSON expected"),
            "{e}"
        );
        assert_eq!(tree(dir.path()), before, "{file}: partial outputs");
    }
}

#[test]
fn a_bad_indicator_cell_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path());
    std::fs::write(
        dir.path().join("indicators.csv"),
        "tick,polarization\n0,0.5\n1,oops\n",
    )
    .unwrap();
    let e = write_report(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("indicators.csv") && e.contains("line 3") && e.contains("polarization"),
        "{e}"
    );
    assert!(!dir.path().join("report.md").exists());
}

#[test]
fn a_missing_run_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = write_report(&dir.path().join("nope"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope") && e.contains("not a directory"), "{e}");
}
