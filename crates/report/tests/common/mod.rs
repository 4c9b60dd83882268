//! Fixtures and file checks shared by the report crate's tests.
#![allow(dead_code)]

use std::path::Path;

use emergent_attribution::rng::SplitMix;
use emergent_attribution::{AgentIds, Baseline, FeatureTable, Indicator};
use emergent_study::{IndicatorInput, Study, StudyConfig, study};

/// Heavy-tailed followers, activity growing with audience.
pub fn population(n: usize, seed: u64) -> FeatureTable {
    let mut rng = SplitMix::keyed(seed, 9);
    let (mut f, mut p, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let z = (-2.0 * rng.unit().max(1e-300).ln()).sqrt()
            * (std::f64::consts::TAU * rng.unit()).cos();
        let followers = rng.unit().max(1e-12).powf(-1.0 / 1.1).floor();
        f.push(followers);
        p.push(((0.5 + 0.8 * z).exp() * (1.0 + followers).sqrt()).round());
        r.push((0.5 + z).exp().round() + (rng.unit() * 3.0).floor());
    }
    FeatureTable::new(
        AgentIds::sequential(n),
        vec![
            ("followers".into(), f),
            ("posts".into(), p),
            ("replies".into(), r),
        ],
    )
    .unwrap()
}

pub fn input(name: &str, expr: &str, base: Baseline) -> IndicatorInput {
    IndicatorInput {
        name: name.into(),
        indicator: Indicator::parse(expr).unwrap(),
        baseline: base,
    }
}

/// A small study of one linear and two nonlinear indicators, with sweeps.
pub fn small_study() -> Study {
    let table = population(5_000, 3);
    let inputs = [
        input("activity", "mean(posts + replies)", Baseline::Zero),
        input("spread", "var(posts + replies)", Baseline::Zero),
        input("inequality", "gini(posts + replies)", Baseline::Mean),
    ];
    let cfg = StudyConfig {
        panel_size: 40,
        seeds: 3,
        ..StudyConfig::default()
    };
    study(&table, &inputs, &cfg, &|_| {}).unwrap()
}

/// Decode a PNG, returning (width, height, number of distinct colours).
pub fn png_info(bytes: &[u8]) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("valid PNG data");
    let px = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    (info.width, info.height, colours.len())
}

/// Check a PNG on disk: decodes, has the expected size, is not a blank canvas.
pub fn check_png(path: &Path, size: (u32, u32)) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (w, h, colours) = png_info(&bytes);
    assert_eq!((w, h), size, "{}", path.display());
    assert!(colours > 1, "{} is a single colour", path.display());
}

/// Check an SVG on disk parses as XML, is an <svg> of the expected size and draws something.
pub fn check_svg(path: &Path, size: (u32, u32)) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", path.display());
    let attr = |a: &str| {
        root.attribute(a)
            .and_then(|v| v.trim_end_matches("px").parse::<u32>().ok())
    };
    assert_eq!(
        (attr("width"), attr("height")),
        (Some(size.0), Some(size.1)),
        "{}",
        path.display()
    );
    let shapes = root
        .descendants()
        .filter(|n| {
            matches!(
                n.tag_name().name(),
                "rect" | "polyline" | "circle" | "line" | "path" | "text"
            )
        })
        .count();
    assert!(shapes > 10, "{}: only {shapes} shapes", path.display());
}

/// Every `![caption](file.png)` of a Markdown document with the size stated after it
/// ("(W×H px; …)").
pub fn figures_in_markdown(md: &str) -> Vec<(String, (u32, u32))> {
    let mut out = Vec::new();
    let lines: Vec<&str> = md.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("![") {
            let path = rest
                .rsplit_once("](")
                .map(|(_, p)| p.trim_end_matches(')').to_string())
                .unwrap();
            let stated = lines[i + 2];
            let dims = stated
                .rsplit_once(" (")
                .map(|(_, d)| d)
                .and_then(|d| d.split_once(" px"))
                .map(|(d, _)| d)
                .unwrap();
            let (w, h) = dims.split_once('×').unwrap();
            out.push((path, (w.parse().unwrap(), h.parse().unwrap())));
        }
    }
    out
}

/// Everything under `dir`, relative paths, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

/// A run directory shaped like the one `emergent run` writes (see `emergent_runner`), built
/// by hand so these tests do not depend on the simulator: quickstart's scenario, a
/// heavy-tailed feature table, attributions of three indicators, an indicators.csv with
/// undefined cells and a manifest with LLM statistics.
pub fn fake_run(dir: &Path) {
    use emergent_attribution::{Options, attribute, tier_shares};
    std::fs::create_dir_all(dir).unwrap();
    let scenario = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/quickstart.toml"),
    )
    .unwrap();
    std::fs::write(dir.join("scenario.toml"), &scenario).unwrap();
    let table = population(2_000, 5);
    let cols: Vec<(String, &[f64])> = table
        .column_names()
        .iter()
        .map(|c| (c.clone(), table.column(c).unwrap()))
        .collect();
    emergent_io::write_table(
        &dir.join("features.parquet"),
        "agent_id",
        table.ids(),
        &cols,
    )
    .unwrap();
    let mut indicators = Vec::new();
    for (name, expr, base) in [
        ("polarization", "var(posts)", Baseline::Mean),
        (
            "engagement_inequality",
            "gini(replies + posts)",
            Baseline::Mean,
        ),
        ("conversation", "mean(posts)*mean(replies)", Baseline::Zero),
    ] {
        let a = attribute(
            &table,
            &Indicator::parse(expr).unwrap(),
            &base,
            &Options::default(),
        )
        .unwrap();
        let mut order: Vec<usize> = (0..table.len()).collect();
        order.sort_by(|&i, &j| a.phi[j].abs().total_cmp(&a.phi[i].abs()));
        let top: Vec<serde_json::Value> = order[..10]
            .iter()
            .map(|&i| {
                serde_json::json!({
                    "agent_id": table.ids().label(i),
                    "phi": a.phi[i],
                    "share": a.phi[i] / a.sum_phi,
                    "features": table.column_names().iter().map(|c| (c.clone(), table.column(c).unwrap()[i])).collect::<Vec<_>>(),
                })
            })
            .collect();
        indicators.push(serde_json::json!({
            "name": name, "expr": expr, "baseline": base.name(), "value": a.value, "baseline_value": a.baseline_value,
            "sum_phi": a.sum_phi, "completeness_gap": a.completeness_gap, "method": a.method.name(), "steps": a.steps,
            "tier_by": "followers", "tiers": tier_shares(&a.phi, table.column("followers").unwrap(), &[0.01, 0.1]),
            "top_agents": top, "error": null,
        }));
    }
    std::fs::write(
        dir.join("attribution.json"),
        serde_json::to_string_pretty(&serde_json::json!({ "indicators": indicators })).unwrap(),
    )
    .unwrap();
    let mut csv = String::from("tick,polarization,engagement_inequality,conversation\n");
    for t in 0..30 {
        let gini = if t < 3 {
            String::new()
        } else {
            format!("{}", 0.2 + 0.01 * t as f64)
        };
        csv.push_str(&format!(
            "{t},{},{gini},{}\n",
            0.4 - 0.005 * t as f64,
            0.1 * t as f64
        ));
    }
    std::fs::write(dir.join("indicators.csv"), csv).unwrap();
    let manifest = serde_json::json!({
        "counts": { "actions": { "post": 6656, "reply": 1291, "like": 18591 }, "agents": 2000, "ticks": 29, "recorded_ticks": 30 },
        "emergent_version": "0.1.0", "git_commit": "abc123", "overrides": ["population.agents=2000"],
        "policy": { "name": "llm", "stats": { "calls": 412, "prompt_tokens": 91234, "completion_tokens": 8812, "fallbacks": 7 } },
        "scenario_file": "scenarios/quickstart.toml", "seed": 42, "timings": { "wall_seconds": 1.25 },
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
}
