//! [`Document`] → GitHub-flavoured Markdown. Figures link to their PNG files next to the
//! document; tables are pipe tables with numeric columns right-aligned.

use crate::doc::{Block, Document, Span, Table};

pub fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n", escape(&doc.title));
    for block in &doc.blocks {
        out.push('\n');
        match block {
            Block::Heading { level, text } => {
                out.push_str(&format!(
                    "{} {}\n",
                    "#".repeat((*level).clamp(2, 6) as usize),
                    escape(text)
                ));
            }
            Block::Paragraph(spans) => {
                out.push_str(&spans_md(spans));
                out.push('\n');
            }
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", spans_md(item)));
                }
            }
            Block::Table(t) => table(&mut out, t),
            Block::Figure(f) => {
                out.push_str(&format!(
                    "![{}]({})\n\n*{}* ({}×{} px; vector version: {})\n",
                    escape(&f.caption),
                    f.png_path,
                    escape(&f.caption),
                    f.image.width,
                    f.image.height,
                    code_md(&f.svg_path())
                ));
            }
        }
    }
    out
}

fn table(out: &mut String, t: &Table) {
    let cell = |s: String| s.replace('|', "\\|").replace('\n', " ");
    out.push_str(&format!(
        "| {} |\n",
        t.header
            .iter()
            .map(|h| cell(escape(h)))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    let align: Vec<&str> = (0..t.header.len())
        .map(|i| if i == 0 { ":---" } else { "---:" })
        .collect();
    out.push_str(&format!("| {} |\n", align.join(" | ")));
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|s| cell(spans_md(std::slice::from_ref(s))))
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

fn spans_md(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => escape(t),
            Span::Code(c) => code_md(c),
            Span::Strong(t) => format!("**{}**", escape(t)),
        })
        .collect()
}

/// Backtick-quote code, using a longer fence when the code itself holds backticks.
fn code_md(c: &str) -> String {
    let fence = if c.contains('`') { "``" } else { "`" };
    let pad = if c.starts_with('`') || c.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{c}{pad}{fence}")
}

/// Escape the characters Markdown would read as markup.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{code, text};

    #[test]
    fn markup_in_text_is_escaped_and_code_is_quoted() {
        let mut t = Table::new(&["indicator", "share"]);
        t.row_spans(vec![code("mean(a)*mean(b)"), text("a|b")]);
        let doc = Document {
            title: "x_y".into(),
            blocks: vec![Block::text("2*3 <b>"), Block::Table(t)],
        };
        let md = render(&doc);
        assert!(md.starts_with("# x\\_y\n"), "{md}");
        assert!(md.contains("2\\*3 \\<b\\>"), "{md}");
        assert!(md.contains("| `mean(a)*mean(b)` | a\\|b |"), "{md}");
        assert!(md.contains("| :--- | ---: |"), "{md}");
    }
}
