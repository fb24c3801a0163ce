//! Turning answers and errors into HTTP responses.
//!
//! Every error is a `genbudget.error/1` document. The status says who must
//! act: `4xx` the client (`400` malformed JSON, `401` no or a bad token,
//! `403` a role that may not, `404` unknown user or key, `409` a key reused
//! with another request or a hold in the wrong state, `413` too large, `415`
//! not JSON, `422` a bad value), `503` with `Retry-After` the storage (busy
//! or unreachable: nothing was written, send the same request again). A
//! `500` only for a damaged ledger — never for anything a client sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::LedgerError;

/// `genbudget.error/1`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorDoc {
    /// `genbudget.error/1`.
    pub schema: &'static str,
    pub errors: Vec<ErrorItem>,
}

/// One error.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// A stable code to branch on: `malformed_json`, `invalid_input`,
    /// `unknown_user`, `unknown_key`, `key_conflict`, `conflict`,
    /// `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`,
    /// `too_large`, `unsupported_media_type`, `busy`, `storage`,
    /// `unavailable`, `corrupt`.
    pub code: String,
    pub message: String,
    /// The field the client got wrong, where there is one.
    pub field: Option<String>,
}

/// An error on its way to the client.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

/// Seconds a client should wait before retrying after a `503`.
const RETRY_AFTER_SECS: &str = "1";

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "give a valid token: `Authorization: Bearer gbt_…` (made by `genbudget ledger token add`); this one is missing, unknown or revoked",
        )
    }

    pub fn forbidden(why: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", why)
    }

    pub fn unavailable(why: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", why)
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> ApiError {
        let status = match &e {
            LedgerError::Input { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            LedgerError::UnknownUser(_) | LedgerError::UnknownKey(_) => StatusCode::NOT_FOUND,
            LedgerError::KeyConflict { .. } | LedgerError::Conflict(_) => StatusCode::CONFLICT,
            LedgerError::Corrupt(_) => StatusCode::INTERNAL_SERVER_ERROR,
            LedgerError::Busy { .. }
            | LedgerError::Backend { .. }
            | LedgerError::File { .. }
            | LedgerError::Io(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError {
            status,
            code: e.code(),
            field: e.field().map(str::to_string),
            message: crate::cli::error_text(&anyhow::Error::new(e)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let doc = ErrorDoc {
            schema: "genbudget.error/1",
            errors: vec![ErrorItem {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            }],
        };
        let mut r = json(self.status, &doc);
        let h = r.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            h.insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        r
    }
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, doc: &T) -> Response {
    let mut body = serde_json::to_vec_pretty(doc).unwrap_or_else(|e| {
        format!("{{\"schema\": \"genbudget.error/1\", \"errors\": [{{\"code\": \"internal\", \"message\": \"{e}\", \"field\": null}}]}}").into_bytes()
    });
    body.push(b'\n');
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
