//! `write_report`: a run directory (or an import directory) → `report.md`, `report.html`
//! and the report's plots.

use std::path::{Path, PathBuf};

use emergent_io::run_dir::{MANIFEST, REPORT_HTML, REPORT_MD, RunDirLock};

use crate::error::ReportError;
use crate::import_dir::{ImportInputs, is_import_dir};
use crate::import_doc::import_report;
use crate::output::Outputs;
use crate::report_doc::{RunReport, run_report};
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
    /// Whether the directory was an import (`import.json`, no `manifest.json`) rather than a run.
    pub import: bool,
}

/// Read the run directory, render the report in memory, then write `report.md`,
/// `report.html` (self-contained) and `plots/indicators.{png,svg}`. An import directory
/// (`emergent import oasis|bluesky`: `import.json` and no `manifest.json`) gets the report
/// its data supports: the import's summary, feature distributions, the follow graph, the
/// features over time when it has ticks, and its study.
pub fn write_report(run_dir: &Path) -> Result<ReportFiles, ReportError> {
    if is_import_dir(run_dir) {
        let imp = ImportInputs::read(run_dir)?;
        let with_study = imp.study.is_some();
        return write_files(run_dir, import_report(&imp)?, with_study, true);
    }
    // Not while a run (or another command) writes into the directory.
    let _lock = match run_dir.join(MANIFEST).is_file() {
        true => Some(RunDirLock::acquire(run_dir, "emergent report")?),
        false => None,
    };
    let run = RunInputs::read(run_dir)?;
    let with_study = run.study.is_some();
    write_files(run_dir, run_report(&run)?, with_study, false)
}

fn write_files(
    run_dir: &Path,
    report: RunReport,
    with_study: bool,
    import: bool,
) -> Result<ReportFiles, ReportError> {
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
        with_study,
        import,
    })
}
