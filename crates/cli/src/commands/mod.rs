pub mod attribute;
pub mod run;
pub mod bluesky;
pub mod study;
pub mod report;
