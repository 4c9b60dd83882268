/// A sink for progress of long computations (sampled Shapley, quadrature on big tables).
/// The library only counts; the command line draws bars. Implementations must be cheap and
/// thread-safe because workers report from rayon threads.
pub trait Progress: Sync {
    /// The amount of work ahead, in the units `advance` reports.
    fn start(&self, total: u64, what: &str);
    fn advance(&self, done: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: u64, _what: &str) {}
    fn advance(&self, _done: u64) {}
}
