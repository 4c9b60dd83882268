//! Diagnostic: M and dM/dα along one path w = 1_S + α·1_g of the grouped dynamic attribution,
//! adjoint against central finite differences.
//!
//! cargo run --release -p emergent-runner --example path_probe -- RUN_DIR EXPR SPEC G MASK [ALPHAS…]

use emergent_attribution::Indicator;
use emergent_dynamics::{Outcome, model_for};
use emergent_io::IdColumn;
use emergent_io::run_dir;
use emergent_runner::GroupSpec;
use emergent_scenario::Scenario;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&args[1]);
    let expr = &args[2];
    let spec: GroupSpec = args[3].parse().unwrap();
    let g: usize = args[4].parse().unwrap();
    let mask: u64 = args[5].parse().unwrap();
    let alphas: Vec<f64> = if args.len() > 6 {
        args[6..].iter().map(|a| a.parse().unwrap()).collect()
    } else {
        vec![
            1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0,
        ]
    };
    let manifest = run_dir::read_manifest(dir).unwrap();
    let scenario =
        Scenario::with_overrides(&manifest.scenario, "scenario.toml", &manifest.overrides).unwrap();
    let features = emergent_io::read_dataset(dir, run_dir::FEATURES, &IdColumn::Default).unwrap();
    let groups = spec.groups(&features).unwrap();
    let world = emergent_sim::build_world(&scenario, None).unwrap();
    let model = model_for(&scenario, &world).unwrap();
    let ind = Indicator::parse(expr).unwrap();
    let out = Outcome {
        indicator: &ind,
        context: &features,
    };
    let n = features.len();
    let diag = std::env::var("DIAG").is_ok();
    let at = |a: f64| {
        let mut w = vec![1.0; n];
        if diag {
            return vec![a; n];
        }
        for (k, grp) in groups.iter().enumerate() {
            let level = if k == g {
                a
            } else if mask >> k & 1 == 1 {
                1.0
            } else {
                0.0
            };
            for &m in &grp.members {
                w[m as usize] = level;
            }
        }
        w
    };
    println!(
        "groups: {:?}",
        groups
            .iter()
            .map(|x| (&x.name, x.members.len()))
            .collect::<Vec<_>>()
    );
    if std::env::var("ATTR").is_ok() {
        let t = std::time::Instant::now();
        let env = |k: &str, d: usize| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let a = emergent_dynamics::attribute_dynamic(
            model.as_ref(),
            &out,
            env("NODES", 8),
            Some(1e-6),
            env("MAX", 512),
        )
        .unwrap();
        println!(
            "diagonal default: sum {} delta {} gap {:e} nodes {} panels {} stalled {} {:.1} s",
            a.sum_phi,
            a.value - a.baseline_value,
            a.completeness_gap,
            a.nodes,
            a.panels,
            a.stalled,
            t.elapsed().as_secs_f64()
        );
        return;
    }
    println!("alpha\tM\tdM_adjoint\tdM_fd\tfd_h");
    for a in alphas {
        let (m, grad) = out.gradient(model.as_ref(), &at(a)).unwrap();
        let dm: f64 = if diag {
            grad.iter().sum()
        } else {
            groups[g].members.iter().map(|&i| grad[i as usize]).sum()
        };
        let rel: f64 = std::env::var("FD_REL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1e-4);
        let h = (a * rel).max(1e-15).min((1.0 - a).max(1e-9));
        let (lo, hi) = ((a - h).max(0.0), a + h);
        let fd = (out.value(model.as_ref(), &at(hi)).unwrap()
            - out.value(model.as_ref(), &at(lo)).unwrap())
            / (hi - lo);
        println!("{a:e}\t{m:.12e}\t{dm:.6e}\t{fd:.6e}\t{h:e}");
    }
}
