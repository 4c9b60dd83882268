//! Results handed to Python as Arrow, without copying: φ vectors become Arrow buffers by
//! taking ownership of the `Vec<f64>`, and Python reads them through `__arrow_c_stream__`
//! (`pyarrow.table(x)`, `polars.DataFrame(x)`).

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
};
use arrow_schema::{ArrowError, Field, Schema};
use emergent_attribution::AgentIds;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::EmergentError;

/// One Arrow record batch, exported to Python on demand (any number of times).
#[pyclass(module = "emergent._native", name = "ArrowTable", frozen)]
pub struct ArrowTable {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowTable {
    /// The Arrow PyCapsule stream interface: what `pyarrow.table()` and polars read.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is fixed; consumers cast if they must
        let batches = vec![Ok::<_, ArrowError>(self.batch.clone())];
        let reader = RecordBatchIterator::new(batches, self.batch.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}

/// Agent ids as an Arrow array (a copy: for ids that did not come as Arrow).
pub fn id_array(ids: &AgentIds) -> ArrayRef {
    match ids {
        AgentIds::Int(v) => Arc::new(Int64Array::from(v.to_vec())),
        AgentIds::Text(v) => Arc::new(StringArray::from(v.clone())),
    }
}

/// Agent ids under `id_name`, then the f64 columns, moved (not copied) into Arrow arrays.
pub fn table(
    id_name: &str,
    id_array: ArrayRef,
    columns: Vec<(String, Vec<f64>)>,
) -> PyResult<ArrowTable> {
    let mut fields = vec![Field::new(id_name, id_array.data_type().clone(), false)];
    let mut arrays = vec![id_array];
    for (name, values) in columns {
        fields.push(Field::new(name, arrow_schema::DataType::Float64, false));
        arrays.push(Arc::new(Float64Array::from(values)));
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| EmergentError::new_err(format!("building the result table: {e}")))?;
    Ok(ArrowTable { batch })
}
