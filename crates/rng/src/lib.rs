//! SplitMix64: the one random generator of the workspace.
//!
//! Every random draw in emergent comes from a stream keyed by what it is for (a seed and a few
//! words: an agent, a tick, a purpose, a panel index…), never from a shared generator, so a
//! draw is a pure function of its key: the same whatever the thread count, the visit order or
//! the split between MPI ranks.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, 2014): a Weyl sequence (the state
//! advances by [`GOLDEN_GAMMA`]) passed through Stafford's "Mix13" 64-bit finaliser
//! ([`mix64`]). It passes BigCrush as a stream, and the finaliser is a good hash of the key.
//! This crate holds the stream and the keying steps its users share; each user keeps its own
//! key derivation and distributions, and their streams are pinned by golden tests.

/// The Weyl-sequence increment: 2^64 / φ, odd.
pub const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The start of [`hash_words`]: the first 64 bits of the fractional part of √2 (SHA-512's
/// first initial hash word), an arbitrary non-zero constant.
const WORDS_START: u64 = 0x6a09_e667_f3bc_c908;

/// Stafford's Mix13 64-bit finaliser, as used by SplitMix64: a bijective mix with good
/// avalanche (`mix64(0) == 0`).
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One keying step: fold the word `w` into the key `h`.
#[inline]
pub fn absorb(h: u64, w: u64) -> u64 {
    mix64(h ^ mix64(w.wrapping_add(GOLDEN_GAMMA)))
}

/// A stable hash of a few words ([`absorb`] over them, in order, from a fixed start).
#[inline]
pub fn hash_words(words: &[u64]) -> u64 {
    words.iter().fold(WORDS_START, |h, &w| absorb(h, w))
}

/// A SplitMix64 stream. Cheap to create (a few multiplies), so hot loops make one per key on
/// the stack instead of carrying generator state around.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// The stream whose state starts at `state` (usually a key already mixed by the caller).
    #[inline]
    pub const fn from_state(state: u64) -> Self {
        SplitMix64 { state }
    }

    /// The stream keyed by `(seed, stream)`: state `absorb(seed, stream)`.
    #[inline]
    pub fn keyed(seed: u64, stream: u64) -> Self {
        Self::from_state(absorb(seed, stream))
    }

    /// The stream keyed by a list of words: state [`hash_words`]`(words)`.
    #[inline]
    pub fn from_words(words: &[u64]) -> Self {
        Self::from_state(hash_words(words))
    }

    /// Next 64 uniformly distributed bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` without modulo bias (Lemire's multiply-shift with rejection;
    /// the rejection threshold is only computed in the rare case it can matter). `below(0)`
    /// is 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        let mut m = (self.next_u64() as u128) * (n as u128);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = (self.next_u64() as u128) * (n as u128);
            }
        }
        (m >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from the implementations this crate replaced (attribution's `SplitMix::keyed`,
    /// bluesky's word-keyed synth stream, the Mix13 finaliser itself).
    #[test]
    fn streams_match_the_replaced_implementations() {
        assert_eq!(
            [mix64(0), mix64(1), mix64(u64::MAX)],
            [0, 0x5692161d100b05e5, 0xb4d055fcf2cbbd7b]
        );
        let mut r = SplitMix64::keyed(7, 1);
        assert_eq!(
            [(); 4].map(|_| r.next_u64()),
            [
                0xcc48a0e2d1c77be6,
                0x828f1fde795e05d8,
                0x56d130218c21b41e,
                0x7a7412629fde2213
            ]
        );
        assert_eq!(hash_words(&[]), 0x6a09e667f3bcc908);
        assert_eq!(hash_words(&[7, 8]), 0xe120b9f67dd4e236);
        let mut r = SplitMix64::from_words(&[7, 8]);
        assert_eq!(
            [(); 4].map(|_| r.next_u64()),
            [
                0x3768d6f0a5e50115,
                0x135c69daaa41e422,
                0xe0e85599c0f6605b,
                0xb57352aaa5cfdb59
            ]
        );
        let mut r = SplitMix64::keyed(3, 9);
        assert_eq!([(); 6].map(|_| r.below(6)), [1, 2, 2, 4, 1, 0]);
    }

    #[test]
    fn below_is_unbiased_and_in_range() {
        let mut r = SplitMix64::keyed(1, 0);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
    }

    #[test]
    fn next_f64_is_in_the_unit_interval() {
        let mut r = SplitMix64::from_state(0);
        for _ in 0..10_000 {
            let u = r.next_f64();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
