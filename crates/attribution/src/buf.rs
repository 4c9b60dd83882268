//! Large per-agent buffers.
//!
//! At N ≈ 10^6 each φ column is ~13 MB. Touching fresh memory costs one page fault per 4 KiB
//! page; under a VM, or with the allocator handing memory back to the kernel between calls,
//! those faults dominated the closed forms (kernel time well above the arithmetic). Like NumPy,
//! we ask Linux for transparent huge pages on large buffers (`madvise(MADV_HUGEPAGE)`): one
//! fault per 2 MiB. It is advice only; without THP, or off Linux, nothing changes.

use rayon::prelude::*;

/// Buffers at least this large (bytes) get the huge-page advice.
const HUGE_MIN_BYTES: usize = 4 << 20;

/// An empty vector with room for `n` elements, advised for huge pages when large.
pub(crate) fn with_capacity<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise_huge(v.as_ptr() as usize, v.capacity() * std::mem::size_of::<T>());
    v
}

/// `n` zeros (filled in parallel), advised for huge pages when large.
pub(crate) fn zeroed(n: usize) -> Vec<f64> {
    if n <= crate::reduce::PARALLEL_MIN {
        return vec![0.0; n];
    }
    let mut v = with_capacity(n);
    v.par_extend(rayon::iter::repeat_n(0.0, n));
    v
}

/// `n` uninitialised slots for a pass that writes every one of them (see [`assume_init`]):
/// skips the zero-fill, a full extra write of the buffer.
pub(crate) fn uninit(n: usize) -> Vec<std::mem::MaybeUninit<f64>> {
    let mut v = with_capacity(n);
    // SAFETY: MaybeUninit<f64> needs no initialisation, and the capacity is at least n.
    unsafe { v.set_len(n) };
    v
}

/// The buffer of [`uninit`] once every slot has been written.
///
/// # Safety
/// Every element of `v` must have been initialised.
pub(crate) unsafe fn assume_init(v: Vec<std::mem::MaybeUninit<f64>>) -> Vec<f64> {
    let mut v = std::mem::ManuallyDrop::new(v);
    // SAFETY: MaybeUninit<f64> has f64's size and alignment, the caller guarantees every
    // element is initialised, and the allocation is handed over unchanged (same pointer,
    // length and capacity), so it is freed exactly once, as a Vec<f64>.
    unsafe { Vec::from_raw_parts(v.as_mut_ptr() as *mut f64, v.len(), v.capacity()) }
}

#[cfg(target_os = "linux")]
fn advise_huge(addr: usize, bytes: usize) {
    const HUGE: usize = 2 << 20;
    const MADV_HUGEPAGE: i32 = 14;
    unsafe extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    if bytes < HUGE_MIN_BYTES {
        return;
    }
    // Only the 2 MiB-aligned interior: madvise wants page alignment, and the advice must not
    // reach memory outside this allocation.
    let start = addr.next_multiple_of(HUGE);
    let end = (addr + bytes) / HUGE * HUGE;
    if end > start {
        // SAFETY: [start, end) lies inside the allocation just made by this process and still
        // owned by the caller; MADV_HUGEPAGE changes no contents and no mapping permissions,
        // only how the kernel backs the pages. The result is ignored: the advice is optional.
        unsafe {
            madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_addr: usize, _bytes: usize) {}

#[cfg(test)]
mod tests {
    #[test]
    fn zeroed_is_zero_and_sized() {
        for n in [0, 1, 1000, 1 << 20] {
            let v = super::zeroed(n);
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|x| *x == 0.0));
        }
        let w: Vec<(u64, u32)> = super::with_capacity(1 << 20);
        assert!(w.capacity() >= 1 << 20 && w.is_empty());
    }
}
