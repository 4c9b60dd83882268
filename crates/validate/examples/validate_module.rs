//! Run one validation module and print its checks (what `emergent validate --only NAME`
//! reports, without writing figures): `cargo run --release -p emergent-validate --example
//! validate_module -- watts [--quick]`.

use emergent_validate::{Settings, run_all};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only: Vec<String> = args.into_iter().filter(|a| a != "--quick").collect();
    let settings = Settings {
        quick,
        ..Settings::default()
    };
    let started = std::time::Instant::now();
    for c in run_all(&settings, &only, |m| eprintln!("running {m}"))? {
        println!(
            "[{}] {}: {}",
            if c.pass { "pass" } else { "FAIL" },
            c.id,
            c.title
        );
        println!("  published: {}", c.published);
        println!("  ours: {}", c.ours);
        for f in &c.figures {
            for curve in &f.curves {
                if curve.points.len() <= 40 {
                    println!("  {} / {}: {:?}", f.name, curve.name, curve.points);
                }
            }
        }
    }
    eprintln!("{:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
