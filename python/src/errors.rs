//! Errors become Python exceptions whose text is the command line's: the error and every
//! cause it carries (file, line and column included), joined as `anyhow` prints them.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    emergent,
    EmergentError,
    PyException,
    "An error of the emergent engine; its text names the file, line and column (scenarios), or the file, row and column (tables), as the command line does."
);

/// The error and its causes, `outer: inner: …`.
pub fn message(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

/// Any library error as an [`EmergentError`].
pub fn to_py<E: std::error::Error>(e: E) -> PyErr {
    EmergentError::new_err(message(&e))
}
