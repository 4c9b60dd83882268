use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use emergent_attribution::{
    Attribution, Baseline, FeatureTable, Indicator, Method, Options, TierShare,
    attribute_with_progress, tier_shares,
};
use emergent_io::{IdColumn, read_table_for, write_table};
use emergent_scenario::limits::{MAX_NODES, MAX_TOTAL_NODES};
use serde_json::json;

use crate::commands::tiers::{DEFAULT_TIER_BY, TierArgs};
use emergent_runner::study::parse_baseline;

/// Most quadrature nodes: `Options::default().max_steps`, the most `--tol` doubles K to. The
/// rule costs O(K²) to build, so 10^7 nodes ran for tens of minutes.
const MAX_STEPS: i64 = 4096;
use crate::progress::Bar;

#[derive(clap::Args)]
pub struct Args {
    /// Feature table: one row per agent (.csv or .parquet), or a run directory (its final
    /// features: `features.parquet`, or a partitioned run's shards read as one table).
    #[arg(long, value_name = "FILE", required_unless_present_any = ["dynamic", "game"])]
    features: Option<PathBuf>,
    /// The macro indicator, e.g. `var(stance)` or `gini(posts + replies)`. With --dynamic: an
    /// indicator *name* of the run's scenario (repeatable; default all).
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    indicator: Vec<String>,
    /// Attribute a finished run's indicators through its dynamics (expected-value model,
    /// adjoint gradients) instead of through its final features.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["features", "out", "method", "baseline"])]
    dynamic: Option<PathBuf>,
    /// Ground truth: Shapley values of groups of agents (--groups), measured by rerunning a
    /// finished run's simulation with every group outside a coalition silenced from tick 0.
    /// Writes game.json and game.md into the run directory.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["features", "out", "method", "baseline", "dynamic", "nodes", "steps", "tol"])]
    game: Option<PathBuf>,
    /// The players of --game: tiers[:COLUMN[:A,B]] (default tiers:followers:0.01,0.1: top 1 %,
    /// next 9 %, rest), quantiles:COLUMN:K, communities, labels:COLUMN, table:PATH. With
    /// --dynamic: the same groups as a coalition structure (exact Shapley between the groups
    /// over G·2^(G−1) paths of the twin, Aumann–Shapley inside each; at most 12 groups).
    #[arg(long, value_name = "SPEC")]
    groups: Option<String>,
    /// Replicates of --game (common random numbers: replicate r has the same noise in every
    /// coalition; replicate 0 is the run's own), 1–1000.
    #[arg(long, default_value_t = 8, value_name = "R", requires = "game", value_parser = clap::value_parser!(u32).range(1..=1000))]
    replicates: u32,
    /// With --game: also play the game on the run's expected-value twin (one forward pass
    /// per coalition and indicator) and show each group's share there: separates what the
    /// twin gets wrong from what differs between Aumann–Shapley and a group game.
    #[arg(long, requires = "game")]
    twin: bool,
    /// Gauss–Legendre nodes in α for --dynamic, 1–64: one fixed K-node rule over [0, 1]
    /// (default: adaptive panels of the scenario's `[attribution] nodes`, 8, refined until the
    /// completeness gap is at most its `tol`, 1e-6; with --tol: K nodes per panel).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=MAX_NODES as i64))]
    nodes: Option<u32>,
    /// Most gradient evaluations per indicator (per path with --groups) of --dynamic's
    /// adaptive panels, 1–4096 (default: the scenario's `[attribution] max_nodes`, 512). Panels
    /// still off the tolerance when they are spent are anchored to the change between their
    /// ends, and the output reports the gap before that.
    #[arg(long, value_name = "N", requires = "dynamic", value_parser = clap::value_parser!(u32).range(1..=MAX_TOTAL_NODES as i64))]
    max_nodes: Option<u32>,
    /// zero | mean (equal shares) | min | COL=V,COL=V | a baseline table FILE with the same ids
    /// | initial (with a run directory: every agent's features at its first recorded tick).
    #[arg(long, default_value = "zero")]
    baseline: String,
    /// The agent id column (default: `agent_id` if present, else row numbers).
    #[arg(long, value_name = "COL")]
    id_col: Option<String>,
    /// auto | closed-form | quadrature | exact-shapley | sampled-shapley
    #[arg(long, default_value = "auto")]
    method: Method,
    /// Gauss–Legendre nodes for quadrature, 1–4096 (the most --tol doubles K to).
    #[arg(long, default_value_t = 32, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=MAX_STEPS))]
    steps: u32,
    /// Double K until the completeness gap is at most T (with --dynamic: halve panels of α
    /// until it is; default there: the scenario's `[attribution] tol`, 1e-6).
    #[arg(long, value_name = "T")]
    tol: Option<f64>,
    /// Permutations for sampled Shapley, 1–16777216 (default 1000; 2^24: the benchmarks reach
    /// 2^17 at equal error; the cost is M × N indicator evaluations). With --game: sample M
    /// permutations per replicate (even: antithetic pairs) instead of every coalition.
    #[arg(long, value_name = "M", value_parser = clap::value_parser!(u32).range(1..=16_777_216))]
    permutations: Option<u32>,
    /// Seed for sampled Shapley (and --game's permutations).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    tier: TierArgs,
    /// Write φ per agent (and per column) here (.csv or .parquet). Never one of the inputs.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Overwrite an existing --out file.
    #[arg(long, requires = "out")]
    force: bool,
    /// Print one JSON object on stdout instead of the summary.
    #[arg(long)]
    json: bool,
    /// Benchmarking: run the attribution R times in this process and report the median time
    /// (`seconds`; every run's in `seconds_all` with --json). Outputs come from the last run.
    #[arg(long, default_value_t = 1, value_name = "R", value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
}

/// Permutations of sampled Shapley when --permutations is not given.
const DEFAULT_PERMUTATIONS: u32 = 1000;

pub fn run(args: Args) -> Result<()> {
    if args.groups.is_some() && args.dynamic.is_none() && args.game.is_none() {
        bail!("--groups needs --game RUN_DIR or --dynamic RUN_DIR");
    }
    // clap's `requires` is not checked when the required argument conflicts with one that is
    // present (clap-rs/clap#4520), so these are checked here.
    if args.max_nodes.is_some() && args.dynamic.is_none() {
        bail!("--max-nodes needs --dynamic RUN_DIR (it budgets the dynamic attribution's panels)");
    }
    if args.twin && args.game.is_none() {
        bail!("--twin needs --game RUN_DIR (it plays the game on the run's twin too)");
    }
    if let Some(dir) = &args.dynamic {
        return dynamic(dir, &args);
    }
    if let Some(dir) = &args.game {
        return game(dir, &args);
    }
    let features = args.features.clone().context("--features is required")?;
    let [expr] = args.indicator.as_slice() else {
        bail!(
            "give exactly one --indicator EXPR (got {})",
            args.indicator.len()
        );
    };
    let ids = match &args.id_col {
        Some(c) => IdColumn::Named(c.clone()),
        None => IdColumn::Default,
    };
    let id_name = args
        .id_col
        .clone()
        .unwrap_or_else(|| IdColumn::DEFAULT_NAME.to_string());
    let indicator = Indicator::parse(expr).context("--indicator")?;
    args.tier.check()?;
    if let Some(out) = &args.out {
        let mut inputs = vec![features.clone()];
        // A baseline table is an input too (other --baseline values are not paths).
        let baseline_file = PathBuf::from(&args.baseline);
        if baseline_file.is_file() {
            inputs.push(baseline_file);
        }
        check_output(out, &inputs, args.force)?;
    }
    let table = if features.is_dir() {
        emergent_io::read_dataset(&features, "features", &ids)?
    } else {
        let mut uses = indicator.columns().to_vec();
        uses.extend(args.tier.tier_by.iter().cloned());
        read_table_for(&features, &ids, &uses)?
    };
    let baseline = parse_baseline(
        &args.baseline,
        &ids,
        features.is_dir().then_some(features.as_path()),
    )?;
    let baseline_name = name_of(&args.baseline, &baseline);
    let opts = Options {
        method: args.method,
        steps: args.steps as usize,
        tol: args.tol,
        permutations: args.permutations.unwrap_or(DEFAULT_PERMUTATIONS) as usize,
        seed: args.seed,
        ..Options::default()
    };
    let (a, seconds, seconds_all) =
        timed_runs(&table, &indicator, &baseline, &opts, args.repeat, &features)?;
    let tier_col = match &args.tier.tier_by {
        Some(c) => Some(table.require(c).map(|_| c.clone())?),
        None => table
            .column(DEFAULT_TIER_BY)
            .map(|_| DEFAULT_TIER_BY.to_string()),
    };
    let tiers = tier_col.as_ref().map(|c| {
        tier_shares(
            &a.phi,
            table.column(c).unwrap_or_default(),
            &args.tier.tiers,
        )
    });
    if let Some(out) = &args.out {
        write_phi(out, &id_name, &table, &a)?;
    }
    if let Some(t) = opts.tol
        && a.completeness_gap > t
    {
        eprintln!(
            "warning: the completeness gap {:.3e} is still above --tol {t:e} at K = {} nodes (the maximum); the integrand may not be smooth along the path",
            a.completeness_gap,
            a.steps.unwrap_or(0)
        );
    }
    if args.json {
        print_json(
            &a,
            &baseline_name,
            &table,
            seconds,
            seconds_all,
            &tier_col,
            &tiers,
            &args.out,
        )?;
    } else {
        print_summary(
            &table,
            &a,
            &baseline_name,
            seconds,
            tier_col.as_deref(),
            tiers.as_deref(),
            args.out.as_ref(),
        );
    }
    Ok(())
}

/// Runs the attribution `repeat` times (benchmarking), each from a freed slate, and returns the
/// last run's result with the median time and every run's time in run order.
fn timed_runs(
    table: &FeatureTable,
    indicator: &Indicator,
    baseline: &Baseline,
    opts: &Options,
    repeat: u32,
    features: &std::path::Path,
) -> Result<(Attribution, f64, Vec<f64>)> {
    let mut times = Vec::with_capacity(repeat as usize);
    let mut last = None;
    for _ in 0..repeat {
        drop(last.take()); // free the previous run's φ first, as a fresh run would find it
        let bar = Bar::new();
        let started = Instant::now();
        let result = attribute_with_progress(table, indicator, baseline, opts, &bar);
        times.push(started.elapsed().as_secs_f64());
        bar.finish();
        last =
            Some(result.with_context(|| {
                format!("attributing `{}` over {}", indicator, features.display())
            })?);
    }
    let a = last.context("at least one run")?;
    let seconds_all = times.clone();
    times.sort_by(f64::total_cmp);
    let seconds = times[times.len() / 2];
    Ok((a, seconds, seconds_all))
}

/// Writes φ per agent, then φ per column as `phi_<column>`, keyed by the agent ids.
fn write_phi(
    out: &std::path::Path,
    id_name: &str,
    table: &FeatureTable,
    a: &Attribution,
) -> Result<()> {
    let mut cols: Vec<(String, &[f64])> = vec![("phi".to_string(), a.phi.as_slice())];
    for (name, v) in a.columns.iter().zip(&a.phi_by_column) {
        cols.push((format!("phi_{name}"), v.as_slice()));
    }
    write_table(out, id_name, table.ids(), &cols)?;
    Ok(())
}

/// The --json report: one object, keys in serde_json's (sorted) order.
#[allow(clippy::too_many_arguments)]
fn print_json(
    a: &Attribution,
    baseline: &str,
    table: &FeatureTable,
    seconds: f64,
    seconds_all: Vec<f64>,
    tier_col: &Option<String>,
    tiers: &Option<Vec<TierShare>>,
    out: &Option<PathBuf>,
) -> Result<()> {
    let obj = json!({
        "indicator": a.indicator,
        "value": a.value,
        "baseline": baseline,
        "baseline_value": a.baseline_value,
        "sum_phi": a.sum_phi,
        "completeness_gap": a.completeness_gap,
        "method": a.method.name(),
        "steps": a.steps,
        "permutations": a.permutations,
        "n_agents": table.len(),
        "seconds": seconds,
        "seconds_all": seconds_all,
        "tier_by": tier_col,
        "tiers": tiers,
        "out": out,
    });
    println!("{}", serde_json::to_string_pretty(&obj)?);
    Ok(())
}

/// The name a baseline is reported by: `initial` for the first recorded tick (a table).
pub(crate) fn name_of(text: &str, baseline: &Baseline) -> String {
    match text {
        "initial" => "initial".to_string(),
        _ => baseline.name(),
    }
}

/// Refuse an output we could not, or must not, write before doing the work.
fn check_output(out: &std::path::Path, inputs: &[PathBuf], force: bool) -> Result<()> {
    match out.extension().and_then(|e| e.to_str()) {
        Some("csv") | Some("parquet") => {}
        _ => bail!("--out {}: use a .csv or .parquet file name", out.display()),
    }
    if let Some(dir) = out.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        bail!(
            "--out {}: the folder {} does not exist",
            out.display(),
            dir.display()
        );
    }
    emergent_io::check_output_path(out, inputs, force)?;
    Ok(())
}

fn print_summary(
    table: &FeatureTable,
    a: &Attribution,
    baseline: &str,
    seconds: f64,
    tier_by: Option<&str>,
    tiers: Option<&[TierShare]>,
    out: Option<&PathBuf>,
) {
    let n = table.len();
    let detail = match (a.steps, a.permutations) {
        (Some(k), _) => format!(", K = {k} nodes"),
        (_, Some(m)) => format!(", M = {m} permutations"),
        _ => String::new(),
    };
    println!("indicator         {}", a.indicator);
    println!(
        "method            {}{detail} ({n} agents, {seconds:.3} s)",
        a.method.name()
    );
    println!("f(x)              {}", a.value);
    println!(
        "f(x') [{}]{}{}",
        baseline,
        " ".repeat(10usize.saturating_sub(baseline.len())),
        a.baseline_value
    );
    println!("sum of phi        {}", a.sum_phi);
    println!("completeness gap  {:.3e}", a.completeness_gap);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a.phi[j].abs().total_cmp(&a.phi[i].abs()).then(i.cmp(&j)));
    println!("top agents by |phi|:");
    for &i in order.iter().take(5) {
        let share = if a.sum_phi != 0.0 {
            format!("{:>8.2}%", 100.0 * a.phi[i] / a.sum_phi)
        } else {
            String::new()
        };
        println!("  {:<24} {:>14.6e} {share}", table.ids().label(i), a.phi[i]);
    }
    if let (Some(col), Some(tiers)) = (tier_by, tiers) {
        println!("tier shares (ranked by {col}):");
        for t in tiers {
            println!(
                "  {:<12} {:>9} agents {:>9.2}%",
                t.name,
                t.to - t.from,
                100.0 * t.share
            );
        }
    }
    if let Some(out) = out {
        println!("wrote {}", out.display());
    }
}

fn dynamic(dir: &std::path::Path, args: &Args) -> Result<()> {
    let started = Instant::now();
    let groups = match &args.groups {
        Some(text) => Some(
            text.parse::<emergent_runner::GroupSpec>()
                .map_err(|e| anyhow::anyhow!("--groups {e}"))?,
        ),
        None => None,
    };
    let opts = emergent_runner::DynamicOptions {
        indicators: args.indicator.clone(),
        nodes: args.nodes.map(|k| k as usize),
        tol: args.tol,
        max_nodes: args.max_nodes.map(|k| k as usize),
        groups,
        groups_text: args.groups.clone().unwrap_or_default(),
    };
    let outcomes = emergent_runner::attribute_dynamic_run(dir, &opts)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "indicators": outcomes, "seconds": started.elapsed().as_secs_f64() })
            )?
        );
        return Ok(());
    }
    for o in &outcomes {
        println!("{} = {}", o.name, o.expr);
        if let Some(note) = &o.note {
            println!("  not attributed through the dynamics: it {note}");
            continue;
        }
        println!(
            "  expected-value run M(1) = {:.6} (stochastic run: {}), no influence M(0{}) = {:.6}",
            o.value,
            o.run_value.map_or("n/a".into(), |v| format!("{v:.6}")),
            // Undefined at 0: the limit from inside the path.
            if o.baseline_is_limit { "⁺" } else { "" },
            o.baseline_value
        );
        println!(
            "  sum of phi {:.6}, completeness gap {:.2e}, K = {} nodes in {} panel{}, {:.2} s (backward/forward {:.2})",
            o.sum_phi,
            o.completeness_gap,
            o.nodes,
            o.panels,
            if o.panels == 1 { "" } else { "s" },
            o.seconds,
            o.backward_over_forward
        );
        if let Some(tol) = o.tolerance
            && !o.tolerance_met
        {
            println!("  {}", tolerance_missed(o, tol));
        }
        if let Some(a) = &o.anchoring {
            println!("{}", anchoring_line(a, o.stalled));
        }
        if let Some(c) = &o.comparison {
            println!(
                "  vs static attribution: Spearman {:.3}, top-100 overlap (Jaccard) {:.3}",
                c.spearman, c.top100_jaccard
            );
        }
        for t in &o.tiers {
            println!(
                "    {:<12} {:>8.2}% of the dynamic attribution",
                t.name,
                100.0 * t.share
            );
        }
        print_groups(o, args.groups.as_deref());
    }
    println!(
        "wrote {}/dynamic_attribution.parquet and dynamic_attribution.json",
        dir.display()
    );
    Ok(())
}

/// The group lines of a dynamic attribution with a coalition structure.
fn print_groups(o: &emergent_io::run_dir::DynamicOutcome, spec: Option<&str>) {
    if o.groups.is_empty() {
        return;
    }
    let g = o.groups.len();
    println!(
        "  with the coalition structure {} ({} paths of α): group, share, Σφ, twin corner-game Shapley",
        spec.unwrap_or_default(),
        g << (g - 1)
    );
    for group in &o.groups {
        println!(
            "    {:<12} {:>8} {:>14.6e} {:>14.6e}",
            group.name,
            group
                .share
                .map_or("n/a".into(), |s| format!("{:.2}%", 100.0 * s)),
            group.phi,
            group.corner_shapley
        );
    }
}

/// What anchoring did, when the quadrature alone missed its tolerance.
fn anchoring_line(a: &emergent_io::run_dir::Anchoring, stalled: bool) -> String {
    let part = |count: usize, replaced: usize, what: &str, shared: &str| {
        let s = if count == 1 { "" } else { "s" };
        let ends = if count == 1 { "its" } else { "their" };
        let replaced = match replaced {
            0 => String::new(),
            r => format!(
                " ({r} of them off by more than that change, which is then shared equally {shared})"
            ),
        };
        format!("{count} {what}{s} anchored to the change between {ends} ends{replaced}")
    };
    let mut parts = Vec::new();
    if a.anchored_panels > 0 {
        parts.push(part(
            a.anchored_panels,
            a.replaced_panels,
            "panel",
            "among the agents moving there",
        ));
    }
    if a.anchored_paths > 0 {
        parts.push(part(
            a.anchored_paths,
            a.replaced_paths,
            "path",
            "in the group",
        ));
    }
    format!(
        "  the quadrature alone missed its tolerance (gap before anchoring {:.1e}{}): {} (docs/dynamic-attribution.md, \"Paths the quadrature cannot integrate\")",
        a.quadrature_gap,
        if stalled { ", refinement stalled" } else { "" },
        parts.join("; ")
    )
}

/// Why the dynamic attribution's gap is above the tolerance it was asked for.
fn tolerance_missed(o: &emergent_io::run_dir::DynamicOutcome, tol: f64) -> String {
    if o.stalled {
        format!(
            "tolerance {tol:e} not met: halving the panels of α stopped reducing the gap, so M(α·1) has steps narrower than the panels (agents whose final side flips with α; docs/dynamic-attribution.md, \"Quadrature\")"
        )
    } else {
        format!(
            "tolerance {tol:e} not met within {} nodes ([attribution] max_nodes; --nodes K alone fixes one K-node rule)",
            o.nodes
        )
    }
}

fn game(dir: &std::path::Path, args: &Args) -> Result<()> {
    let text = args.groups.clone().unwrap_or_else(|| "tiers".to_string());
    let groups: emergent_runner::GroupSpec =
        text.parse().map_err(|e| anyhow::anyhow!("--groups {e}"))?;
    let opts = emergent_runner::GameOptions {
        groups,
        groups_text: text,
        replicates: args.replicates as usize,
        indicators: args.indicator.clone(),
        permutations: args.permutations.map(|p| p as usize),
        seed: args.seed,
        twin: args.twin,
    };
    let bar = Bar::new();
    let played = emergent_runner::play_game(dir, &opts, &bar);
    bar.finish();
    let file = played?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&file)?);
        return Ok(());
    }
    print!("{}", emergent_runner::game_markdown(&file));
    println!(
        "wrote {}/{} and {}",
        dir.display(),
        emergent_io::run_dir::GAME_JSON,
        emergent_io::run_dir::GAME_MD
    );
    Ok(())
}
