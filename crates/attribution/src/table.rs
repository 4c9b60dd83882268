use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use crate::error::TableError;

/// Agent identifiers, kept in their source type so outputs round-trip (integers from a
/// simulation, DIDs from Bluesky).
#[derive(Debug, Clone, PartialEq)]
pub enum AgentIds {
    Int(IntIds),
    Text(Vec<String>),
}

/// Integer ids a caller shares rather than hands over (an Arrow array from Python): read where
/// they lie, kept alive as long as the table.
pub type SharedIds = Arc<dyn AsRef<[i64]> + Send + Sync>;

/// Integer agent ids, owned or shared ([`IntIds::shared`]); they read as a `[i64]` either way.
#[derive(Clone)]
pub struct IntIds(IntStore);

#[derive(Clone)]
enum IntStore {
    Owned(Vec<i64>),
    Shared(SharedIds),
}

impl IntIds {
    /// Ids read in place from a buffer the caller keeps (a 10^6-agent table's 8 MB of ids
    /// are not copied to cross from Python).
    pub fn shared(values: SharedIds) -> Self {
        IntIds(IntStore::Shared(values))
    }

    pub fn as_slice(&self) -> &[i64] {
        match &self.0 {
            IntStore::Owned(v) => v,
            IntStore::Shared(s) => (**s).as_ref(),
        }
    }
}

impl Deref for IntIds {
    type Target = [i64];
    fn deref(&self) -> &[i64] {
        self.as_slice()
    }
}

impl From<Vec<i64>> for IntIds {
    fn from(v: Vec<i64>) -> Self {
        IntIds(IntStore::Owned(v))
    }
}

impl FromIterator<i64> for IntIds {
    fn from_iter<I: IntoIterator<Item = i64>>(iter: I) -> Self {
        IntIds(IntStore::Owned(iter.into_iter().collect()))
    }
}

impl PartialEq for IntIds {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for IntIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl AgentIds {
    pub fn len(&self) -> usize {
        match self {
            AgentIds::Int(v) => v.len(),
            AgentIds::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of row `i`, as text (for messages and joins).
    pub fn label(&self, i: usize) -> String {
        match self {
            AgentIds::Int(v) => v[i].to_string(),
            AgentIds::Text(v) => v[i].clone(),
        }
    }

    /// 0..n as integer ids, for tables that come without an id column.
    pub fn sequential(n: usize) -> Self {
        AgentIds::Int((0..n as i64).collect())
    }

    /// Fail on the first duplicate id. Integer ids in increasing order (every simulation's)
    /// take a single pass; others are sorted or hashed by reference, never copied as text.
    pub(crate) fn check_unique(&self) -> Result<(), TableError> {
        let dup = match self {
            AgentIds::Int(v) if strictly_increasing(v) => None,
            AgentIds::Int(v) => {
                let mut order: Vec<usize> = (0..v.len()).collect();
                order.sort_by_key(|&i| (v[i], i));
                order
                    .windows(2)
                    .find(|w| v[w[0]] == v[w[1]])
                    .map(|w| (w[0], w[1]))
            }
            AgentIds::Text(v) => {
                let mut seen: HashMap<&str, usize> = HashMap::with_capacity(v.len());
                v.iter()
                    .enumerate()
                    .find_map(|(i, id)| seen.insert(id.as_str(), i).map(|first| (first, i)))
            }
        };
        match dup {
            None => Ok(()),
            Some((a, b)) => {
                let (first, second) = (a.min(b), a.max(b));
                Err(TableError::DuplicateId {
                    id: self.label(first),
                    first,
                    second,
                })
            }
        }
    }

    /// Map from id to row, failing on the first duplicate.
    pub(crate) fn index(&self) -> Result<HashMap<String, usize>, TableError> {
        let mut seen = HashMap::with_capacity(self.len());
        for i in 0..self.len() {
            if let Some(first) = seen.insert(self.label(i), i) {
                return Err(TableError::DuplicateId {
                    id: self.label(i),
                    first,
                    second: i,
                });
            }
        }
        Ok(seen)
    }
}

/// The attribution input: one row per agent, named f64 columns, stored column-major because
/// every computation here streams whole columns.
///
/// Invariants (checked by [`FeatureTable::new`]): at least one row (a [`FeatureTable::shard`]
/// may have none), all columns as long as the
/// ids, unique ids and column names, every value finite.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    ids: AgentIds,
    names: Vec<String>,
    columns: Vec<Column>,
    /// Column name → position, so a lookup costs O(1) however wide the table (an indicator
    /// with thousands of aggregates looks up a column for each).
    index: HashMap<String, usize>,
}

impl FeatureTable {
    pub fn new(ids: AgentIds, columns: Vec<(String, Vec<f64>)>) -> Result<Self, TableError> {
        if ids.is_empty() {
            return Err(TableError::Empty);
        }
        Self::shard(ids, columns)
    }

    /// One rank's rows of a table split over ranks (see [`crate::Shard`]): the same checks as
    /// [`new`](Self::new), except that a rank may hold no rows when there are more ranks than
    /// row blocks.
    pub fn shard(ids: AgentIds, columns: Vec<(String, Vec<f64>)>) -> Result<Self, TableError> {
        let columns = columns
            .into_iter()
            .map(|(name, values)| (name, Column::Owned(values)))
            .collect();
        Self::checked(ids, columns)
    }

    /// Like [`new`](Self::new), over columns whose values live in buffers the caller shares
    /// rather than hands over (an Arrow array from Python): the values are read where they
    /// lie, never copied, and the buffers are kept alive as long as the table.
    pub fn from_shared(
        ids: AgentIds,
        columns: Vec<(String, SharedColumn)>,
    ) -> Result<Self, TableError> {
        if ids.is_empty() {
            return Err(TableError::Empty);
        }
        let columns = columns
            .into_iter()
            .map(|(name, values)| (name, Column::Shared(values)))
            .collect();
        Self::checked(ids, columns)
    }

    fn checked(ids: AgentIds, columns: Vec<(String, Column)>) -> Result<Self, TableError> {
        let n = ids.len();
        let mut names: Vec<String> = Vec::with_capacity(columns.len());
        let mut cols = Vec::with_capacity(columns.len());
        let mut index = HashMap::with_capacity(columns.len());
        for (name, values) in columns {
            if index.contains_key(&name) {
                return Err(TableError::DuplicateColumn(name));
            }
            let slice = values.as_slice();
            if slice.len() != n {
                return Err(TableError::Length {
                    column: name,
                    expected: n,
                    got: slice.len(),
                });
            }
            if let Some(row) = first_non_finite(slice) {
                return Err(TableError::NonFinite {
                    value: slice[row],
                    column: name,
                    row,
                });
            }
            index.insert(name.clone(), names.len());
            names.push(name);
            cols.push(values);
        }
        ids.check_unique()?;
        Ok(FeatureTable {
            ids,
            names,
            columns: cols,
            index,
        })
    }

    /// Number of agents.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// False except for an empty [`shard`](Self::shard).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn ids(&self) -> &AgentIds {
        &self.ids
    }

    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.index.get(name).map(|&k| self.columns[k].as_slice())
    }

    /// Like [`column`](Self::column) but the error lists what is available.
    pub fn require(&self, name: &str) -> Result<&[f64], TableError> {
        self.column(name).ok_or_else(|| TableError::UnknownColumn {
            name: name.to_string(),
            available: self.names.clone(),
        })
    }

    /// The rows `rows`, in that order: the panel an attribution study evaluates on its own.
    pub fn select_rows(&self, rows: &[usize]) -> Result<FeatureTable, TableError> {
        let ids = match &self.ids {
            AgentIds::Int(v) => AgentIds::Int(rows.iter().map(|&r| v[r]).collect()),
            AgentIds::Text(v) => AgentIds::Text(rows.iter().map(|&r| v[r].clone()).collect()),
        };
        let columns = self
            .names
            .iter()
            .zip(&self.columns)
            .map(|(n, c)| {
                let c = c.as_slice();
                (n.clone(), rows.iter().map(|&r| c[r]).collect())
            })
            .collect();
        FeatureTable::new(ids, columns)
    }
}

/// Rows per block of the input checks below: a block is checked without a branch per value
/// (the compiler vectorises that), and only a block that fails is searched value by value.
/// Over a 10^6-row table from Python these checks are most of what building it costs.
const CHECK_BLOCK: usize = 4096;

/// The first row holding NaN or ±∞.
fn first_non_finite(values: &[f64]) -> Option<usize> {
    values
        .chunks(CHECK_BLOCK)
        .enumerate()
        .find(|(_, block)| !block.iter().fold(true, |ok, v| ok & v.is_finite()))
        .and_then(|(b, block)| {
            let row = block.iter().position(|v| !v.is_finite())?;
            Some(b * CHECK_BLOCK + row)
        })
}

/// Every id larger than the one before (every simulation's ids are): unique in one pass.
fn strictly_increasing(ids: &[i64]) -> bool {
    let (Some(head), Some(tail)) = (ids.get(..ids.len().saturating_sub(1)), ids.get(1..)) else {
        return true;
    };
    head.chunks(CHECK_BLOCK)
        .zip(tail.chunks(CHECK_BLOCK))
        .all(|(a, b)| a.iter().zip(b).fold(true, |ok, (x, y)| ok & (x < y)))
}

/// Values shared with the table rather than moved into it: any buffer that can show itself as
/// `[f64]` (an Arrow `ScalarBuffer<f64>` handed over by Python, say).
pub type SharedColumn = Arc<dyn AsRef<[f64]> + Send + Sync>;

/// One column's values, owned or shared ([`FeatureTable::from_shared`]).
#[derive(Clone)]
enum Column {
    Owned(Vec<f64>),
    Shared(SharedColumn),
}

impl Column {
    fn as_slice(&self) -> &[f64] {
        match self {
            Column::Owned(v) => v,
            Column::Shared(s) => (**s).as_ref(),
        }
    }
}

impl PartialEq for Column {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::fmt::Debug for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_column_is_read_in_place_and_equals_the_owned_table() {
        let values: Arc<Vec<f64>> = Arc::new(vec![1.0, 2.0, 4.0]);
        let shared: SharedColumn = values.clone();
        let table =
            FeatureTable::from_shared(AgentIds::sequential(3), vec![("x".into(), shared)]).unwrap();
        assert_eq!(table.column("x").unwrap().as_ptr(), values.as_ptr());
        let owned = FeatureTable::new(
            AgentIds::sequential(3),
            vec![("x".into(), vec![1.0, 2.0, 4.0])],
        )
        .unwrap();
        assert_eq!(table, owned);
        let bad: SharedColumn = Arc::new(vec![1.0, f64::NAN, 0.0]);
        let err = FeatureTable::from_shared(AgentIds::sequential(3), vec![("y".into(), bad)]);
        assert!(matches!(err, Err(TableError::NonFinite { row: 1, .. })));
    }

    #[test]
    fn shared_ids_are_read_in_place_and_equal_owned_ones() {
        let values: Arc<Vec<i64>> = Arc::new(vec![3, 5, 9]);
        let shared = AgentIds::Int(IntIds::shared(values.clone()));
        let AgentIds::Int(ints) = &shared else {
            unreachable!()
        };
        assert_eq!(ints.as_ptr(), values.as_ptr());
        assert_eq!(shared, AgentIds::Int(vec![3, 5, 9].into()));
        let dup = AgentIds::Int(IntIds::shared(Arc::new(vec![3_i64, 5, 3])));
        assert!(matches!(
            dup.check_unique(),
            Err(TableError::DuplicateId {
                first: 0,
                second: 2,
                ..
            })
        ));
    }

    #[test]
    fn the_block_checks_find_the_first_bad_row_anywhere() {
        let n = 3 * CHECK_BLOCK + 17;
        for bad in [0, CHECK_BLOCK - 1, CHECK_BLOCK, 2 * CHECK_BLOCK + 5, n - 1] {
            let mut v = vec![1.5; n];
            v[bad] = f64::INFINITY;
            if bad + 3 < n {
                v[bad + 3] = f64::NAN;
            }
            assert_eq!(first_non_finite(&v), Some(bad));
            let mut ids: Vec<i64> = (0..n as i64).collect();
            ids[bad] = if bad == 0 { 1 } else { ids[bad - 1] };
            assert!(!strictly_increasing(&ids), "{bad}");
        }
        assert_eq!(first_non_finite(&vec![0.0; n]), None);
        assert!(strictly_increasing(&(0..n as i64).collect::<Vec<_>>()));
        assert!(strictly_increasing(&[]) && strictly_increasing(&[4]));
    }
}
