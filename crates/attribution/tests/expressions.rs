//! Hostile and generated indicator expressions: huge, deep, malformed or numerically
//! awkward input gives a located error or a result, never a panic, an abort or a hang; and
//! well-formed generated expressions attribute completely.

mod common;
use common::*;
use emergent_attribution::indicator::{MAX_EXPRESSION_BYTES, MAX_NESTING};
use emergent_attribution::{
    AttributionError, Baseline, FeatureTable, Indicator, Method, MethodUsed, Options, attribute,
    evaluate,
};
use proptest::prelude::*;

fn small(n: usize) -> FeatureTable {
    let col = |a: usize| (0..n).map(|i| ((i * a + 3) % 7) as f64 + 0.5).collect();
    table(&[("x", col(3)), ("y", col(5)), ("z", col(2))])
}

/// Quadrature with few nodes: these tests check that huge indicators run, not accuracy.
fn quick() -> Options {
    Options {
        method: Method::Quadrature,
        steps: 2,
        ..Options::default()
    }
}

fn parse_err(e: &str) -> emergent_attribution::ParseError {
    Indicator::parse(e).expect_err("should be refused")
}

/// Issue example: a flat sum of 40,000 terms overflowed the stack (abort). As 40,000
/// aggregates and as 40,000 terms inside one aggregate it now parses, evaluates and attributes.
#[test]
fn a_flat_sum_of_40000_terms_works() {
    let t = small(6);
    let n = 40_000;
    let aggregates = vec!["mean(x)"; n].join("+");
    let ind = Indicator::parse(&aggregates).unwrap();
    let one = evaluate(&t, &Indicator::parse("mean(x)").unwrap()).unwrap();
    let v = evaluate(&t, &ind).unwrap();
    assert!((v - n as f64 * one).abs() < 1e-9 * v.abs(), "{v}");
    let a = attribute(&t, &ind, &Baseline::Zero, &quick()).unwrap();
    assert!(a.completeness_gap < 1e-9, "{}", a.completeness_gap);

    let terms = format!("sum({})", vec!["x"; n].join(" - y + "));
    let ind = Indicator::parse(&terms).unwrap();
    let a = attribute(&t, &ind, &Baseline::Zero, &Options::default()).unwrap();
    assert!(a.completeness_gap < 1e-9, "{}", a.completeness_gap);
    // Degree 2 along the path: two Gauss–Legendre nodes integrate it exactly.
    let products = format!("mean({})", vec!["x * y - z / 2"; n].join(" + "));
    let ind = Indicator::parse(&products).unwrap();
    let a = attribute(&t, &ind, &Baseline::Mean, &quick()).unwrap();
    assert!(a.completeness_gap < 1e-9, "{}", a.completeness_gap);
    // An error about a huge indicator quotes its start, not all of it.
    let ratio = format!("mean({})", vec!["x / z"; n].join(" + "));
    let err = attribute(
        &t,
        &Indicator::parse(&ratio).unwrap(),
        &Baseline::Zero,
        &quick(),
    )
    .expect_err("x / z is 0 / 0 at the zero baseline");
    assert!(matches!(err, AttributionError::NotFinite { .. }), "{err}");
    assert!(err.to_string().len() < 600, "{}", err.to_string().len());
}

/// N aggregates cost O(N): 40,000 of them (the same or distinct) lower to 40,000 aggregates,
/// an outer tape of 2N − 1 nodes and one short term each, and attribute in well under a second
/// of an optimised build (this test runs them, it does not time them: see benches/).
#[test]
fn many_aggregates_lower_to_structures_linear_in_their_number() {
    let n = 40_000;
    let distinct: Vec<String> = (0..n)
        .map(|k| format!("{}(x * {k} + y)", ["mean", "sum", "var", "std"][k % 4]))
        .collect();
    let ind = Indicator::parse(&distinct.join(" + ")).unwrap();
    assert_eq!(ind.columns(), ["x", "y"]);
    let t = small(5);
    let v = evaluate(&t, &ind).unwrap();
    assert!(v.is_finite());
    let a = attribute(&t, &ind, &Baseline::Mean, &quick()).unwrap();
    assert!(a.completeness_gap < 1e-6, "{}", a.completeness_gap);
}

/// Issue example: 10,000 nested parentheses overflowed the stack. Nesting past the limit is
/// refused, naming the limit and pointing at the parenthesis that opens one level too many.
#[test]
fn ten_thousand_nested_parentheses_are_refused_at_the_limit() {
    let deep = |k: usize| format!("mean({}x{})", "(".repeat(k), ")".repeat(k));
    let e = parse_err(&deep(10_000));
    assert!(e.message.contains(&MAX_NESTING.to_string()), "{e}");
    assert!(e.message.contains("nests more than"), "{e}");
    // mean( opens level 1, so the (MAX_NESTING)th parenthesis is one too many.
    assert_eq!(e.column, "mean(".len() + MAX_NESTING - 1, "{e}");
    let ok = Indicator::parse(&deep(MAX_NESTING - 1)).unwrap();
    assert_eq!(ok.columns(), ["x"]);
    assert!(Indicator::parse(&deep(MAX_NESTING)).is_err());
    // Every construct that nests counts: unary signs, `^` chains and calls.
    for e in [
        format!("mean({}x)", "-".repeat(10_000)),
        format!("mean({}x)", "+ ".repeat(10_000)),
        format!("mean(x{})", "^1".repeat(10_000)),
        format!("{}mean(x){}", "sqrt(".repeat(10_000), ")".repeat(10_000)),
        format!("mean({}x{})", "abs(".repeat(10_000), ")".repeat(10_000)),
        format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000)),
    ] {
        let err = parse_err(&e);
        assert!(err.message.contains("nests more than 128 levels"), "{err}");
        assert!(err.column < e.len());
    }
}

/// The deepest accepted nesting of every kind parses on a quarter of a default thread stack
/// (the worst, nested calls, needs about half of that in this optimised test build).
#[test]
fn the_deepest_accepted_expressions_need_little_stack() {
    let cases = vec![
        format!(
            "mean({}x{})",
            "(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        ),
        format!("mean({}x)", "-".repeat(MAX_NESTING - 1)),
        format!(
            "{}mean(x){}",
            "ln(1 + ".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        ),
        format!(
            "mean({}x{})",
            "(1 + 2 * -(x - ".repeat(MAX_NESTING / 3),
            "))".repeat(MAX_NESTING / 3)
        ),
        // mean( and ^ open a level each, every -( two: a constant exponent of 63 signs.
        format!(
            "mean(x ^ {}2{})",
            "-(".repeat(MAX_NESTING / 2 - 1),
            ")".repeat(MAX_NESTING / 2 - 1)
        ),
    ];
    std::thread::Builder::new()
        .stack_size(512 << 10)
        .spawn(move || {
            for e in &cases {
                let ind = Indicator::parse(e).unwrap_or_else(|err| panic!("{err}"));
                drop(ind);
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Issue example: a 1 MB expression. Up to MAX_EXPRESSION_BYTES it parses and evaluates in
/// linear time; past it, it is refused with the limit named, before any work.
#[test]
fn a_one_megabyte_expression_works_and_a_longer_one_is_refused() {
    let t = small(4);
    let mut e = String::from("mean(x");
    while e.len() + 5 < 1_000_000 {
        e.push_str(" + y");
    }
    e.push(')');
    assert!(e.len() <= MAX_EXPRESSION_BYTES);
    let ind = Indicator::parse(&e).unwrap();
    assert!(evaluate(&t, &ind).unwrap().is_finite());
    let a = attribute(&t, &ind, &Baseline::Zero, &Options::default()).unwrap();
    assert!(a.completeness_gap < 1e-9);

    let long = format!("mean(x){}", " + mean(x)".repeat(MAX_EXPRESSION_BYTES / 10));
    let err = parse_err(&long);
    assert!(err.message.contains("1048576 bytes"), "{err}");
    assert!(err.column <= long.len());
    // The message quotes the expression around the column, not a megabyte of it.
    assert!(err.to_string().len() < 600, "{}", err.to_string().len());
    assert!(err.to_string().contains('…'));
    // A megabyte-long name or number is not a panic either.
    assert!(Indicator::parse(&"9".repeat(400)).is_err());
    let name = format!("mean({})", "a".repeat(900_000));
    assert_eq!(Indicator::parse(&name).unwrap().columns()[0].len(), 900_000);
}

/// Accepted input that is numerically awkward gives a clear error or IEEE values, never a
/// panic: logs of zero, divisions by zero, huge powers, NaN sorts in gini.
#[test]
fn numerically_awkward_indicators_give_errors_not_panics() {
    let t = table(&[("x", vec![0.0, 1.0, 2.0]), ("y", vec![0.0, 0.0, 0.0])]);
    for e in [
        "mean(ln(x))",
        "mean(x / y)",
        "mean(x) / mean(y)",
        "gini(ln(x))",
        "gini(x - 5)",
        "gini(y)",
        "std(y) * 0 + mean(x) / std(y)",
        "mean(pow(x - 1, 0.5))",
        "mean(x ^ 1e300)",
        "exp(mean(exp(exp(x * 100))))",
        "sqrt(mean(-x - 1))",
        "((((mean(x) ^ 8) ^ 8) ^ 8) ^ 8) ^ 8",
        "(var(x) ^ 8) ^ 8",
    ] {
        let ind = Indicator::parse(e).unwrap_or_else(|err| panic!("{err}"));
        let _ = evaluate(&t, &ind);
        for m in [
            Method::Auto,
            Method::ClosedForm,
            Method::Quadrature,
            Method::ExactShapley,
            Method::SampledShapley,
        ] {
            for b in [Baseline::Zero, Baseline::Mean, Baseline::Min] {
                let opts = Options {
                    method: m,
                    permutations: 8,
                    ..Options::default()
                };
                match attribute(&t, &ind, &b, &opts) {
                    Ok(a) => assert_eq!(a.phi.len(), 3),
                    Err(err) => assert!(!err.to_string().is_empty(), "{e}"),
                }
            }
        }
    }
    let err = parse_err("mean(x) * 1e400");
    assert!(err.message.contains("too large"), "{err}");
    assert_eq!(err.column, 10);
}

// ---------------------------------------------------------------------------------------
// Property-based fuzzing.

/// A well-formed per-agent term over x, y, z whose every function is smooth and finite on
/// the whole line (so quadrature converges and completeness can be checked tightly).
fn term() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("z".to_string()),
        (0u32..20).prop_map(|c| format!("{}", c as f64 / 4.0)),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) * ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} / (1 + ({b}) ^ 2)")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("log1p(({a}) ^ 2)")),
            inner.clone().prop_map(|a| format!("sqrt(1 + pow({a}, 2))")),
            inner
                .clone()
                .prop_map(|a| format!("exp(({a}) / (1 + ({a}) ^ 2))")),
        ]
    })
}

/// A well-formed indicator: smooth aggregates of terms combined by smooth operations.
fn indicator() -> impl Strategy<Value = String> {
    let one = (
        prop_oneof![
            Just("mean"),
            Just("sum"),
            Just("var"),
            Just("skew"),
            Just("kurt"),
            Just("bimodality")
        ],
        term(),
    )
        .prop_map(|(f, t)| format!("{f}({t})"));
    let two = (prop_oneof![Just("cov"), Just("corr")], term(), term())
        .prop_map(|(f, a, b)| format!("{f}({a}, {b})"));
    // A share by comparison: a step, zero gradient almost everywhere.
    let share = (
        prop_oneof![Just("mean"), Just("sum")],
        term(),
        prop_oneof![Just(">"), Just("<="), Just("<"), Just(">=")],
        term(),
    )
        .prop_map(|(f, a, op, b)| format!("{f}(({a}) {op} ({b}))"));
    let agg = prop_oneof![4 => one, 1 => two, 1 => share];
    agg.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} + {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) * ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) / (2 + ({b}) ^ 2)")),
            inner.clone().prop_map(|a| format!("log1p(({a}) ^ 2)")),
            inner.clone().prop_map(|a| format!("3 * ({a}) - 1")),
        ]
    })
}

/// A valid expression with one edit: a character deleted, replaced or inserted, or the text
/// cut short, so that the parser is exercised past the first token.
fn near_valid() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "()+-*/^,<>=.e0123456789 xyzmeansuvrtdgilog1pqbwkc_é\u{0}"
        .chars()
        .collect();
    (
        indicator(),
        any::<prop::sample::Index>(),
        0usize..4,
        prop::sample::select(alphabet),
    )
        .prop_map(|(e, at, edit, c)| {
            let chars: Vec<char> = e.chars().collect();
            let i = at.index(chars.len() + 1);
            let mut out: Vec<char> = chars.clone();
            match edit {
                0 if i < chars.len() => {
                    out.remove(i);
                }
                1 if i < chars.len() => out[i] = c,
                2 => out.insert(i, c),
                _ => out.truncate(i),
            }
            out.into_iter().collect()
        })
}

/// What any input must give: an indicator, or an error whose column lies within the input
/// and whose message renders.
fn check_parse(text: &str) -> Result<Indicator, TestCaseError> {
    match Indicator::parse(text) {
        Ok(ind) => Ok(ind),
        Err(e) => {
            prop_assert!(
                e.column <= text.chars().count(),
                "column {} past the end of {text:?}",
                e.column
            );
            prop_assert!(!e.to_string().is_empty());
            Err(TestCaseError::reject("not an indicator"))
        }
    }
}

fn fuzz_table() -> impl Strategy<Value = FeatureTable> {
    (2usize..=6).prop_flat_map(|n| {
        (
            prop::collection::vec(-3.0f64..3.0, n),
            prop::collection::vec(0.0f64..5.0, n),
            prop::collection::vec(-1.0f64..1.0, n),
        )
            .prop_map(|(x, y, z)| table(&[("x", x), ("y", y), ("z", z)]))
    })
}

proptest! {
    /// Arbitrary strings and mutated valid expressions: no panic, no hang, and every error
    /// points inside the input.
    #[test]
    fn fuzz_expression_parser(
        text in prop_oneof![
            any::<String>(),
            "[-+*/^(),<>=.eE0-9 a-z]{0,60}",
            near_valid(),
        ]
    ) {
        // What parses also evaluates and attributes (to a result or an error) without a panic.
        if let Ok(ind) = check_parse(&text) {
            let t = small(3);
            let _ = evaluate(&t, &ind);
            let _ = attribute(&t, &ind, &Baseline::Mean, &quick());
        }
    }

    /// Generated well-formed expressions parse, evaluate without panic, and attribute
    /// completely: Σφ = f(x) − f(x') within quadrature's accuracy, for every method that runs.
    #[test]
    fn fuzz_generated_indicators_attribute_completely(
        expr in indicator(),
        t in fuzz_table(),
        base in 0usize..4,
    ) {
        let ind = Indicator::parse(&expr).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let base = match base {
            0 => Baseline::Zero,
            1 => Baseline::Mean,
            2 => Baseline::Min,
            // Per agent: the scale-free aggregates (corr, skew, kurt, bimodality) are
            // undefined at a constant baseline.
            _ => Baseline::Table(table(&["x", "y", "z"].map(|c| {
                let v = t.column(c).unwrap();
                (c, v.iter().enumerate().map(|(i, x)| 0.5 * x + 0.1 * i as f64).collect())
            }))),
        };
        let v = evaluate(&t, &ind);
        // A step's jump is seen only by the exact separable form, never by quadrature.
        let steps = expr.contains('<') || expr.contains('>');
        // On 2–4 agents corr is ±1 and skew a sign (a jump where the sign flips), kurt and
        // bimodality are undefined or barely so: not C¹ along the path, so completeness is
        // asserted for them from 5 agents on.
        let steps = steps
            || (t.len() < 5
                && ["corr", "skew", "kurt", "bimodality"].iter().any(|a| expr.contains(a)))
            || scale_free_of_a_constant(&expr);
        for method in [Method::Auto, Method::Quadrature] {
            // Quadrature doubles its nodes until the gap is tiny (the functions are analytic,
            // so it converges fast); the closed forms are exact.
            let opts = Options { method, steps: 32, tol: Some(1e-10), max_steps: 1024, ..Options::default() };
            match attribute(&t, &ind, &base, &opts) {
                Ok(a) => {
                    let v = v.as_ref().map_err(|e| TestCaseError::fail(format!("{e}")))?;
                    prop_assert!((a.value - v).abs() <= 1e-12 * (1.0 + v.abs()), "{} vs {}", a.value, v);
                    let delta = a.value - a.baseline_value;
                    let scale = 1.0 + a.value.abs() + a.baseline_value.abs();
                    if steps && a.method != MethodUsed::ClosedForm {
                        continue;
                    }
                    prop_assert!(
                        (a.sum_phi - delta).abs() <= 1e-6 * scale,
                        "{} {:?} {:?}: Σφ = {} but Δf = {}", expr, base.name(), method, a.sum_phi, delta
                    );
                }
                // Overflow on a generated input is a clear error, not a panic.
                Err(AttributionError::NotFinite { .. }) => {}
                Err(e) => prop_assert!(false, "{}: {}", expr, e),
            }
        }
    }
}

/// Whether `expr` applies a scale-free aggregate (corr, skew, kurt, bimodality) to a term that
/// reads no column: 0/0 in exact arithmetic, finite round-off noise in floating point (the
/// centred variance of N equal values is ~1e-32, not 0), so neither its value nor its
/// completeness means anything.
fn scale_free_of_a_constant(expr: &str) -> bool {
    ["corr(", "skew(", "kurt(", "bimodality("]
        .iter()
        .any(|agg| {
            expr.match_indices(agg).any(|(at, _)| {
                let args = &expr[at + agg.len()..];
                let mut depth = 1usize;
                let end = args
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(args.len(), |(i, _)| i);
                // Each argument (split at top-level commas) must read a column.
                let mut depth = 0usize;
                let mut parts = vec![String::new()];
                for c in args[..end].chars() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        ',' if depth == 0 => {
                            parts.push(String::new());
                            continue;
                        }
                        _ => {}
                    }
                    if let Some(p) = parts.last_mut() {
                        p.push(c);
                    }
                }
                // `exp` is the only function name with a column's letter in it.
                parts
                    .iter()
                    .map(|p| p.replace("exp(", "("))
                    .any(|p| !p.contains('x') && !p.contains('y') && !p.contains('z'))
            })
        })
}

#[test]
fn a_scale_free_aggregate_of_a_constant_is_recognised() {
    assert!(scale_free_of_a_constant(
        "mean(x) * corr(sqrt(1 + pow(3.25, 2)), x)"
    ));
    assert!(!scale_free_of_a_constant("corr(x, y + 1)"));
    assert!(scale_free_of_a_constant("skew(2)"));
    assert!(!scale_free_of_a_constant("bimodality(exp(z))"));
    assert!(scale_free_of_a_constant("kurt(exp(2))"));
}
