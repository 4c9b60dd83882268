//! Attribution studies: is the attribution a panel of ~100 agents gives the full
//! population's attribution, rescaled? For affine indicators yes, exactly; for nonlinear ones
//! no rescaling repairs it. A study measures that on a run's (or a platform's) feature table,
//! for several sampling protocols and seeds, with robustness sweeps over the choices an
//! attribution depends on (baseline, quadrature steps, path).
//!
//! Pure computation: the report crate turns a [`Study`] into files and plots.

pub mod compare;
pub mod panels;
mod study;

pub use panels::Protocol;
pub use study::{
    Anchor, BaselineSweep, FullAttribution, IndicatorInput, IndicatorStudy, PanelDraw, PanelResult,
    PathSweep, ProtocolStudy, StepSweep, Study, StudyConfig, StudyError, Summary, Verdict, study,
};
