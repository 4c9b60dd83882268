//! Randomness for the generator: a small counter-based generator (SplitMix64) whose streams are
//! keyed by (seed, purpose, index), so every slice and every chunk of a slice draws the same
//! numbers whichever thread runs it — the capture depends on the seed alone. Distributions are
//! written out here (a few lines each) so the output cannot change under a dependency upgrade.

use emergent_rng::SplitMix64;
/// A stable hash of a few words.
pub(crate) use emergent_rng::hash_words;

/// A SplitMix64 stream ([`emergent_rng::SplitMix64`]) keyed by a list of words, with the
/// distributions the generator draws from.
#[derive(Debug, Clone)]
pub(crate) struct Rng(SplitMix64);

impl Rng {
    pub fn stream(words: &[u64]) -> Self {
        Rng(SplitMix64::from_words(words))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0.next_f64()
    }

    /// Uniform in [0, n): one multiply-shift, no rejection (so one draw per call; the bias is
    /// below n / 2^64).
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

/// First draws of each stream, pinned with the implementation this module had before the
/// generator moved to `emergent-rng`: a synthetic capture depends on its seed alone, forever.
#[cfg(test)]
mod golden {
    use super::*;

    #[test]
    fn word_keyed_streams_are_unchanged() {
        let expect: [(&[u64], u64, [u64; 4]); 4] = [
            (
                &[],
                0x6a09e667f3bcc908,
                [
                    0x1ac046dda8e86e2a,
                    0xbe2c3b00b1d348c8,
                    0x9b1a66a95412ff75,
                    0xc448c2b1f05f7e4c,
                ],
            ),
            (
                &[1],
                0x78e0667bcf53cf1d,
                [
                    0x20f9057e2f1e8b61,
                    0x312cb98aca6cb174,
                    0xdec0cb0a777bf371,
                    0x8b6f189cd0660e8f,
                ],
            ),
            (
                &[7, 8],
                0xe120b9f67dd4e236,
                [
                    0x3768d6f0a5e50115,
                    0x135c69daaa41e422,
                    0xe0e85599c0f6605b,
                    0xb57352aaa5cfdb59,
                ],
            ),
            (
                &[42, 2, 9, u64::MAX],
                0x2baa0dbd22bbe21c,
                [
                    0x44a10d29f51279a7,
                    0x95adff22ac822be5,
                    0x7df70dc3bb0ce2fc,
                    0x9b790cca32d750d5,
                ],
            ),
        ];
        for (words, k, want) in expect {
            assert_eq!(hash_words(words), k, "hash_words({words:?})");
            let mut r = Rng::stream(words);
            assert_eq!(want.map(|_| r.next_u64()), want, "stream({words:?})");
        }
    }

    #[test]
    fn draws_are_unchanged() {
        let mut r = Rng::stream(&[5, 6]);
        assert_eq!(
            [(); 3].map(|_| r.unit().to_bits()),
            [0x3fdf85270334809a, 0x3fe9ef422a430c7c, 0x3fe376ef7982951e]
        );
        assert_eq!([(); 4].map(|_| r.below(10)), [9, 0, 6, 7]);
        assert_eq!(r.normal().to_bits(), 0x3fee072868eaa841);
    }
}
