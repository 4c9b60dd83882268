//! `write_study`: a study as `study.json`, `study.md` and `plots/*.{png,svg}`.

use std::path::{Path, PathBuf};

use emergent_study::Study;

use crate::doc::{Block, Document};
use crate::error::ReportError;
use crate::markdown;
use crate::output::Outputs;
use crate::study_data::StudyData;
use crate::study_doc::study_blocks;

/// Where a study's plots go, relative to its folder.
pub const PLOT_DIR: &str = "plots";

/// Write `study` into `dir` (created if needed): `study.json` with every number,
/// `study.md` with the tables, and per indicator four plots as PNG and SVG under
/// `plots/`. Returns the files written.
pub fn write_study(dir: &Path, study: &Study) -> Result<Vec<PathBuf>, ReportError> {
    let json_path = dir.join("study.json");
    let json = serde_json::to_string_pretty(study)
        .map_err(|e| ReportError::input(&json_path, format!("cannot serialise the study: {e}")))?;
    // Render from the JSON, not the struct: what the document shows is what the file holds.
    let data: StudyData = serde_json::from_str(&json).map_err(|e| {
        ReportError::input(&json_path, format!("the study does not read back: {e}"))
    })?;
    let doc = study_document(&data)?;
    let mut out = Outputs::default();
    for f in doc.figures() {
        out.add_figure(dir, f);
    }
    out.add(dir.join("study.md"), markdown::render(&doc));
    out.add(json_path, json);
    out.commit()
}

/// The study as a standalone document.
pub fn study_document(data: &StudyData) -> Result<Document, ReportError> {
    let mut blocks = study_blocks(data, 2, PLOT_DIR)?;
    blocks.push(files_note());
    Ok(Document {
        title: "Attribution study: full population vs panels".into(),
        blocks,
    })
}

fn files_note() -> Block {
    Block::text(
        "Every number above is in study.json next to this file, together with each panel's agents and per-seed results; the plots are in plots/ as PNG and SVG.",
    )
}
