//! `write_report`: a run directory → `report.md`, `report.html` and the report's plots.

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{MANIFEST, REPORT_HTML, REPORT_MD, RunDirLock};

use crate::error::ReportError;
use crate::output::Outputs;
use crate::report_doc::run_report;
use crate::run_dir::RunInputs;
use crate::{html, markdown};

/// What `write_report` wrote.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub plots: Vec<PathBuf>,
    /// Whether a study (`study/study.json`) was found and included.
    pub with_study: bool,
}

/// Read the run directory, render the report in memory, then write `report.md`,
/// `report.html` (self-contained) and `plots/indicators.{png,svg}`.
pub fn write_report(run_dir: &Path) -> Result<ReportFiles, ReportError> {
    // Not while a run (or another command) writes into the directory.
    let _lock = match run_dir.join(MANIFEST).is_file() {
        true => Some(RunDirLock::acquire(run_dir, "emergent report")?),
        false => None,
    };
    let run = RunInputs::read(run_dir)?;
    let report = run_report(&run)?;
    let mut out = Outputs::default();
    let mut plots = Vec::new();
    for f in report.doc.figures().take(report.own_figures) {
        out.add_figure(run_dir, f);
        plots.extend([run_dir.join(&f.png_path), run_dir.join(f.svg_path())]);
    }
    let (md, html_path) = (run_dir.join(REPORT_MD), run_dir.join(REPORT_HTML));
    out.add(md.clone(), markdown::render(&report.doc));
    out.add(html_path.clone(), html::render(&report.doc));
    out.commit()?;
    Ok(ReportFiles {
        markdown: md,
        html: html_path,
        plots,
        with_study: run.study.is_some(),
    })
}
