//! `experiment.md` and `experiment.html` of an experiment directory (`emergent experiment`):
//! per indicator, the trajectories of every arm with their bands, the paired effect of every
//! treated arm at the horizon with its interval, and which agents carried it.

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{
    self, ArmEffect, ArmTrajectory, EXPERIMENT_HTML, EXPERIMENT_JSON, EXPERIMENT_MD, Estimate,
    ExperimentFile, ExperimentIndicator, PLOTS_DIR,
};

use crate::doc::{Block, Document, Figure, Table, code, strong, text};
use crate::error::ReportError;
use crate::fmt::{UNDEFINED, num, pct, sci, slug};
use crate::output::Outputs;
use crate::plot::{Curve, CurveStyle, XyChart, render};
use crate::{html, markdown};

/// What [`write_experiment_report`] wrote.
#[derive(Debug, Clone)]
pub struct ExperimentReportFiles {
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub plots: Vec<PathBuf>,
}

/// Read `experiment.json` in `dir` and write `experiment.md`, `experiment.html`
/// (self-contained) and `plots/experiment-<indicator>.{png,svg}`.
pub fn write_experiment_report(dir: &Path) -> Result<ExperimentReportFiles, ReportError> {
    let file: ExperimentFile = run_dir::read_json(&dir.join(EXPERIMENT_JSON))?;
    let doc = experiment_document(&file)?;
    let mut out = Outputs::default();
    let mut plots = Vec::new();
    for f in doc.figures() {
        out.add_figure(dir, f);
        plots.extend([dir.join(&f.png_path), dir.join(f.svg_path())]);
    }
    let (md, html_path) = (dir.join(EXPERIMENT_MD), dir.join(EXPERIMENT_HTML));
    out.add(md.clone(), markdown::render(&doc));
    out.add(html_path.clone(), html::render(&doc));
    out.commit()?;
    Ok(ExperimentReportFiles {
        markdown: md,
        html: html_path,
        plots,
    })
}

/// The experiment as a document.
pub fn experiment_document(e: &ExperimentFile) -> Result<Document, ReportError> {
    let mut blocks = vec![Block::para(vec![
        text("Scenario "),
        code(&e.scenario_file),
        text(format!(
            " (seed {}: the same world in every run), {} arms × {} replicates; the control arm is \
             {}. Replicate r uses \
             the same noise seed in every arm (common random numbers), so a treated arm and the \
             control differ within a replicate only by what the arm's interventions did; the \
             effect is the paired difference treated − control, its interval the 95 % Student t \
             over replicates. Bands are the 95 % t-interval of the mean over replicates.",
            e.seed,
            e.arms.len(),
            e.replicates,
            e.control,
        )),
    ])];
    let mut arms = Table::new(&["arm", "interventions file", "extra interventions", "runs"]);
    for a in &e.arms {
        arms.row_spans(vec![
            text(&a.name),
            match &a.file {
                Some(f) => code(f),
                None => text("none"),
            },
            text(a.interventions.to_string()),
            code(format!(
                "{}/",
                a.runs.first().map_or("", |r| r.trim_end_matches("/r0"))
            )),
        ]);
    }
    blocks.push(Block::Table(arms));
    for ind in &e.indicators {
        indicator_blocks(&mut blocks, e, ind)?;
    }
    Ok(Document {
        title: format!("Experiment: {}", e.scenario),
        blocks,
    })
}

fn indicator_blocks(
    blocks: &mut Vec<Block>,
    e: &ExperimentFile,
    ind: &ExperimentIndicator,
) -> Result<(), ReportError> {
    blocks.push(Block::heading(2, &ind.name));
    blocks.push(Block::para(vec![code(&ind.expr)]));
    blocks.push(Block::Figure(banded_figure(ind, &ind.trajectories, false)?));
    blocks.push(Block::Figure(banded_figure(ind, &ind.differences, true)?));
    let mut t = Table::new(&[
        "arm",
        "value at the horizon (mean)",
        "95 % interval",
        "effect vs control (paired)",
        "95 % interval",
    ]);
    for h in &ind.horizon {
        let effect = ind.effects.iter().find(|x| x.arm == h.arm);
        t.row([
            h.arm.clone(),
            num(Some(h.value.mean)),
            interval(&h.value),
            effect.map_or(UNDEFINED.into(), |x| num(Some(x.effect.mean))),
            effect.map_or(UNDEFINED.into(), |x| interval(&x.effect)),
        ]);
    }
    blocks.push(Block::Table(t));
    for x in &ind.effects {
        carried_blocks(blocks, e, x);
    }
    Ok(())
}

/// `[low, high]`, or a dash when undefined.
fn interval(x: &Estimate) -> String {
    match x.low.is_finite() && x.high.is_finite() {
        true => format!("[{}, {}]", num(Some(x.low)), num(Some(x.high))),
        false => UNDEFINED.into(),
    }
}

fn carried_blocks(blocks: &mut Vec<Block>, e: &ExperimentFile, x: &ArmEffect) {
    blocks.push(Block::heading(
        3,
        format!("Who carried the effect of {}", x.arm),
    ));
    let Some(c) = &x.carried else {
        blocks.push(Block::text(x.error.clone().unwrap_or_default()));
        return;
    };
    blocks.push(Block::para(vec![
        text(format!(
            "The arm's indicator attributed to agents with the control run's features of the \
             same replicate as the baseline (Σφ = the paired effect; method {}, largest \
             completeness gap {}); φ is the mean over the {} replicates, in ",
            c.method.as_deref().unwrap_or("?"),
            sci(Some(c.completeness_gap)),
            e.replicates
        )),
        code(&c.phi_file),
        text("."),
    ]));
    if let Some(by) = &c.tier_by {
        let head = format!("tier (by the control arm's {by})");
        let mut t = Table::new(&[
            head.as_str(),
            "agents",
            "Σφ (mean)",
            "Σφ 95 % interval",
            "share of the effect",
        ]);
        for tier in &c.tiers {
            t.row([
                tier.name.clone(),
                tier.agents.to_string(),
                num(Some(tier.phi_sum.mean)),
                interval(&tier.phi_sum),
                pct(Some(tier.share)),
            ]);
        }
        blocks.push(Block::Table(t));
    }
    let mut top = Table::new(&["agent", "φ (mean over replicates)"]);
    for a in &c.top_agents {
        top.row([a.agent_id.clone(), num(Some(a.phi))]);
    }
    blocks.push(Block::para(vec![strong("Largest |φ|:")]));
    blocks.push(Block::Table(top));
}

/// Every arm's mean trajectory (or every treated arm's paired difference with the control),
/// its band dashed in the same colour.
fn banded_figure(
    ind: &ExperimentIndicator,
    series: &[ArmTrajectory],
    differences: bool,
) -> Result<Figure, ReportError> {
    let points = |ticks: &[u32], v: &[f64]| -> Vec<(f64, f64)> {
        ticks.iter().zip(v).map(|(&t, &y)| (t as f64, y)).collect()
    };
    let mut curves = Vec::new();
    for t in series {
        curves.push(Curve {
            name: t.arm.clone(),
            points: points(&t.ticks, &t.mean),
            style: CurveStyle::Line,
        });
        for bound in [&t.low, &t.high] {
            curves.push(Curve {
                name: format!("{} band", t.arm),
                points: points(&t.ticks, bound),
                style: CurveStyle::Band,
            });
        }
    }
    let (title, stem, caption) = match differences {
        false => (
            ind.name.clone(),
            "experiment-arms",
            format!(
                "{} per arm: mean over replicates (solid) and its 95 % band (dashed)",
                ind.name
            ),
        ),
        true => (
            format!("{}: treated − control", ind.name),
            "experiment-effect",
            format!(
                "{}, treated − control of the same replicate: mean (solid) and its 95 % band (dashed)",
                ind.name
            ),
        ),
    };
    let chart = XyChart {
        title,
        x_label: "tick".into(),
        y_label: ind.name.clone(),
        log_x: false,
        log_y: false,
        curves,
    };
    let name = format!("{stem}-{}", slug(&ind.name));
    Ok(Figure {
        png_path: format!("{PLOTS_DIR}/{name}.png"),
        caption,
        image: render(&name, &chart)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_io::run_dir::{ArmValue, ExperimentArm};

    fn estimate(mean: f64) -> Estimate {
        Estimate {
            mean,
            std_error: 0.1,
            low: mean - 0.2,
            high: mean + 0.2,
        }
    }

    fn experiment() -> ExperimentFile {
        let traj = |arm: &str, v: f64| ArmTrajectory {
            arm: arm.into(),
            ticks: vec![0, 1, 2],
            mean: vec![v; 3],
            low: vec![v - 0.1; 3],
            high: vec![v + 0.1; 3],
        };
        ExperimentFile {
            scenario_file: "<script>alert(1)</script>.toml".into(),
            scenario: "s".into(),
            overrides: Vec::new(),
            seed: 1,
            replicates: 2,
            noise_seeds: vec![None, Some(7)],
            control: "control".into(),
            arms: ["control", "ban"]
                .map(|a| ExperimentArm {
                    name: a.into(),
                    file: None,
                    interventions: 0,
                    runs: vec![format!("arms/{a}/r0"), format!("arms/{a}/r1")],
                })
                .to_vec(),
            indicators: vec![ExperimentIndicator {
                name: "polarization".into(),
                expr: "var(stance)".into(),
                trajectories: vec![traj("control", 1.0), traj("ban", 0.8)],
                differences: vec![traj("ban", -0.2)],
                horizon: vec![
                    ArmValue {
                        arm: "control".into(),
                        value: estimate(1.0),
                        per_replicate: vec![0.9, 1.1],
                    },
                    ArmValue {
                        arm: "ban".into(),
                        value: estimate(0.75),
                        per_replicate: vec![0.7, 0.8],
                    },
                ],
                effects: vec![ArmEffect {
                    arm: "ban".into(),
                    effect: estimate(-0.25),
                    per_replicate: vec![-0.1, -0.3],
                    carried: None,
                    error: Some("not attributed: why".into()),
                }],
            }],
        }
    }

    #[test]
    fn the_page_shows_both_figures_escapes_user_strings_and_says_why_nothing_was_attributed() {
        let doc = experiment_document(&experiment()).unwrap();
        assert_eq!(doc.figures().count(), 2);
        let page = html::render(&doc);
        assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"));
        let md = markdown::render(&doc);
        assert!(md.contains("not attributed: why"), "{md}");
        let ban = md
            .lines()
            .find(|l| l.starts_with("| ban | 0.7500"))
            .unwrap();
        assert!(ban.contains("-0.2500") && ban.contains("-0.4500"), "{ban}");
    }
}
