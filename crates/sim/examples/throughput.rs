//! Performance sanity: build a scenario and run a few ticks, printing
//! agent-steps per second. Usage:
//! `cargo run -p emergent-sim --release --example throughput -- scenarios/million.toml [ticks]`

use std::time::Instant;

use emergent_scenario::Scenario;
use emergent_sim::Simulation;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "scenarios/million.toml".into());
    let scenario = Scenario::from_path(path.as_ref())?;
    let ticks: u32 = match args.next() {
        Some(t) => t.parse()?,
        None => scenario.scenario.ticks,
    };
    let t0 = Instant::now();
    let mut sim = Simulation::new(&scenario, None)?;
    let n = sim.world.agents();
    println!(
        "built {n} agents, {} edges in {:.2}s ({} threads)",
        sim.world.network.edge_count(),
        t0.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    let t1 = Instant::now();
    let mut events = 0usize;
    for t in 0..ticks {
        let r = sim.step();
        events += r.events.len();
        if t % scenario.record.every.max(1) == 0 {
            let f = sim.world.features();
            println!(
                "tick {t}: active {} events {} columns {}",
                r.active,
                r.events.len(),
                f.names.len()
            );
        }
    }
    let secs = t1.elapsed().as_secs_f64();
    println!(
        "{ticks} ticks in {secs:.2}s: {:.3e} agent-steps/s, {events} events, {} items",
        n as f64 * ticks as f64 / secs,
        sim.world.items.len()
    );
    Ok(())
}
