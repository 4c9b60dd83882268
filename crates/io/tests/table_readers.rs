//! Feature tables from CSV and Parquet: columns that cannot be features are skipped alike in
//! both formats and named with their first bad cell when used; a file written with another
//! separator is recognised; and no input bytes make a reader panic.

use std::path::{Path, PathBuf};

use emergent_io::{
    IdColumn, ParquetColumn, read_edges_parquet, read_table, read_table_for, read_table_skipping,
    write_parquet_columns,
};
use proptest::prelude::*;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn uses(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_semicolon_or_tab_separated_file_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, what) in [
        ("semi.csv", "a;b\n1;2\n3;4\n", "semicolons"),
        ("decimal-commas.csv", "a;b\n1,5;2\n", "semicolons"),
        ("tabs.csv", "a\tb\n1\t2\n", "tabs"),
    ] {
        let p = write(dir.path(), name, text.as_bytes());
        let msg = read_table_for(&p, &IdColumn::Default, &uses(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(name)
                && msg.contains("line 1")
                && msg.contains(what)
                && msg.contains("comma-separated"),
            "{msg}"
        );
    }
}

#[test]
fn an_unused_text_column_is_skipped_and_a_used_one_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"agent_id,name,a,b\n1,bob,2,5\n2,eve,3,\n3,ann,4,7\n",
    );
    let t = read_table_for(&p, &IdColumn::Default, &uses(&["a"])).unwrap();
    assert_eq!(t.column_names(), ["a"]);
    assert_eq!(t.column("a").unwrap(), [2.0, 3.0, 4.0]);
    let (_, skipped) = read_table_skipping(&p, &IdColumn::Default).unwrap();
    let names: Vec<&str> = skipped.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["name", "b"]);

    let msg = read_table_for(&p, &IdColumn::Default, &uses(&["a", "name"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with(&format!(
            "{}: row 1 (line 2), column `name`: `bob` is not a number",
            p.display()
        )),
        "{msg}"
    );
    let msg = read_table_for(&p, &IdColumn::Default, &uses(&["b"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("row 2 (line 3), column `b`: the cell is empty"),
        "{msg}"
    );
    let msg = read_table_for(&p, &IdColumn::Default, &uses(&["zz"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("unknown column `zz`; available columns: a (left out, not numbers: name, b)"),
        "{msg}"
    );
}

#[test]
fn parquet_names_an_unsupported_column_type_and_a_missing_value() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.parquet");
    write_parquet_columns(
        &p,
        vec![
            ParquetColumn::I64("agent_id".into(), vec![1, 2, 3]),
            ParquetColumn::Str("handle".into(), vec!["a".into(), "b".into(), "c".into()]),
            ParquetColumn::F64("x".into(), vec![1.0, 2.0, 3.0]),
            ParquetColumn::OptF64("gap".into(), vec![Some(1.0), None, Some(3.0)]),
        ],
    )
    .unwrap();
    // Unused: skipped, as in CSV.
    let t = read_table_for(&p, &IdColumn::Default, &uses(&["x"])).unwrap();
    assert_eq!(t.column_names(), ["x"]);
    assert_eq!(
        read_table(&p, &IdColumn::Default).unwrap().column_names(),
        ["x"]
    );
    let msg = read_table_for(&p, &IdColumn::Default, &uses(&["handle"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("column `handle` has type Utf8, which is not numeric")
            && msg.contains("t.parquet"),
        "{msg}"
    );
    let msg = read_table_for(&p, &IdColumn::Default, &uses(&["gap"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("row 2, column `gap`: the value is missing (null)"),
        "{msg}"
    );
}

#[test]
fn a_table_of_only_text_columns_lists_them_when_one_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.parquet");
    write_parquet_columns(&p, vec![ParquetColumn::Str("who".into(), vec!["a".into()])]).unwrap();
    let msg = read_table_for(&p, &IdColumn::Default, &uses(&["a"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("unknown column `a`; the file has no numeric feature columns (left out, not numbers: who)"),
        "{msg}"
    );
}

/// A small valid CSV table, as text.
fn valid_csv() -> impl Strategy<Value = String> {
    (1usize..5, 1usize..6, any::<u64>()).prop_map(|(cols, rows, seed)| {
        let mut s = String::from("agent_id");
        for c in 0..cols {
            s.push_str(&format!(",c{c}"));
        }
        s.push('\n');
        for r in 0..rows {
            s.push_str(&r.to_string());
            for c in 0..cols {
                let v = (seed.rotate_left((r * 7 + c) as u32) % 1000) as f64 / 8.0;
                s.push_str(&format!(",{v}"));
            }
            s.push('\n');
        }
        s
    })
}

/// Replace, insert or delete a few bytes, favouring the bytes that matter to the format.
fn mutate(bytes: Vec<u8>, edits: Vec<(usize, u8, u8)>) -> Vec<u8> {
    const SPECIAL: &[u8] = b",;\t\"\n\r.-eE0 xN\xff\x00";
    let mut b = bytes;
    for (at, kind, byte) in edits {
        let pick = if byte % 2 == 0 {
            SPECIAL[byte as usize % SPECIAL.len()]
        } else {
            byte
        };
        let at = if b.is_empty() { 0 } else { at % b.len() };
        match kind % 4 {
            0 if !b.is_empty() => b[at] = pick,
            1 => b.insert(at, pick),
            2 if !b.is_empty() => {
                b.remove(at);
            }
            _ => b.truncate(at),
        }
    }
    b
}

fn read_every_way(p: &Path) {
    let _ = read_table(p, &IdColumn::Default);
    let _ = read_table(p, &IdColumn::Named("c0".into()));
    let _ = read_table_for(p, &IdColumn::Default, &uses(&["c0", "x", "agent_id"]));
}

proptest! {
    #[test]
    fn fuzz_csv_table(
        raw in proptest::collection::vec(any::<u8>(), 0..300),
        valid in valid_csv(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        read_every_way(&write(dir.path(), "raw.csv", &raw));
        read_every_way(&write(dir.path(), "near.csv", &mutate(valid.into_bytes(), edits)));
    }
}

/// The bytes of a small valid Parquet table written by this crate.
fn valid_parquet_bytes(rows: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.parquet");
    write_parquet_columns(
        &p,
        vec![
            ParquetColumn::I64("agent_id".into(), (0..rows as i64).collect()),
            ParquetColumn::F64("c0".into(), (0..rows).map(|r| r as f64 * 0.5).collect()),
            ParquetColumn::U32("src".into(), (0..rows as u32).collect()),
            ParquetColumn::U32("dst".into(), (0..rows as u32).rev().collect()),
            ParquetColumn::Str("x".into(), (0..rows).map(|r| format!("s{r}")).collect()),
            ParquetColumn::OptF64(
                "gap".into(),
                (0..rows).map(|r| (r % 3 != 1).then_some(1.0)).collect(),
            ),
            ParquetColumn::Dict8(
                "kind".into(),
                (0..rows).map(|r| (r % 2) as u8).collect(),
                &["a", "b"],
            ),
        ],
    )
    .unwrap();
    std::fs::read(p).unwrap()
}

proptest! {
    #[test]
    fn fuzz_parquet_table(
        rows in 1usize..40,
        raw in proptest::collection::vec(any::<u8>(), 0..300),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut raw_pq = b"PAR1".to_vec();
        raw_pq.extend(&raw);
        raw_pq.extend(b"PAR1");
        let near = mutate(valid_parquet_bytes(rows), edits);
        for (name, bytes) in [("raw.parquet", raw), ("framed.parquet", raw_pq), ("near.parquet", near)] {
            let p = write(dir.path(), name, &bytes);
            read_every_way(&p);
            let _ = read_edges_parquet(&p);
        }
    }
}
