//! Randomness for the generator: a small counter-based generator (SplitMix64) whose streams are
//! keyed by (seed, purpose, index), so every slice and every chunk of a slice draws the same
//! numbers whichever thread runs it — the capture depends on the seed alone. Distributions are
//! written out here (a few lines each) so the output cannot change under a dependency upgrade.

/// SplitMix64's finaliser: a good 64-bit mixer.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable hash of a few words.
pub(crate) fn key(words: &[u64]) -> u64 {
    words.iter().fold(0x6a09_e667_f3bc_c908, |h, &w| {
        mix(h ^ mix(w.wrapping_add(0x9e37_79b9_7f4a_7c15)))
    })
}

#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn stream(words: &[u64]) -> Self {
        Rng(key(words))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn normal(&mut self) -> f64 {
        // Box–Muller; one of the pair is enough here.
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// Pareto with minimum 1 and tail index `alpha`: P(X > x) = x^-alpha.
    pub fn pareto(&mut self, alpha: f64) -> f64 {
        (1.0 - self.unit()).powf(-1.0 / alpha)
    }

    /// Lognormal with the given mean and log-scale sigma.
    pub fn lognormal_with_mean(&mut self, mean: f64, sigma: f64) -> f64 {
        (mean.ln() - sigma * sigma / 2.0 + sigma * self.normal()).exp()
    }
}

/// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
pub(crate) struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    pub fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) =
            (0..n as u32).partition(|&i| prob[i as usize] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in large.into_iter().chain(small) {
            prob[i as usize] = 1.0;
        }
        Alias { prob, alias }
    }

    pub fn sample(&self, rng: &mut Rng) -> u32 {
        let i = rng.below(self.prob.len() as u64) as usize;
        if rng.unit() < self.prob[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_follows_the_weights() {
        let alias = Alias::new(&[1.0, 0.0, 3.0, 6.0]);
        let mut rng = Rng::stream(&[1]);
        let mut hits = [0u32; 4];
        for _ in 0..100_000 {
            hits[alias.sample(&mut rng) as usize] += 1;
        }
        assert_eq!(hits[1], 0);
        for (h, p) in hits.iter().zip([0.1, 0.0, 0.3, 0.6]) {
            assert!((f64::from(*h) / 1e5 - p).abs() < 0.01, "{hits:?}");
        }
    }

    #[test]
    fn distributions_have_their_means() {
        let mut rng = Rng::stream(&[2]);
        let n = 200_000;
        let m: f64 = (0..n)
            .map(|_| rng.lognormal_with_mean(2.0, 1.0))
            .sum::<f64>()
            / n as f64;
        assert!((m - 2.0).abs() < 0.05, "{m}");
        let e: f64 = (0..n).map(|_| rng.exponential(3.0)).sum::<f64>() / n as f64;
        assert!((e - 3.0).abs() < 0.05, "{e}");
        let tail = (0..n).filter(|_| rng.pareto(1.5) > 10.0).count() as f64 / n as f64;
        assert!((tail - 10f64.powf(-1.5)).abs() < 0.005, "{tail}");
        assert_eq!(
            Rng::stream(&[7, 8]).next_u64(),
            Rng::stream(&[7, 8]).next_u64()
        );
        assert_ne!(
            Rng::stream(&[7, 8]).next_u64(),
            Rng::stream(&[8, 7]).next_u64()
        );
    }
}
