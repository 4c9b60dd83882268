pub mod attribute;
