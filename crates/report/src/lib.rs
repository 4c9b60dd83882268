//! Studies and run reports as files a paper can use: Markdown with tables readable on their
//! own, a self-contained HTML page (CSS inline, images as `data:` URIs, no network), and
//! every plot as PNG and SVG drawn with fonts compiled into the binary.
//!
//! - [`write_study`]: an [`emergent_study::Study`] → `study.json`, `study.md`, `plots/`.
//! - [`write_report`]: a run directory → `report.md`, `report.html`, `plots/`, including
//!   the study when `RUN_DIR/study/study.json` exists and the static-vs-dynamic comparison
//!   when `dynamic_attribution.json` does; an import directory (`import.json`, from
//!   `emergent import oasis|bluesky`) → the report its dataset supports.
//!
//! Everything is rendered in memory and written atomically afterwards, so bad input
//! produces an error naming the file and no partial outputs.

mod cascade_doc;
mod distilled_doc;
pub mod doc;
mod dynamic_doc;
mod error;
mod experiment_doc;
pub mod fmt;
mod game_doc;
pub mod graph;
pub mod html;
mod import_dir;
mod import_doc;
pub mod markdown;
mod market_doc;
pub mod opinions;
mod output;
pub mod plot;
mod report_doc;
mod report_files;
mod run_dir;
pub mod study_data;
mod study_doc;
mod study_files;

pub use error::ReportError;
pub use experiment_doc::{ExperimentReportFiles, experiment_document, write_experiment_report};
pub use plot::Rendered;
pub use report_files::{ReportFiles, write_report};
pub use study_files::{PLOT_DIR, study_document, write_study};
