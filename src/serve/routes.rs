//! The endpoints: each handler reads and checks its input, hands the ledger
//! thread one job, and turns the answer into a response. The `utoipa::path`
//! attributes are the OpenAPI document (`GET /openapi.json`): it is built
//! from these declarations and the request and document types themselves.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

use crate::ledger::{Denial, GrantDoc, HoldDoc, HoldsDoc, ReportDoc, StatusDoc};

use super::api::{
    GrantBody, HoldBody, HoldsQuery, LimitsBody, QuoteBody, ReleaseBody, ReportParams, SettleBody,
};
use super::metrics::Metrics;
use super::reply::{ApiError, json};
use super::worker::{Action, Answer, Job, Need, Reply};

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub jobs: mpsc::Sender<Job>,
    pub metrics: std::sync::Arc<Metrics>,
    /// How long a request waits for the ledger before a `503`.
    pub timeout: Duration,
    pub openapi: std::sync::Arc<String>,
    pub(super) log: super::Log,
}

/// The token's name, put on the response for the request log.
#[derive(Clone, Debug)]
pub struct TokenName(pub String);

/// Largest request body.
pub const MAX_BODY: usize = 64 * 1024;

/// The bearer secret of a request, if it gives one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl App {
    /// Sends a job to the ledger thread and waits for its reply.
    async fn ask(
        &self,
        headers: &HeaderMap,
        need: Need,
        action: Result<Action, ApiError>,
    ) -> Reply {
        let Some(secret) = bearer(headers) else {
            return Reply {
                token: None,
                result: Err(ApiError::unauthorized()),
            };
        };
        let (tx, rx) = oneshot::channel();
        let job = Job::Request {
            secret,
            need,
            action,
            reply: tx,
        };
        let gone = || Reply {
            token: None,
            result: Err(ApiError::unavailable(
                "the service is shutting down; nothing was written (try again)",
            )),
        };
        if self.jobs.send(job).await.is_err() {
            return gone();
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => gone(),
            Err(_) => Reply {
                token: None,
                result: Err(ApiError::unavailable(format!(
                    "the ledger did not answer within {} s; the request may or may not have been recorded: send it again with the same key",
                    self.timeout.as_secs()
                ))),
            },
        }
    }
}

/// Turns a reply into a response with `ok`, tagging the token's name.
fn respond(reply: Reply, ok: impl FnOnce(Answer) -> Response) -> Response {
    let mut r = match reply.result {
        Ok(a) => ok(a),
        Err(e) => e.into_response(),
    };
    if let Some(t) = reply.token {
        r.extensions_mut().insert(TokenName(t));
    }
    r
}

/// `201` for a new hold, `200` for a replay or an ended hold, `402` for a denial.
fn hold_response(a: Answer) -> Response {
    match a {
        Answer::Hold(h) if h.replayed => json(StatusCode::OK, &h),
        Answer::Hold(h) => json(StatusCode::CREATED, &h),
        Answer::Denied(d) => json(StatusCode::PAYMENT_REQUIRED, &d),
        other => unexpected(other),
    }
}

fn ok_response(a: Answer) -> Response {
    match a {
        Answer::Hold(h) => json(StatusCode::OK, &h),
        Answer::Status(s) => json(StatusCode::OK, &s),
        Answer::Holds(h) => json(StatusCode::OK, &h),
        Answer::Report(r) => json(StatusCode::OK, &r),
        Answer::Quote(q) => json(StatusCode::OK, &q),
        Answer::Grant(g) if g.replayed => json(StatusCode::OK, &g),
        Answer::Grant(g) => json(StatusCode::CREATED, &g),
        other => unexpected(other),
    }
}

fn unexpected(a: Answer) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("the ledger gave an unexpected answer: {a:?}"),
    )
    .into_response()
}

/// Reads a JSON body that may be left out (then it is `T::default()`).
fn optional_body<T: DeserializeOwned + Default>(
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    match bytes {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(T::default()),
        other => body(headers, other),
    }
}

/// Reads a JSON body.
fn body<T: DeserializeOwned>(
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let bytes = bytes.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {} KiB", MAX_BODY / 1024),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", rej.body_text())
        }
    })?;
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json")
                || (m.len() > 5 && m[m.len() - 5..].eq_ignore_ascii_case("+json"))
        });
    if !json_type {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON, with `Content-Type: application/json`",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    // serde reads a struct from a list too (`[null, null]` as its fields in
    // order); no body of this API holds a list, so one is refused.
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "the body must be a JSON object (`{…}`)",
        ));
    }
    if let Some(path) = first_list(&value, String::new()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("{path}: a list is not valid here"),
        )
        .field(path));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("{path}: {}", e.into_inner()),
        );
        if path == "." { err } else { err.field(path) }
    })
}

/// Where the first list in a JSON value is (`request.seconds`), if any.
fn first_list(v: &serde_json::Value, at: String) -> Option<String> {
    match v {
        serde_json::Value::Array(_) => Some(at),
        serde_json::Value::Object(m) => m.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            first_list(v, path)
        }),
        _ => None,
    }
}

/// Reads a query string.
fn query<T: DeserializeOwned>(raw: Option<String>) -> Result<T, ApiError> {
    let raw = raw.unwrap_or_default();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("query: {}", e.into_inner()),
        );
        if path == "." { err } else { err.field(path) }
    })
}

fn path(p: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    p.map(|Path(v)| v)
        .map_err(|rej| ApiError::new(StatusCode::BAD_REQUEST, "malformed_path", rej.body_text()))
}

/// `{"status": "ok"}`.
#[derive(Serialize, ToSchema)]
pub struct HealthDoc {
    /// `ok`.
    pub status: &'static str,
}

/// Liveness: the service answers (no token needed).
#[utoipa::path(get, path = "/v1/health", tag = "service",
    responses((status = 200, description = "The service is up", body = HealthDoc)))]
pub async fn health() -> Response {
    json(StatusCode::OK, &HealthDoc { status: "ok" })
}

/// This document (no token needed).
#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document of this service", content_type = "application/json")))]
pub async fn openapi(State(app): State<App>) -> Response {
    let mut r = app.openapi.as_str().to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Prometheus metrics (admin or app).
#[utoipa::path(get, path = "/metrics", tag = "service", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"), Errors))]
pub async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    let reply = app.ask(&headers, Need::App, Ok(Action::Metrics)).await;
    respond(reply, |_| {
        let mut r = app.metrics.render().into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        r
    })
}

/// Hold credits for a job before it starts (admin or app).
#[utoipa::path(post, path = "/v1/holds", tag = "holds", security(("bearer" = [])), request_body = HoldBody,
    responses(
        (status = 201, description = "Granted: the hold", body = HoldDoc),
        (status = 200, description = "The same request again: the original hold (`replayed`)", body = HoldDoc),
        (status = 402, description = "Denied by a limit", body = Denial),
        Errors))]
pub async fn post_hold(
    State(app): State<App>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    hold_or_charge(app, headers, bytes, false).await
}

async fn hold_or_charge(
    app: App,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
    charge: bool,
) -> Response {
    let action = body::<HoldBody>(&headers, bytes).and_then(|b| {
        Ok(Action::Hold {
            ask: b.check(charge)?,
            charge,
        })
    });
    respond(app.ask(&headers, Need::App, action).await, hold_response)
}

/// Hold and settle in one step, for a job already done (admin or app).
#[utoipa::path(post, path = "/v1/charges", tag = "holds", security(("bearer" = [])), request_body = HoldBody,
    responses(
        (status = 201, description = "Charged: a hold in state settled", body = HoldDoc),
        (status = 200, description = "The same request again: the original charge (`replayed`)", body = HoldDoc),
        (status = 402, description = "Denied by a limit", body = Denial),
        Errors))]
pub async fn post_charge(
    State(app): State<App>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    hold_or_charge(app, headers, bytes, true).await
}

/// Spend a hold's actual cost and return the rest (admin or app).
#[utoipa::path(post, path = "/v1/holds/{key}/settle", tag = "holds", security(("bearer" = [])),
    params(("key" = String, Path, description = "The hold's key")),
    request_body(content = SettleBody, description = "`{}` settles the amount held"),
    responses((status = 200, description = "The settled hold", body = HoldDoc), Errors))]
pub async fn settle(
    State(app): State<App>,
    key: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let action = path(key).and_then(|key| {
        let by = optional_body::<SettleBody>(&headers, bytes)?.check()?;
        Ok(Action::Settle { key, by })
    });
    respond(app.ask(&headers, Need::App, action).await, ok_response)
}

/// Return a hold's credits: the job did not run (admin or app).
#[utoipa::path(post, path = "/v1/holds/{key}/release", tag = "holds", security(("bearer" = [])),
    params(("key" = String, Path, description = "The hold's key")),
    request_body(content = ReleaseBody, description = "optional"),
    responses((status = 200, description = "The released hold", body = HoldDoc), Errors))]
pub async fn release(
    State(app): State<App>,
    key: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let action = path(key).and_then(|key| {
        let b = optional_body::<ReleaseBody>(&headers, bytes)?;
        Ok(Action::Release {
            key,
            reason: b.reason,
        })
    });
    respond(app.ask(&headers, Need::App, action).await, ok_response)
}

/// One hold or charge as it stands (a `user` token: its own only).
#[utoipa::path(get, path = "/v1/holds/{key}", tag = "holds", security(("bearer" = [])),
    params(("key" = String, Path, description = "The hold's key")),
    responses((status = 200, description = "The hold", body = HoldDoc), Errors))]
pub async fn get_hold(
    State(app): State<App>,
    key: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let action = path(key).map(|key| Action::ShowHold { key });
    respond(app.ask(&headers, Need::Reader, action).await, ok_response)
}

/// Open holds; every hold and charge with `all=true` (a `user` token: its own).
#[utoipa::path(get, path = "/v1/holds", tag = "holds", security(("bearer" = [])),
    params(HoldsQuery),
    responses((status = 200, description = "Holds", body = HoldsDoc), Errors))]
pub async fn list_holds(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let action = query::<HoldsQuery>(raw).map(|q| Action::ListHolds {
        user: q.user,
        all: q.all.unwrap_or(false),
    });
    respond(app.ask(&headers, Need::Reader, action).await, ok_response)
}

/// Price a request as of now; writes nothing (admin or app).
#[utoipa::path(post, path = "/v1/quote", tag = "holds", security(("bearer" = [])), request_body = QuoteBody,
    responses((status = 200, description = "The price", body = super::api::QuoteDoc), Errors))]
pub async fn quote(
    State(app): State<App>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let action = body::<QuoteBody>(&headers, bytes)
        .and_then(|b| Ok(Action::Quote(b.request.model_request()?)));
    respond(app.ask(&headers, Need::App, action).await, ok_response)
}

/// Caps, period, spent, held, grants and available (a `user` token: its own).
#[utoipa::path(get, path = "/v1/status", tag = "status", security(("bearer" = [])),
    responses((status = 200, description = "Status of the org and every user", body = StatusDoc), Errors))]
pub async fn status(State(app): State<App>, headers: HeaderMap) -> Response {
    let action = Ok(Action::Status { user: None });
    respond(app.ask(&headers, Need::Reader, action).await, ok_response)
}

/// One user's status (a `user` token: its own).
#[utoipa::path(get, path = "/v1/users/{user}", tag = "status", security(("bearer" = [])),
    params(("user" = String, Path, description = "The user id")),
    responses((status = 200, description = "Status of the org and this user", body = StatusDoc), Errors))]
pub async fn get_user(
    State(app): State<App>,
    user: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let action = path(user).map(|u| Action::Status { user: Some(u) });
    respond(app.ask(&headers, Need::Reader, action).await, ok_response)
}

/// Set a user's limits, adding the user if new (admin).
#[utoipa::path(put, path = "/v1/users/{user}", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "The user id")),
    request_body = LimitsBody,
    responses((status = 200, description = "Status of the org and this user", body = StatusDoc), Errors))]
pub async fn put_user(
    State(app): State<App>,
    user: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let action = path(user).and_then(|user| {
        super::api::user_id("user", &user)?;
        let change = body::<LimitsBody>(&headers, bytes)?.check()?;
        Ok(Action::SetUser { user, change })
    });
    respond(app.ask(&headers, Need::Admin, action).await, ok_response)
}

/// Set the org's limits (admin).
#[utoipa::path(put, path = "/v1/org", tag = "admin", security(("bearer" = [])),
    request_body = LimitsBody,
    responses((status = 200, description = "Status of the org and every user", body = StatusDoc), Errors))]
pub async fn put_org(
    State(app): State<App>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let action =
        body::<LimitsBody>(&headers, bytes).and_then(|b| Ok(Action::SetOrg { change: b.check()? }));
    respond(app.ask(&headers, Need::Admin, action).await, ok_response)
}

/// Give a user extra credits beyond the period cap (admin).
#[utoipa::path(post, path = "/v1/users/{user}/grants", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "The user id")),
    request_body = GrantBody,
    responses(
        (status = 201, description = "The grant", body = GrantDoc),
        (status = 200, description = "The same grant again (`replayed`)", body = GrantDoc),
        Errors))]
pub async fn post_grant(
    State(app): State<App>,
    user: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let action = path(user).and_then(|user| {
        let g = body::<GrantBody>(&headers, bytes)?.check(&user)?;
        Ok(Action::Grant(g))
    });
    respond(app.ask(&headers, Need::Admin, action).await, ok_response)
}

/// Settled spending grouped by user, model, day, week or month (admin or app).
#[utoipa::path(get, path = "/v1/report", tag = "status", security(("bearer" = [])),
    params(ReportParams),
    responses((status = 200, description = "The report", body = ReportDoc), Errors))]
pub async fn report(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let action = query::<ReportParams>(raw).and_then(|q| Ok(Action::Report(q.check()?)));
    respond(app.ask(&headers, Need::App, action).await, ok_response)
}

/// No such route.
pub async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; GET /openapi.json lists them",
    )
    .into_response()
}

/// A route that exists, with another method.
pub async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method; GET /openapi.json lists them",
    )
    .into_response()
}

/// The errors every authenticated endpoint may answer with.
pub struct Errors;

impl utoipa::IntoResponses for Errors {
    fn responses() -> std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    > {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let cases = [
            ("400", "Malformed JSON or path"),
            ("401", "No token, or an unknown or revoked one"),
            ("403", "The token's role may not do this"),
            (
                "404",
                "Unknown user or key (or another user's, for a `user` token)",
            ),
            (
                "409",
                "A key reused with another request, or a hold in the wrong state",
            ),
            ("413", "A body over 64 KiB"),
            ("415", "A body that is not JSON"),
            ("422", "A bad value (names the field)"),
            (
                "503",
                "The store is busy or unreachable: nothing was written; retry (see `Retry-After`)",
            ),
        ];
        cases
            .into_iter()
            .map(|(code, what)| {
                let r = ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorDoc")))
                            .build(),
                    )
                    .build();
                (code.to_string(), r.into())
            })
            .collect()
    }
}
