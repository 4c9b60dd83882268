pub mod attribute;
pub mod run;
