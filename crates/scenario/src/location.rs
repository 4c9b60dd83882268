//! Where a setting is: key paths into the scenario and their `line:column` in the file's text.

/// One step of a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySeg {
    /// Table key.
    Key(&'static str),
    /// Array index.
    Index(usize),
}

/// A semantic problem found by validation: the key path it is about, and what is wrong.
pub type Problem = (Vec<KeySeg>, String);

/// The key path `keys` (table keys only), for a section's problems.
pub(crate) fn keys(keys: &[&'static str]) -> Vec<KeySeg> {
    keys.iter().map(|&k| KeySeg::Key(k)).collect()
}

/// Collects the problems of one section: `check(ok, path, message)` records `message` at
/// `path` when `ok` is false, in the order the checks are made (the first one is shown).
#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<Problem>);

impl Problems {
    /// Record `message` at the key path `path` unless `ok`.
    pub(crate) fn check(&mut self, ok: bool, path: &[&'static str], message: String) {
        if !ok {
            self.0.push((keys(path), message));
        }
    }

    /// A real number in `[lo, hi]`: finite, so NaN and infinities are refused too. The
    /// message says the allowed range.
    pub(crate) fn real(&mut self, path: &[&'static str], v: f64, lo: f64, hi: f64) {
        self.check(
            (lo..=hi).contains(&v),
            path,
            format!(
                "must be a number in [{}, {}], got {}",
                show(lo),
                show(hi),
                show(v)
            ),
        );
    }

    /// A real number in `(lo, hi]`: strictly above `lo` (a price, a rate, a time).
    pub(crate) fn real_above(&mut self, path: &[&'static str], v: f64, lo: f64, hi: f64) {
        self.check(
            v > lo && v <= hi,
            path,
            format!(
                "must be a number in ({}, {}], got {}",
                show(lo),
                show(hi),
                show(v)
            ),
        );
    }

    /// A probability: a number in `[0, 1]`.
    pub(crate) fn probability(&mut self, path: &[&'static str], v: f64) {
        self.check(
            (0.0..=1.0).contains(&v),
            path,
            format!(
                "is a probability, must be a number in [0, 1], got {}",
                show(v)
            ),
        );
    }

    /// A count in `[lo, hi]`; the message says which bound is crossed, and the range.
    pub(crate) fn count(&mut self, path: &[&'static str], v: u64, lo: u64, hi: u64) {
        let bound = if v < lo {
            format!("at least {lo}")
        } else {
            format!("at most {hi}")
        };
        self.check(
            (lo..=hi).contains(&v),
            path,
            format!("must be {bound} (an integer in [{lo}, {hi}]), got {v}"),
        );
    }
}

/// A number as a message shows it: `1e308`, not 309 digits.
fn show(v: f64) -> String {
    let a = v.abs();
    if a.is_finite() && a != 0.0 && !(1e-4..1e9).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// `a.b[2].c`: a key path as users write it in `--set`.
pub fn path_string(path: &[KeySeg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            KeySeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            KeySeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Line and column of the value at `path`, or of its nearest present
/// ancestor (e.g. the table header when a defaulted key is wrong), or 1:1.
pub fn locate(text: &str, path: &[KeySeg]) -> (usize, usize) {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return (1, 1);
    };
    let mut best = None;
    let mut cur: Option<&toml::Spanned<toml::de::DeValue<'_>>> = None;
    for (depth, seg) in path.iter().enumerate() {
        let next = match (seg, cur, depth) {
            (KeySeg::Key(k), None, 0) => doc.get_ref().get(*k),
            (KeySeg::Key(k), Some(v), _) => v.get_ref().get(*k),
            (KeySeg::Index(i), Some(v), _) => v.get_ref().get(*i),
            _ => None,
        };
        match next {
            Some(v) => {
                best = Some(v.span().start);
                cur = Some(v);
            }
            None => break,
        }
    }
    best.map_or((1, 1), |at| line_col(text, at))
}
