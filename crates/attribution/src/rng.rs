//! A tiny counter-based generator so sampled Shapley's permutations (and a study's panels)
//! depend only on (seed, stream index), never on the thread that draws them.

use emergent_rng::SplitMix64;
/// SplitMix64 finaliser: a bijective mix with good avalanche.
pub use emergent_rng::mix64;

/// A SplitMix64 stream ([`emergent_rng::SplitMix64`]) started from a `(seed, stream)` key, with
/// the draws attribution and the study use.
pub struct SplitMix(SplitMix64);

impl SplitMix {
    pub fn keyed(seed: u64, stream: u64) -> Self {
        SplitMix(SplitMix64::keyed(seed, stream))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform integer in 0..n without modulo bias (Lemire's method).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.below(n)
    }

    /// Uniform in (0, 1): never exactly 0, so logarithms are finite.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Fisher–Yates shuffle of 0..n.
    pub fn permutation(&mut self, n: usize) -> Vec<u32> {
        let mut p: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_permutations_and_depend_on_key() {
        let a = SplitMix::keyed(7, 1).permutation(50);
        let b = SplitMix::keyed(7, 1).permutation(50);
        let c = SplitMix::keyed(7, 2).permutation(50);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut s = a.clone();
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<u32>>());
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut r = SplitMix::keyed(1, 0);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }
}

/// First draws of each stream, pinned with the implementation this crate had before the
/// generator moved to `emergent-rng`: sampled Shapley and the study's panels must not change.
#[cfg(test)]
mod golden {
    use super::*;

    #[test]
    fn keyed_streams_are_unchanged() {
        let expect: [((u64, u64), [u64; 4]); 3] = [
            (
                (0, 0),
                [
                    0x568a9b0b1a2c05ec,
                    0x44e5b8b147ef718b,
                    0x458563ab55521133,
                    0x7aec644539b6c0f9,
                ],
            ),
            (
                (7, 1),
                [
                    0xcc48a0e2d1c77be6,
                    0x828f1fde795e05d8,
                    0x56d130218c21b41e,
                    0x7a7412629fde2213,
                ],
            ),
            (
                (u64::MAX, 12_345),
                [
                    0x57b6afefb9691dcf,
                    0xacf6946fab25fdc1,
                    0x33bd9524587cffb8,
                    0x955d3adf6eff7e0c,
                ],
            ),
        ];
        for ((seed, stream), want) in expect {
            let mut r = SplitMix::keyed(seed, stream);
            assert_eq!(want.map(|_| r.next_u64()), want, "keyed({seed}, {stream})");
        }
    }

    #[test]
    fn draws_are_unchanged() {
        let mut r = SplitMix::keyed(3, 9);
        assert_eq!([(); 6].map(|_| r.below(6)), [1, 2, 2, 4, 1, 0]);
        assert_eq!(
            [(); 3].map(|_| r.below(u64::MAX / 3 * 2)),
            [
                1491070557383625889,
                9465788553397748552,
                9416315659384301577
            ]
        );
        assert_eq!(
            [(); 3].map(|_| r.unit().to_bits()),
            [0x3f9ebe537cf91450, 0x3fc5e846ed9c8896, 0x3f955b3673712370]
        );
        assert_eq!(
            SplitMix::keyed(11, 4).permutation(10),
            [8, 2, 4, 3, 1, 5, 0, 6, 7, 9]
        );
        assert_eq!(
            [mix64(0), mix64(1), mix64(u64::MAX)],
            [0, 0x5692161d100b05e5, 0xb4d055fcf2cbbd7b]
        );
    }
}
