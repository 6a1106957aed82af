//! The AWS JSON 1.1 error envelope: HTTP status, an `x-amzn-ErrorType` header and a body
//! `{"__type": "<Exception>", "message": "..."}`. Browser JavaScript cannot read the header,
//! so the body's `__type` is what every client relies on.
//! Reference: <https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization>.

/// Header naming the error type.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// Content type of every AWS JSON 1.1 response.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Serializes an error body. `message` must already be free of secrets.
pub fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "__type": code, "message": message }).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn body_shape() {
        let v: serde_json::Value =
            serde_json::from_str(&super::error_body("X", "a \"q\"")).unwrap_or_default();
        assert_eq!(v["__type"], "X");
        assert_eq!(v["message"], "a \"q\"");
    }
}
