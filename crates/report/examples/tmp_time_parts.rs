use std::time::Instant;
use emergent_attribution::{Baseline, Indicator, Options, Method, attribute, attribute_column_path};
fn main() {
    let table = emergent_io::read_table(std::path::Path::new("/tmp/heavy.parquet"), &emergent_io::IdColumn::Default).unwrap();
    for (e, b) in [("mean(posts + replies)", Baseline::Zero), ("var(posts + replies)", Baseline::Zero), ("gini(posts + replies)", Baseline::Mean), ("mean(followers)*mean(posts)*mean(replies)", Baseline::Zero)] {
        let ind = Indicator::parse(e).unwrap();
        let t = Instant::now();
        let a = attribute(&table, &ind, &b, &Options::default()).unwrap();
        eprint!("{e}: main {:?} {:.2}", a.method.name(), t.elapsed().as_secs_f64());
        for bb in [Baseline::Zero, Baseline::Mean, Baseline::Min] { let t = Instant::now(); let _ = attribute(&table, &ind, &bb, &Options::default()); eprint!(" b:{:.2}", t.elapsed().as_secs_f64()); }
        for k in [1, 8, 32, 128] { let t = Instant::now(); let _ = attribute(&table, &ind, &b, &Options { method: Method::Quadrature, steps: k, ..Options::default() }); eprint!(" K{k}:{:.2}", t.elapsed().as_secs_f64()); }
        let t = Instant::now(); let _ = attribute_column_path(&table, &ind, &b, ind.columns(), 32); eprintln!(" path:{:.2}", t.elapsed().as_secs_f64());
    }
}
