//! DIDs → dense `u32` indices. Every DID seen (as an author or as a target) gets the next index,
//! so indices follow first appearance in the capture. The text lives in one arena and the
//! table stores only indices, so a user costs ~30 bytes plus its DID whatever the number of
//! events. Hashes are computed by the parser threads ([`did_hash`]) and reused here.

use std::hash::BuildHasher;

use hashbrown::HashTable;

const DID_HASH_SEED: u64 = 0xd1d5_b1e5_c0de_0001;

/// The hash the parser threads compute for each DID; the table relies on it being the same.
pub(crate) fn did_hash(did: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(DID_HASH_SEED).hash_one(did)
}

#[derive(Default)]
pub(crate) struct DidTable {
    arena: Vec<u8>,
    /// `starts[i]..starts[i + 1]` is DID `i` in the arena.
    starts: Vec<u64>,
    hashes: Vec<u64>,
    table: HashTable<u32>,
}

impl DidTable {
    pub fn new() -> Self {
        DidTable {
            starts: vec![0],
            ..Default::default()
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn get(&self, i: u32) -> &[u8] {
        let i = i as usize;
        &self.arena[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// The index of `did` (whose [`did_hash`] is `hash`), adding it when new.
    pub fn intern(&mut self, did: &[u8], hash: u64) -> (u32, bool) {
        let (arena, starts) = (&self.arena, &self.starts);
        let same =
            |&i: &u32| &arena[starts[i as usize] as usize..starts[i as usize + 1] as usize] == did;
        if let Some(&i) = self.table.find(hash, same) {
            return (i, false);
        }
        let i = u32::try_from(self.hashes.len()).expect("fewer than 2^32 DIDs");
        self.arena.extend_from_slice(did);
        self.starts.push(self.arena.len() as u64);
        self.hashes.push(hash);
        let hashes = &self.hashes;
        self.table.insert_unique(hash, i, |&j| hashes[j as usize]);
        (i, true)
    }

    /// Look up without adding.
    #[cfg(test)]
    pub fn find(&self, did: &[u8]) -> Option<u32> {
        let (arena, starts) = (&self.arena, &self.starts);
        self.table
            .find(did_hash(did), |&i| {
                &arena[starts[i as usize] as usize..starts[i as usize + 1] as usize] == did
            })
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_follow_first_appearance() {
        let mut t = DidTable::new();
        let dids: Vec<String> = (0..10_000).map(|i| format!("did:plc:{i:024}")).collect();
        for (i, d) in dids.iter().enumerate() {
            assert_eq!(
                t.intern(d.as_bytes(), did_hash(d.as_bytes())),
                (i as u32, true)
            );
        }
        for (i, d) in dids.iter().enumerate().rev() {
            assert_eq!(
                t.intern(d.as_bytes(), did_hash(d.as_bytes())),
                (i as u32, false)
            );
            assert_eq!(t.get(i as u32), d.as_bytes());
        }
        assert_eq!(t.len(), dids.len());
        assert_eq!(t.find(b"did:plc:nobody"), None);
        assert_eq!(t.find(dids[77].as_bytes()), Some(77));
    }
}
