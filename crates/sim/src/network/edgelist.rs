//! Follow graphs read from text: one `src,dst` (or tab/space separated) pair
//! per line, optional header, `#` comments. Errors point at line and column so
//! a user can fix a large file.

use thiserror::Error;

use super::graph::Network;

/// A malformed edge list, located by 1-based line and column.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{file}:{line}:{column}: {message}")]
pub struct EdgeListError {
    /// File name as given by the user.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse an edge list. If `n_agents` is given, every id must be below it and
/// the graph has exactly that many nodes; otherwise it has `max id + 1`.
/// A first line whose first field is not a number is taken as a header.
pub fn parse_edge_list(
    text: &str,
    file: &str,
    n_agents: Option<usize>,
) -> Result<Network, EdgeListError> {
    let mut edges = Vec::new();
    let mut max_id = None::<u32>;
    let mut seen_data = false;
    for (i, raw) in text.lines().enumerate() {
        let err = |column: usize, message: String| EdgeListError {
            file: file.to_string(),
            line: i + 1,
            column,
            message,
        };
        let line = raw.split('#').next().unwrap_or("");
        if line.trim().is_empty() {
            continue;
        }
        // Fields with their 1-based starting column.
        let mut fields: Vec<(usize, &str)> = Vec::with_capacity(2);
        let mut start = None;
        for (ci, (bi, ch)) in line.char_indices().enumerate() {
            let sep = ch == ',' || ch == '\t' || ch == ' ' || ch == ';';
            match (sep, start) {
                (false, None) => start = Some((ci + 1, bi)),
                (true, Some((col, b0))) => {
                    fields.push((col, &line[b0..bi]));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some((col, b0)) = start {
            fields.push((col, &line[b0..]));
        }
        let is_header = !seen_data && fields.first().is_some_and(|f| f.1.parse::<u64>().is_err());
        seen_data = true;
        if is_header {
            continue;
        }
        if fields.len() != 2 {
            let col = fields.get(2).map_or(1, |f| f.0);
            return Err(err(
                col,
                format!("expected 2 fields `src,dst`, found {}", fields.len()),
            ));
        }
        let mut ids = [0u32; 2];
        for (slot, &(col, f)) in ids.iter_mut().zip(&fields) {
            let id: u32 = f.parse().map_err(|_| {
                err(
                    col,
                    format!("`{f}` is not a node id (a non-negative integer)"),
                )
            })?;
            if let Some(n) = n_agents
                && id as usize >= n
            {
                return Err(err(
                    col,
                    format!("node id {id} is not below the number of agents {n}"),
                ));
            }
            *slot = id;
            max_id = max_id.max(Some(id));
        }
        edges.push((ids[0], ids[1]));
    }
    let n = n_agents.unwrap_or_else(|| max_id.map_or(0, |m| m as usize + 1));
    Ok(Network::from_edges(n, edges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_comments_and_separators() {
        let g = parse_edge_list("src,dst\n0,1\n# c\n1\t2\n2 0 # x\n", "e.csv", None).unwrap();
        assert_eq!(g.len(), 3);
        assert_eq!(g.edge_count(), 3);
        assert!(g.follows(1, 2));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse_edge_list("src,dst\n0,1\n1,x2\n", "e.csv", None).unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        assert!(e.to_string().starts_with("e.csv:3:3:"), "{e}");
        let e = parse_edge_list("0,1\n5,1\n", "g.tsv", Some(4)).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        let e = parse_edge_list("0,1,2\n", "g.tsv", None).unwrap_err();
        assert_eq!((e.line, e.column), (1, 5));
    }
}
