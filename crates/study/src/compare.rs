//! How a panel's attribution compares with the full population's, restricted to the panel.

/// Best global rescaling c* = ⟨p, u⟩ / ⟨u, u⟩ and the relative residual ‖p − c*·u‖ / ‖p‖.
/// If the indicator is affine in the features, p = (N/n)·u exactly and the residual is
/// round-off; a nonzero residual is the scaling bias no rescaling can repair.
pub fn rescaling(panel: &[f64], full: &[f64]) -> (f64, f64) {
    let pu: f64 = panel.iter().zip(full).map(|(p, u)| p * u).sum();
    let uu: f64 = full.iter().map(|u| u * u).sum();
    let pp: f64 = panel.iter().map(|p| p * p).sum();
    let c = if uu > 0.0 { pu / uu } else { 0.0 };
    let res: f64 = panel
        .iter()
        .zip(full)
        .map(|(p, u)| (p - c * u) * (p - c * u))
        .sum();
    let residual = if pp > 0.0 { (res / pp).sqrt() } else { 0.0 };
    (c, residual)
}

/// Ranks 1..n with ties sharing their mean rank.
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && v[order[j]] == v[order[i]] {
            j += 1;
        }
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = r;
        }
        i = j;
    }
    ranks
}

/// Spearman's ρ (Pearson correlation of average ranks); NaN when either side is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&average_ranks(a), &average_ranks(b))
}

pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// Indices of the k largest values (ties by position).
pub fn top_k(v: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[b].total_cmp(&v[a]).then(a.cmp(&b)));
    order.truncate(k.min(v.len()));
    order
}

/// |A ∩ B| / |A ∪ B| of the top-k sets.
pub fn top_k_jaccard(a: &[f64], b: &[f64], k: usize) -> f64 {
    let (ta, tb) = (top_k(a, k), top_k(b, k));
    let inter = ta.iter().filter(|i| tb.contains(i)).count();
    let union = ta.len() + tb.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// Total-variation distance ½ Σ |p_t − q_t| between two share vectors.
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>()
}

/// Mean and (sample) standard deviation, ignoring NaNs.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let xs: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let sd = if xs.len() > 1 {
        (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (m, sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n3_example_residual() {
        // Math notes: variance, zero baseline, s = (1, 2, 3), panel {1, 2}:
        // full (−1/3, 0), panel (−1/4, 1/2) → best residual ≈ 0.894.
        let (_, r) = rescaling(&[-0.25, 0.5], &[-1.0 / 3.0, 0.0]);
        assert!((r - 0.894).abs() < 1e-3, "{r}");
        let (c, r) = rescaling(&[1.5, 3.0], &[1.0, 2.0]);
        assert!((c - 1.5).abs() < 1e-15 && r < 1e-15);
    }

    #[test]
    fn ranks_and_correlations() {
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-15);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-15);
        assert_eq!(
            top_k_jaccard(&[5.0, 4.0, 1.0, 0.0], &[5.0, 0.0, 4.0, 1.0], 2),
            1.0 / 3.0
        );
        assert!((total_variation(&[0.5, 0.5], &[0.2, 0.8]) - 0.3).abs() < 1e-15);
    }
}
