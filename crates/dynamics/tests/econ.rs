//! The expected-value EconAgent economy: exact adjoint, the Shapley axioms, and how closely
//! it tracks the stochastic rule-baseline run.

use emergent_attribution::{AgentIds, FeatureTable, Indicator, evaluate};
use emergent_dynamics::{Dynamics, EconField, Outcome, attribute_dynamic};
use emergent_scenario::EconConfig;
use emergent_sim::econ::{EconPolicy, Economy, RuleBaseline};

mod common;
use common::{Lcg, attribute_at_k8, check_gradient};

/// The run's month-0 economy of `agents` households, as the model of `months` months.
fn field(agents: usize, seed: u64, months: u32) -> EconField {
    EconField::from_economy(&Economy::new(&EconConfig::default(), agents, seed), months)
}

fn context(model: &EconField) -> FeatureTable {
    FeatureTable::new(
        AgentIds::sequential(model.agents()),
        vec![("skill".into(), model.skill.clone())],
    )
    .unwrap()
}

#[test]
fn adjoint_gradients_equal_finite_differences() {
    for scale_demand in [false, true] {
        adjoint_gradients_equal_finite_differences_with(scale_demand);
    }
}

fn adjoint_gradients_equal_finite_differences_with(scale_demand: bool) {
    // 30 months: two year ends, the first keeping the rate, the second setting it by the
    // Taylor rule.
    let mut model = field(8, 3, 30);
    model.scale_demand = scale_demand;
    for (k, expr) in [
        "sum(hours_worked)",
        "sum(consumption)",
        "gini(wealth)",
        "mean(income) - mean(tax_paid) + mean(transfers) * 2",
        "sum(real_consumption) / sum(months_worked)",
        "var(interest) + mean(wealth * skill)",
    ]
    .into_iter()
    .enumerate()
    {
        // The ratio's value is ~10⁵ times its gradient, so central differences at h = 1e-5
        // carry ~1e-9 of round-off (at h = 1e-4 they agree with the adjoint to 1e-10): an
        // absolute floor of that size for it alone.
        let floor = if expr.contains(" / ") { 5e-9 } else { 0.0 };
        check_gradient(&model, &context(&model), expr, 10 + k as u64, 0.2, floor);
    }
    // A richer start: money already saved (the work clamp bends), tax brackets crossed.
    let mut rich = field(12, 4, 40);
    rich.scale_demand = scale_demand;
    let mut r = Lcg(5);
    rich.money0 = (0..12).map(|_| 40_000.0 * r.unit()).collect();
    for expr in ["gini(wealth)", "sum(hours_worked)", "mean(interest)"] {
        check_gradient(&rich, &context(&rich), expr, 20, 0.2, 0.0);
    }
}

#[test]
fn efficiency_at_the_tolerance() {
    // Along w = α·1 the economy scales with α and its corners are smoothed: Gauss–Legendre
    // converges exponentially, over a short and over the scenario's 20-year horizon.
    for months in [36, 240] {
        let model = field(10, 7, months);
        let ctx = context(&model);
        for expr in ["sum(hours_worked)", "sum(consumption)", "gini(wealth)"] {
            let ind = Indicator::parse(expr).unwrap();
            let out = Outcome {
                indicator: &ind,
                context: &ctx,
            };
            let a = attribute_dynamic(&model, &out, 8, Some(1e-8), 1024).unwrap();
            println!(
                "{months} months, {expr}: gap {:.2e} at K = {}",
                a.completeness_gap, a.nodes
            );
            assert!(
                a.completeness_gap <= 1e-8,
                "{months} months, {expr}: gap {} at K = {}",
                a.completeness_gap,
                a.nodes
            );
            assert!(
                (a.value - a.baseline_value).abs() > 1e-4 * a.value.abs(),
                "{expr}: participation changes nothing?"
            );
            // Nobody works at w = 0 and wealth starts at 0: the Gini's M(0) is the limit.
            assert_eq!(a.baseline_is_limit, expr.starts_with("gini"), "{expr}");
        }
    }
}

#[test]
fn dummy_an_agent_who_cannot_work_and_has_nothing_gets_exactly_zero() {
    // Without taxes there is no rebate: an agent with no hours and no money never earns,
    // never buys, and its participation weight multiplies zeros everywhere.
    let mut model = field(9, 8, 30);
    model.brackets.clear();
    model.hours[4] = 0.0;
    model.money0[4] = 0.0;
    let ctx = context(&model);
    for (scale_demand, expr) in [
        (false, "gini(wealth)"),
        (false, "sum(consumption) + var(income)"),
        (true, "gini(wealth)"),
    ] {
        model.scale_demand = scale_demand;
        let a = attribute_at_k8(&model, &ctx, expr);
        assert_eq!(a.phi[4], 0.0, "{expr}: {:?}", a.phi);
        assert_eq!(a.phi.iter().filter(|p| **p != 0.0).count(), 8, "{expr}");
    }
}

#[test]
fn symmetry_identical_households_get_equal_phi() {
    let mut model = field(10, 9, 30);
    model.skill[6] = model.skill[2];
    let ctx = context(&model);
    for expr in ["gini(wealth)", "sum(hours_worked)", "mean(consumption)"] {
        let a = attribute_at_k8(&model, &ctx, expr);
        assert!(
            (a.phi[2] - a.phi[6]).abs() <= 1e-12 * a.phi[2].abs().max(1e-300),
            "{expr}: {} vs {}",
            a.phi[2],
            a.phi[6]
        );
        assert_ne!(a.phi[2], a.phi[3], "{expr}");
    }
}

/// The stochastic rule-baseline run of `months` months.
fn run(agents: usize, seed: u64, months: u32) -> Economy {
    let mut e = Economy::new(&EconConfig::default(), agents, seed);
    for _ in 0..months {
        let d = RuleBaseline.decide_batch(&e, &e.deciders());
        e.step(&d);
    }
    e
}

#[test]
fn the_expected_model_tracks_the_rule_baseline_run() {
    // Per seed (skills are drawn from the seed), the model at w = 1 against the run; the
    // model is the run without its noise, so the indicators agree to within the noise of
    // 10 households (labour draws) plus Jensen and smoothing bias. Loose tolerances; the
    // figures are printed with --nocapture.
    let (agents, months) = (10, 120);
    let exprs = [
        ("output", "sum(hours_worked)", 0.05),
        ("consumption", "sum(consumption)", 0.10),
        ("income", "sum(income)", 0.10),
        ("wealth_inequality", "gini(wealth)", 0.4),
    ];
    let seeds = 1..=6u64;
    let mut rel = vec![Vec::new(); exprs.len()];
    let mut means = vec![(0.0, 0.0); exprs.len()];
    for seed in seeds.clone() {
        let e = run(agents, seed, months);
        let model =
            EconField::from_economy(&Economy::new(&EconConfig::default(), agents, seed), months);
        let f = model.forward(&vec![1.0; agents], &[true; 9]);
        let run_table = FeatureTable::new(AgentIds::sequential(agents), e.features()).unwrap();
        let mut cols: Vec<(String, Vec<f64>)> = model
            .outputs()
            .iter()
            .map(|s| s.to_string())
            .zip(f.outputs)
            .collect();
        cols.push(("skill".into(), model.skill.clone()));
        let model_table = FeatureTable::new(AgentIds::sequential(agents), cols).unwrap();
        for (k, (name, expr, _)) in exprs.iter().enumerate() {
            let ind = Indicator::parse(expr).unwrap();
            let (a, b) = (
                evaluate(&run_table, &ind).unwrap(),
                evaluate(&model_table, &ind).unwrap(),
            );
            println!(
                "seed {seed} {name}: run {a:.6e}, model {b:.6e}, rel {:+.4}",
                b / a - 1.0
            );
            rel[k].push(b / a - 1.0);
            means[k].0 += a;
            means[k].1 += b;
        }
    }
    for (k, (name, _, tol)) in exprs.iter().enumerate() {
        let (a, b) = means[k];
        let mean_rel = b / a - 1.0;
        let worst = rel[k].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        println!("{name}: mean over seeds model/run − 1 = {mean_rel:+.4}, worst seed {worst:.4}");
        assert!(mean_rel.abs() <= *tol, "{name}: {mean_rel}");
    }
}
