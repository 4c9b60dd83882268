pub mod attribute;
pub mod bluesky;
pub mod experiment;
pub mod report;
pub mod run;
pub mod study;
pub mod tiers;
pub mod validate;
