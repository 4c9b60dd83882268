use emergent_attribution::{Baseline, Indicator};
use emergent_study::{IndicatorInput, StudyConfig, study};
fn main() {
    let table = emergent_io::read_table(std::path::Path::new("/tmp/qs/features.parquet"), &emergent_io::IdColumn::Default).unwrap();
    let inputs: Vec<IndicatorInput> = [("pol", "var(stance)", Baseline::Mean), ("ineq", "gini(likes_received + reposts_received)", Baseline::Mean), ("act", "mean(posts + replies)", Baseline::Zero)]
        .into_iter().map(|(n, e, b)| IndicatorInput { name: n.into(), indicator: Indicator::parse(e).unwrap(), baseline: b }).collect();
    let s = study(&table, &inputs, &StudyConfig::default(), &|_| {}).unwrap();
    emergent_report::write_study(std::path::Path::new("/tmp/qs/study"), &s).unwrap();
    let r = emergent_report::write_report(std::path::Path::new("/tmp/qs")).unwrap();
    println!("{r:?}");
}
