//! A small document model — headings, paragraphs, lists, tables, figures — so one
//! description of a study or run renders to Markdown and to HTML that say the same thing.

use crate::plot::Rendered;

/// A titled sequence of blocks.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub enum Block {
    /// Level 2 and deeper (the document title is level 1).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(Vec<Span>),
    List(Vec<Vec<Span>>),
    Table(Table),
    Figure(Figure),
}

/// Inline text: plain, code (expressions, file names), or emphasised.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    Code(String),
    Strong(String),
}

/// A table whose first column is a label and whose other columns are (mostly) numbers.
#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Span>>,
}

/// A plot, with the path (relative to the document) its PNG is written to; the SVG sits
/// next to it with the same stem.
#[derive(Debug, Clone)]
pub struct Figure {
    pub png_path: String,
    pub caption: String,
    pub image: Rendered,
}

impl Figure {
    pub fn svg_path(&self) -> String {
        match self.png_path.strip_suffix(".png") {
            Some(stem) => format!("{stem}.svg"),
            None => format!("{}.svg", self.png_path),
        }
    }
}

pub fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

pub fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

pub fn strong(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}

impl Block {
    pub fn heading(level: u8, text: impl Into<String>) -> Block {
        Block::Heading {
            level,
            text: text.into(),
        }
    }

    pub fn para(spans: Vec<Span>) -> Block {
        Block::Paragraph(spans)
    }

    pub fn text(s: impl Into<String>) -> Block {
        Block::Paragraph(vec![text(s)])
    }
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row of plain-text cells.
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        self.rows.push(cells.into_iter().map(Span::Text).collect());
    }

    /// Append a row of cells that may mix code and text.
    pub fn row_spans(&mut self, cells: Vec<Span>) {
        self.rows.push(cells);
    }
}

impl Document {
    /// Every figure in the document, in order.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Figure(f) => Some(f),
            _ => None,
        })
    }
}
