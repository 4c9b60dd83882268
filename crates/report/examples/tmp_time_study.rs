use std::time::Instant;
use emergent_attribution::{Baseline, Indicator};
use emergent_study::{IndicatorInput, StudyConfig, study};
fn main() {
    let t = Instant::now();
    let table = emergent_io::read_table(std::path::Path::new("/tmp/heavy.parquet"), &emergent_io::IdColumn::Default).unwrap();
    eprintln!("read {:.2}", t.elapsed().as_secs_f64());
    let inputs: Vec<IndicatorInput> = [("mean(posts + replies)", Baseline::Zero), ("var(posts + replies)", Baseline::Zero), ("gini(posts + replies)", Baseline::Mean), ("mean(followers)*mean(posts)*mean(replies)", Baseline::Zero)]
        .into_iter().map(|(e, b)| IndicatorInput { name: e.into(), indicator: Indicator::parse(e).unwrap(), baseline: b }).collect();
    let s = study(&table, &inputs, &StudyConfig::default(), &|m| eprintln!("[{:.2}] {m}", t.elapsed().as_secs_f64())).unwrap();
    eprintln!("done {:.2} {}", t.elapsed().as_secs_f64(), s.indicators.len());
}
