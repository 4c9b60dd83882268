use thiserror::Error;

#[derive(Debug, Error)]
pub enum DynamicsError {
    #[error(transparent)]
    Attribution(#[from] emergent_attribution::AttributionError),
    #[error(transparent)]
    Table(#[from] emergent_attribution::TableError),
    #[error("{0}")]
    Invalid(String),
    #[error("dynamic attribution is not available for the `{0}` policy yet: {1}")]
    Unsupported(String, String),
}
