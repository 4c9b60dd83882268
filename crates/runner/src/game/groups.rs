//! The players of a ground-truth game: groups of agents, made from a `--groups` spec and the
//! run's final features (the same table the run's tiers rank).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use emergent_attribution::FeatureTable;
use emergent_attribution::tiers::{ranking, top_count};
use emergent_io::IdColumn;

/// How agents are split into groups.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupSpec {
    /// Ranked by `column`, highest first, cut at the fractions `cuts` (as the run's tiers:
    /// `tiers:followers:0.01,0.1` is top 1 %, the next 9 %, the other 90 %).
    Tiers { column: String, cuts: Vec<f64> },
    /// `k` groups of (nearly) equal size by `column`, lowest first.
    Quantiles { column: String, k: usize },
    /// One group per distinct value of `column` (`communities` is `labels:community`: the
    /// population's communities, the blocks of an SBM network).
    Labels { column: String },
    /// `agent_id,group` rows of a CSV or Parquet file (numeric groups, ids as in the run's
    /// `features.parquet`); agents it does not list form one more group, `unlisted`.
    Table(PathBuf),
}

/// A player: a name and the rows (agent ids of the run's features) it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub members: Vec<u32>,
}

/// What a `--groups` spec looks like, for error messages.
pub const SPEC_FORMS: &str = "tiers[:COLUMN[:A,B,…]] (default tiers:followers:0.01,0.1), \
     quantiles:COLUMN:K, communities, labels:COLUMN, or table:PATH (agent_id,group)";

impl std::str::FromStr for GroupSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("`{s}`: {why}; use {SPEC_FORMS}");
        let mut parts = s.splitn(3, ':');
        let kind = parts.next().unwrap_or_default();
        let (a, b) = (parts.next(), parts.next());
        let column = |c: Option<&str>| match c {
            Some(c) if !c.trim().is_empty() => Ok(c.trim().to_string()),
            _ => Err(bad("name a column")),
        };
        match kind {
            "tiers" => {
                let column = a.map_or(Ok("followers".to_string()), |c| column(Some(c)))?;
                let cuts = match b {
                    None => vec![0.01, 0.1],
                    Some(list) => list
                        .split(',')
                        .map(|x| x.trim().parse::<f64>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| bad("the tier cuts are not numbers"))?,
                };
                if cuts.iter().any(|c| !(*c > 0.0 && *c < 1.0))
                    || cuts.windows(2).any(|w| w[0] >= w[1])
                {
                    return Err(bad(
                        "tier cuts are increasing fractions strictly between 0 and 1",
                    ));
                }
                Ok(GroupSpec::Tiers { column, cuts })
            }
            "quantiles" => {
                let column = column(a)?;
                let k = b
                    .and_then(|k| k.trim().parse::<usize>().ok())
                    .filter(|k| (2..=64).contains(k))
                    .ok_or_else(|| bad("K is a whole number of groups from 2 to 64"))?;
                Ok(GroupSpec::Quantiles { column, k })
            }
            "communities" if a.is_none() => Ok(GroupSpec::Labels {
                column: "community".into(),
            }),
            "labels" if b.is_none() => Ok(GroupSpec::Labels { column: column(a)? }),
            "table" => {
                // A path may hold ':' itself.
                let path = s["table:".len().min(s.len())..].trim();
                if path.is_empty() {
                    return Err(bad("name the table file"));
                }
                Ok(GroupSpec::Table(PathBuf::from(path)))
            }
            _ => Err(bad("unknown kind of groups")),
        }
    }
}

impl GroupSpec {
    /// The groups of this spec over `features` (the run's final features, rows = agent ids).
    pub fn groups(&self, features: &FeatureTable) -> Result<Vec<Group>, String> {
        let need = |c: &str| {
            features.column(c).ok_or_else(|| {
                format!(
                    "the run's features have no column `{c}`; they have: {}",
                    features.column_names().join(", ")
                )
            })
        };
        let n = features.len();
        let groups = match self {
            GroupSpec::Tiers { column, cuts } => tiers(need(column)?, cuts),
            GroupSpec::Quantiles { column, k } => quantiles(need(column)?, *k),
            GroupSpec::Labels { column } => labels(need(column)?, column),
            GroupSpec::Table(path) => from_table(path, features)?,
        };
        let groups: Vec<Group> = groups
            .into_iter()
            .filter(|g| !g.members.is_empty())
            .collect();
        if groups.len() < 2 {
            return Err(format!(
                "these groups split the {n} agents into {} non-empty group(s); a game needs at least 2",
                groups.len()
            ));
        }
        Ok(groups)
    }
}

/// Consecutive tiers of the ranking by `rank_by` (descending, ties by row), cut where the
/// run's tier shares cut (`top_count`), named as they are.
fn tiers(rank_by: &[f64], cuts: &[f64]) -> Vec<Group> {
    let order = ranking(rank_by);
    let n = order.len();
    let mut bounds = vec![0usize];
    bounds.extend(cuts.iter().map(|c| top_count(n, *c)));
    bounds.push(n);
    let pct = |c: f64| format!("{}%", c * 100.0);
    bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| Group {
            name: match i {
                0 => format!("top {}", pct(cuts[0])),
                _ if i == cuts.len() => format!("bottom {}", pct(1.0 - cuts[i - 1])),
                _ => format!("{}–{}", pct(cuts[i - 1]), pct(cuts[i])),
            },
            members: sorted(&order[w[0]..w[1].max(w[0])]),
        })
        .collect()
}

/// `k` groups of consecutive ranks by `by`, ascending (ties by row), sizes differing by at
/// most one.
fn quantiles(by: &[f64], k: usize) -> Vec<Group> {
    let mut order: Vec<usize> = (0..by.len()).collect();
    order.sort_by(|&a, &b| by[a].total_cmp(&by[b]).then(a.cmp(&b)));
    let n = order.len();
    (0..k)
        .map(|q| {
            let rows = &order[q * n / k..(q + 1) * n / k];
            let range = match (rows.first(), rows.last()) {
                (Some(&lo), Some(&hi)) => format!(" [{}, {}]", by[lo], by[hi]),
                _ => String::new(),
            };
            Group {
                name: format!("q{}{range}", q + 1),
                members: sorted(rows),
            }
        })
        .collect()
}

/// One group per distinct value of `labels`, in ascending order of the value.
fn labels(labels: &[f64], column: &str) -> Vec<Group> {
    let mut by: BTreeMap<u64, (f64, Vec<u32>)> = BTreeMap::new();
    for (i, &v) in labels.iter().enumerate() {
        by.entry(order_key(v))
            .or_insert_with(|| (v, Vec::new()))
            .1
            .push(i as u32);
    }
    by.into_values()
        .map(|(v, members)| Group {
            name: format!("{column} {}", label(v)),
            members,
        })
        .collect()
}

/// The groups of an `agent_id,group` table; the run's agents it leaves out are `unlisted`.
fn from_table(path: &Path, features: &FeatureTable) -> Result<Vec<Group>, String> {
    let table = emergent_io::read_table_for(
        path,
        &IdColumn::Named(IdColumn::DEFAULT_NAME.into()),
        &["group".to_string()],
    )
    .map_err(|e| e.to_string())?;
    let n = features.len();
    let row_of: std::collections::HashMap<String, usize> =
        (0..n).map(|i| (features.ids().label(i), i)).collect();
    let group = table.column("group").unwrap_or_default();
    let mut assigned: Vec<Option<f64>> = vec![None; n];
    for (i, &g) in group.iter().enumerate() {
        let id = table.ids().label(i);
        let row = *row_of.get(&id).ok_or_else(|| {
            format!(
                "{}: row {}: agent_id {id} is not an agent of the run (ids 0..{n})",
                path.display(),
                i + 2
            )
        })?;
        assigned[row] = Some(g);
    }
    let (listed_rows, values): (Vec<u32>, Vec<f64>) = assigned
        .iter()
        .enumerate()
        .filter_map(|(row, g)| g.map(|g| (row as u32, g)))
        .unzip();
    let mut groups = labels(&values, "group");
    // `labels` numbered the listed agents 0, 1, …: map them back to their rows.
    for g in &mut groups {
        for m in &mut g.members {
            *m = listed_rows[*m as usize];
        }
    }
    let unlisted: Vec<u32> = (0..n as u32)
        .filter(|&i| assigned[i as usize].is_none())
        .collect();
    if !unlisted.is_empty() {
        groups.push(Group {
            name: "unlisted".into(),
            members: unlisted,
        });
    }
    Ok(groups)
}

fn sorted(rows: &[usize]) -> Vec<u32> {
    let mut m: Vec<u32> = rows.iter().map(|&r| r as u32).collect();
    m.sort_unstable();
    m
}

/// A key whose order is `v`'s [`f64::total_cmp`] order.
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// A label value as text: whole numbers without a decimal point.
fn label(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emergent_attribution::AgentIds;

    fn table(cols: Vec<(&str, Vec<f64>)>) -> FeatureTable {
        let n = cols[0].1.len();
        FeatureTable::new(
            AgentIds::sequential(n),
            cols.into_iter().map(|(c, v)| (c.to_string(), v)).collect(),
        )
        .unwrap()
    }

    #[test]
    fn specs_parse_and_bad_ones_say_what_is_wanted() {
        let t: GroupSpec = "tiers:followers:0.01,0.1".parse().unwrap();
        assert_eq!(
            t,
            GroupSpec::Tiers {
                column: "followers".into(),
                cuts: vec![0.01, 0.1]
            }
        );
        assert_eq!("tiers".parse::<GroupSpec>().unwrap(), t);
        assert_eq!(
            "communities".parse::<GroupSpec>().unwrap(),
            GroupSpec::Labels {
                column: "community".into()
            }
        );
        assert_eq!(
            "quantiles:stance:4".parse::<GroupSpec>().unwrap(),
            GroupSpec::Quantiles {
                column: "stance".into(),
                k: 4
            }
        );
        assert_eq!(
            "table:/a:b.csv".parse::<GroupSpec>().unwrap(),
            GroupSpec::Table("/a:b.csv".into())
        );
        for bad in [
            "tier",
            "tiers:followers:0.1,0.01",
            "tiers:followers:x",
            "quantiles:stance",
            "quantiles:stance:1",
            "labels",
            "table:",
            "communities:x",
        ] {
            let e = bad.parse::<GroupSpec>().unwrap_err();
            assert!(e.contains(bad) && e.contains("quantiles:COLUMN:K"), "{e}");
        }
    }

    #[test]
    fn tiers_match_the_runs_tier_shares() {
        let followers: Vec<f64> = (0..200).map(|i| ((i * 37) % 200) as f64).collect();
        let t = table(vec![("followers", followers.clone())]);
        let g = GroupSpec::Tiers {
            column: "followers".into(),
            cuts: vec![0.01, 0.1],
        }
        .groups(&t)
        .unwrap();
        let phi: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let shares = emergent_attribution::tier_shares(&phi, &followers, &[0.01, 0.1]);
        for (group, tier) in g.iter().zip(&shares) {
            assert_eq!(group.name, tier.name);
            assert_eq!(group.members.len(), tier.to - tier.from);
            let sum: f64 = group.members.iter().map(|&m| phi[m as usize]).sum();
            assert_eq!(sum, tier.phi_sum);
        }
    }

    #[test]
    fn quantiles_and_labels_partition_the_agents() {
        let t = table(vec![
            ("x", (0..10).rev().map(f64::from).collect()),
            (
                "community",
                vec![2.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 1.0],
            ),
        ]);
        let q = GroupSpec::Quantiles {
            column: "x".into(),
            k: 3,
        }
        .groups(&t)
        .unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].members, vec![7, 8, 9]);
        assert_eq!(q[0].name, "q1 [0, 2]");
        let c = GroupSpec::Labels {
            column: "community".into(),
        }
        .groups(&t)
        .unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].name, "community 0");
        assert_eq!(c[0].members, vec![1, 4, 5]);
        let err = GroupSpec::Labels {
            column: "nope".into(),
        }
        .groups(&t)
        .unwrap_err();
        assert!(err.contains("no column `nope`"), "{err}");
        let one = table(vec![("community", vec![0.0; 5])]);
        let err = "communities"
            .parse::<GroupSpec>()
            .unwrap()
            .groups(&one)
            .unwrap_err();
        assert!(err.contains("at least 2"), "{err}");
    }

    #[test]
    fn a_table_names_groups_and_leaves_the_rest_unlisted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.csv");
        std::fs::write(&p, "agent_id,group\n3,7\n0,7\n5,1\n").unwrap();
        let t = table(vec![("x", vec![0.0; 6])]);
        let g = GroupSpec::Table(p.clone()).groups(&t).unwrap();
        let names: Vec<&str> = g.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["group 1", "group 7", "unlisted"]);
        assert_eq!(g[1].members, vec![0, 3]);
        assert_eq!(g[2].members, vec![1, 2, 4]);
        std::fs::write(&p, "agent_id,group\n9,1\n").unwrap();
        let err = GroupSpec::Table(p).groups(&t).unwrap_err();
        assert!(err.contains("agent_id 9 is not an agent"), "{err}");
    }
}
