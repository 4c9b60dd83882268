//! [`Document`] → one self-contained HTML page: inline CSS, figures as `data:` URIs, no
//! scripts and nothing fetched from anywhere, so the file can be mailed or archived as is.

use base64::Engine;

use crate::doc::{Block, Document, Span, Table};

const STYLE: &str = "\
body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}\
h1,h2,h3,h4{line-height:1.2}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}\
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}\
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right;vertical-align:top}\
th:first-child,td:first-child{text-align:left}th{background:#f2f2f2}\
code{font-family:'DejaVu Sans Mono',monospace;background:#f4f4f4;padding:0 .2rem;border-radius:3px}\
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.85rem;color:#555}";

pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&doc.title)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", escape(&doc.title)));
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let l = (*level).clamp(2, 6);
                out.push_str(&format!("<h{l}>{}</h{l}>\n", escape(text)));
            }
            Block::Paragraph(spans) => out.push_str(&format!("<p>{}</p>\n", spans_html(spans))),
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", spans_html(item)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => table(&mut out, t),
            Block::Figure(f) => {
                let data = base64::engine::general_purpose::STANDARD.encode(&f.image.png);
                out.push_str(&format!(
                    "<figure>\n<img alt=\"{alt}\" width=\"{w}\" height=\"{h}\" src=\"data:image/png;base64,{data}\">\n<figcaption>{alt} ({w}×{h} px; files <code>{png}</code>, <code>{svg}</code>)</figcaption>\n</figure>\n",
                    alt = escape(&f.caption),
                    w = f.image.width,
                    h = f.image.height,
                    png = escape(&f.png_path),
                    svg = escape(&f.svg_path()),
                ));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn table(out: &mut String, t: &Table) {
    out.push_str("<table>\n<thead><tr>");
    for h in &t.header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!(
                "<td>{}</td>",
                spans_html(std::slice::from_ref(cell))
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn spans_html(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => escape(t),
            Span::Code(c) => format!("<code>{}</code>", escape(c)),
            Span::Strong(t) => format!("<strong>{}</strong>", escape(t)),
        })
        .collect()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Table, code};

    #[test]
    fn text_is_escaped_and_the_page_has_no_scripts() {
        let mut t = Table::new(&["a<b", "c"]);
        t.row_spans(vec![code("x & y"), crate::doc::text("\"q\"")]);
        let html = render(&Document {
            title: "<t>".into(),
            blocks: vec![Block::Table(t)],
        });
        assert!(html.contains("<title>&lt;t&gt;</title>"));
        assert!(html.contains("<th>a&lt;b</th>"));
        assert!(html.contains("<td><code>x &amp; y</code></td><td>&quot;q&quot;</td>"));
        assert!(!html.contains("<script"));
    }
}
