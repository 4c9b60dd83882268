//! The suite's results as a page: `validation.md` (a summary table, then each check with its
//! citation, published and measured numbers and figures) and `validation/<figure>.png|.svg`.
//! Every file is written to a temporary sibling, then renamed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use emergent_io::atomic_write_bytes;
use emergent_report::plot::{XyChart, render};

use crate::{Check, Figure, Settings, ValidateError, known_gap};

/// Folder of the figures, next to `validation.md`.
pub const FIGURE_DIR: &str = "validation";

/// What [`write_validation`] wrote.
#[derive(Debug, Clone)]
pub struct ValidationFiles {
    pub markdown: PathBuf,
    pub figures: Vec<PathBuf>,
}

/// Write `checks` under `out` (created if missing).
pub fn write_validation(
    out: &Path,
    checks: &[Check],
    settings: &Settings,
) -> Result<ValidationFiles, ValidateError> {
    let write_err = |path: &Path, why: String| ValidateError::Write {
        path: path.to_path_buf(),
        why,
    };
    let fig_dir = out.join(FIGURE_DIR);
    std::fs::create_dir_all(&fig_dir).map_err(|e| write_err(&fig_dir, e.to_string()))?;
    let mut figures = Vec::new();
    for f in checks.iter().flat_map(|c| &c.figures) {
        let drawn = render(&f.name, &chart(f))
            .map_err(|e| ValidateError::Figure(f.name.clone(), e.to_string()))?;
        for (ext, bytes) in [("png", drawn.png.as_slice()), ("svg", drawn.svg.as_bytes())] {
            let path = fig_dir.join(format!("{}.{ext}", f.name));
            atomic_write_bytes(&path, bytes).map_err(|e| write_err(&path, e.to_string()))?;
            figures.push(path);
        }
    }
    let markdown = out.join("validation.md");
    atomic_write_bytes(&markdown, page(checks, settings).as_bytes())
        .map_err(|e| write_err(&markdown, e.to_string()))?;
    Ok(ValidationFiles { markdown, figures })
}

fn chart(f: &Figure) -> XyChart {
    XyChart {
        title: f.title.clone(),
        x_label: f.x_label.clone(),
        y_label: f.y_label.clone(),
        log_x: f.log_x,
        log_y: f.log_y,
        curves: f.curves.clone(),
    }
}

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown page.
pub(crate) fn page(checks: &[Check], settings: &Settings) -> String {
    let passed = checks.iter().filter(|c| c.pass).count();
    let mut md = String::new();
    let size = if settings.quick { "quick (CI)" } else { "full" };
    let _ = writeln!(
        md,
        "# Validation\n\nWritten by `emergent validate{}` (seed {}, {size} size): {passed} of {} \
         results reproduced. Each result below runs the engine's own policy configured as the \
         published model, unless it says otherwise; regenerate this page with `emergent \
         validate --out docs` (full size) or check it quickly with `emergent validate \
         --quick`.\n",
        if settings.quick { " --quick" } else { "" },
        settings.seed,
        checks.len()
    );
    md.push_str("| result | published | ours | reproduced |\n|---|---|---|---|\n");
    for c in checks {
        let _ = writeln!(
            md,
            "| [{}](#{}) | {} | {} | {} |",
            cell(&c.title),
            c.id,
            cell(&c.published),
            cell(&c.ours),
            match (c.pass, known_gap(c)) {
                (true, _) => "yes",
                (false, Some(_)) => "**no** (known gap)",
                (false, None) => "**no**",
            }
        );
    }
    for c in checks {
        let _ = writeln!(
            md,
            "\n<a id=\"{}\"></a>\n## {}\n\n*{}*\n\n- **Published:** {}\n- **Ours:** {}\n- \
             **Reproduced:** {}\n- **Our model vs the published one:** {}\n",
            c.id,
            c.title,
            c.citation,
            c.published,
            c.ours,
            match (c.pass, known_gap(c)) {
                (true, _) => "yes".to_string(),
                (false, Some(why)) => format!("no — a known gap: {why}"),
                (false, None) => "no".to_string(),
            },
            c.notes
        );
        for f in &c.figures {
            let _ = writeln!(md, "![{}]({FIGURE_DIR}/{}.svg)\n", f.title, f.name);
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Curve, CurveStyle};

    #[test]
    fn writes_the_page_and_both_encodings_of_each_figure() {
        let dir = tempfile::tempdir().expect("temp dir");
        let check = Check {
            id: "demo".into(),
            title: "Demo | result".into(),
            citation: "Someone (2000)".into(),
            published: "1".into(),
            ours: "1.01".into(),
            notes: "the same".into(),
            pass: false,
            figures: vec![Figure {
                name: "demo-fig".into(),
                title: "demo".into(),
                x_label: "x".into(),
                y_label: "y".into(),
                log_x: false,
                log_y: false,
                curves: vec![Curve {
                    name: "ours".into(),
                    points: vec![(0.0, 1.0), (1.0, 2.0)],
                    style: CurveStyle::Line,
                }],
            }],
        };
        let files = write_validation(dir.path(), &[check], &Settings::default()).expect("writes");
        let md = std::fs::read_to_string(&files.markdown).expect("page");
        assert!(md.contains("0 of 1 results reproduced"), "{md}");
        assert!(
            md.contains("Demo \\| result") && md.contains("**no**"),
            "{md}"
        );
        assert!(md.contains("validation/demo-fig.svg"));
        assert_eq!(files.figures.len(), 2);
        assert!(files.figures.iter().all(|f| f.exists()));
    }
}
