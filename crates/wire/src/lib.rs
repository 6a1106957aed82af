//! The Cognito wire layer.
//!
//! Everything here is about the *shape* of Cognito's protocol, not its behaviour:
//! the request/response types and operation table generated from botocore's service
//! models (`generated`, `ops`), input validation against the model's constraints
//! (`validate`), AWS Signature Version 4 verification (`sigv4`) and the AWS JSON 1.1
//! error envelope (`error`). It must not contain business rules, storage or HTTP
//! server code: it is shared by the server, the domain core and tooling.

pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod generated;
pub mod ops;
pub mod sigv4;
pub mod validate;

pub use generated::{identity, idp};
