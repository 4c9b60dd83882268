//! Record keys. Bluesky record keys in the collections we track are TIDs: 13 characters of
//! base32-sortable text encoding a 64-bit integer whose top bit is 0 (53 bits of microseconds,
//! 10 bits of clock id). Storing the integer instead of the text keeps the per-record memory
//! of an import at 16 bytes, which is what lets 10^8-event captures fit.

use std::hash::BuildHasher;

const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
const TID_LEN: usize = 13;
/// Set on keys that are not TIDs; TIDs never have it, so the two kinds never collide.
const NOT_A_TID: u64 = 1 << 63;

fn digit(c: u8) -> Option<u64> {
    match c {
        b'2'..=b'7' => Some(u64::from(c - b'2')),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 6),
        _ => None,
    }
}

/// The integer of a TID, or `None` when `s` is not a well-formed TID.
pub fn decode_tid(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != TID_LEN {
        return None;
    }
    let mut v = 0u64;
    for (i, &c) in b.iter().enumerate() {
        let d = digit(c)?;
        if i == 0 && d >= 8 {
            return None; // the top bit of a TID is 0
        }
        v = (v << 5) | d;
    }
    Some(v)
}

/// The TID text of an integer below 2^63.
pub fn encode_tid(v: u64) -> [u8; TID_LEN] {
    let mut out = [b'2'; TID_LEN];
    let mut x = v & !NOT_A_TID;
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(x & 31) as usize];
        x >>= 5;
    }
    out
}

/// A TID from a microsecond timestamp and a clock id (low 10 bits used).
pub fn tid_from_parts(micros: i64, clock_id: u64) -> u64 {
    ((micros.max(0) as u64 & ((1 << 53) - 1)) << 10) | (clock_id & 0x3ff)
}

/// The 64-bit key of a record key: exact for TIDs; a hash (with the top bit set) for the rare
/// other keys, so a collision needs two non-TID keys of one user to hash alike.
pub fn rkey_key(rkey: &str) -> u64 {
    match decode_tid(rkey) {
        Some(v) => v,
        None => foldhash::fast::FixedState::with_seed(0x5eed_b1e5).hash_one(rkey) | NOT_A_TID,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tids_round_trip_and_keep_order() {
        let real = "3l3qo2vuowo2b";
        let v = decode_tid(real).unwrap();
        assert_eq!(&encode_tid(v), real.as_bytes());
        assert!(v < NOT_A_TID);
        let t = tid_from_parts(1_725_911_162_329_308, 7);
        assert_eq!(
            decode_tid(std::str::from_utf8(&encode_tid(t)).unwrap()),
            Some(t)
        );
        assert!(encode_tid(t) < encode_tid(t + 1));
        for bad in [
            "self",
            "3l3qo2vuowo2",
            "zl3qo2vuowo2b",
            "3L3qo2vuowo2b",
            "3l3qo2vuowo2b1",
        ] {
            assert_eq!(decode_tid(bad), None, "{bad}");
            assert!(rkey_key(bad) >= NOT_A_TID);
        }
        assert_eq!(rkey_key(real), v);
    }
}
