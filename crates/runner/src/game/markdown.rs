//! `game.md` (and the command's summary): per indicator, one row per group with the ground
//! truth's share and interval beside the static and dynamic shares.

use std::fmt::Write;

use emergent_io::run_dir::{Estimate, GameFile, GameGroup, GameIndicator};

/// `x` as a percentage, or `–` when undefined.
fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:.1} %", 100.0 * v),
        _ => "–".into(),
    }
}

/// `[low, high]` as percentages.
fn pct_interval(e: &Estimate) -> String {
    match e.low.is_finite() && e.high.is_finite() {
        true => format!("[{:.1}, {:.1}] %", 100.0 * e.low, 100.0 * e.high),
        false => "–".into(),
    }
}

/// A share beside the interval: marked `*` when it falls outside it.
fn beside(share: Option<f64>, truth: &Estimate) -> String {
    match share {
        Some(s) if s.is_finite() && truth.low.is_finite() && !truth.contains(s) => {
            format!("{} *", pct(Some(s)))
        }
        s => pct(s),
    }
}

fn value(e: &Estimate) -> String {
    match e.std_error.is_finite() {
        true => format!("{:.6} ± {:.6}", e.mean, e.high - e.mean),
        false => format!("{:.6}", e.mean),
    }
}

/// The mean v(S) of every coalition of a small exact game, by the groups that speak in it.
fn coalitions(out: &mut String, i: &GameIndicator, groups: &[GameGroup]) {
    if i.coalition_values.is_empty() || i.coalition_values.len() > 16 {
        return;
    }
    let twin = &i.twin_coalition_values;
    out.push_str(match twin.is_empty() {
        true => "| speaking (the others silenced) | v(S), mean |\n|---|---:|\n",
        false => "| speaking (the others silenced) | v(S), mean | twin M(w_S) |\n|---|---:|---:|\n",
    });
    for (mask, v) in i.coalition_values.iter().enumerate() {
        let names: Vec<&str> = groups
            .iter()
            .enumerate()
            .filter(|(g, _)| mask >> g & 1 == 1)
            .map(|(_, g)| g.name.as_str())
            .collect();
        let who = match names.is_empty() {
            true => "nobody".to_string(),
            false => names.join(" + "),
        };
        let _ = match twin.get(mask) {
            Some(t) => writeln!(out, "| {who} | {v:.6} | {t:.6} |"),
            None => writeln!(out, "| {who} | {v:.6} |"),
        };
    }
    out.push('\n');
}

fn indicator(out: &mut String, i: &GameIndicator, groups: &[GameGroup]) {
    let _ = writeln!(out, "## {} = `{}`\n", i.name, i.expr);
    let run = i.run_value.map_or("n/a".into(), |v| format!("{v:.6}"));
    let _ = writeln!(
        out,
        "v(N) = {} (replicate 0: {:.6}; the run: {run}), v(∅) = {}, v(N) − v(∅) = {}; \
         efficiency gap {:.1e}.\n",
        value(&i.grand),
        i.replayed_value,
        value(&i.empty),
        value(&i.total),
        i.efficiency_gap
    );
    let twin = !i.twin_coalition_values.is_empty();
    out.push_str(
        "| group | agents | Shapley φ | 95 % interval | share | 95 % interval | static share | dynamic share |",
    );
    out.push_str(match twin {
        true => " twin game share |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        false => "\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    });
    for g in &i.groups {
        let phi_ci = match g.shapley.low.is_finite() {
            true => format!("[{:.3e}, {:.3e}]", g.shapley.low, g.shapley.high),
            false => "–".into(),
        };
        let _ = write!(
            out,
            "| {} | {} | {:.4e} | {phi_ci} | {} | {} | {} | {} |",
            g.name,
            g.agents,
            g.shapley.mean,
            pct(Some(g.share.mean)),
            pct_interval(&g.share),
            beside(g.static_share, &g.share),
            beside(g.dynamic_share, &g.share),
        );
        let _ = match twin {
            true => writeln!(out, " {} |", beside(g.twin_share, &g.share)),
            false => writeln!(out),
        };
    }
    out.push('\n');
    if twin {
        let values = &i.twin_coalition_values;
        let (grand, empty) = (values[values.len() - 1], values[0]);
        let _ = writeln!(
            out,
            "Twin game: M(w_N) = {grand:.6}, M(w_∅) = {empty:.6}, total {:.6} (the runs: {}).\n",
            grand - empty,
            value(&i.total)
        );
    }
    coalitions(out, i, groups);
}

/// The Markdown of a game: what was played, then a table per indicator.
pub fn game_markdown(f: &GameFile) -> String {
    let mut out = String::from("# Ground truth: Shapley values of groups by rerunning\n\n");
    let how = match f.permutations {
        None => format!(
            "exact over all {} coalitions",
            1u64 << f.groups.len().min(63)
        ),
        Some(p) => format!(
            "{p} antithetic permutations per replicate (seed {})",
            f.seed
        ),
    };
    let _ = writeln!(
        out,
        "Players: {} groups (`{}`); v(S) = the indicator at the horizon with every group \
         outside S silenced from tick 0; {how}; {} replicates with common random numbers \
         (replicate 0 is the run's own noise). {} simulator runs in {:.1} s.\n",
        f.groups.len(),
        f.groups_spec,
        f.replicates,
        f.runs,
        f.seconds
    );
    out.push_str(
        "Shares are of v(N) − v(∅) (ground truth, per replicate, then mean and 95 % \
         interval) and of Σφ (static, dynamic); `*` marks a share outside the interval.\n\n",
    );
    for i in &f.indicators {
        indicator(&mut out, i, &f.groups);
    }
    out
}
