//! The seam every expected-value model implements.

/// A deterministic, differentiable model of a run's dynamics as a function of participation
/// weights w ∈ [0, 1]^N (w_j scales how strongly agent j's items act on the agents who see
/// them; w = 1 is the actual run, w = 0 a world where nobody influences anybody).
///
/// Implementations must make `backward` the exact adjoint of `forward` (tests compare it with
/// finite differences) and must not depend on the thread count.
pub trait Dynamics: Sync {
    fn agents(&self) -> usize;

    /// The per-agent features this model makes depend on w, in output order.
    fn outputs(&self) -> &'static [&'static str];

    /// Run T ticks from the initial state. `needed[k]` says whether output k will be read;
    /// an output nobody reads may be left empty (it can cost a pass over every edge a tick).
    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory;

    /// ∂M/∂w given ∂M/∂(output feature) for each output (`None` when M does not read it).
    fn backward(&self, w: &[f64], forward: &Trajectory, d_outputs: &[Option<Vec<f64>>])
    -> Vec<f64>;
}

/// What `forward` leaves for `backward`: the output features at the horizon and every
/// tick's state (checkpointed forward states; T × N values).
pub struct Trajectory {
    pub outputs: Vec<Vec<f64>>,
    pub(crate) states: Vec<Vec<f64>>,
}
