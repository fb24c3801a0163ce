//! The dashboard at `GET /`: its page, script and style (in `dashboard/`)
//! are compiled into the binary and served under a Content-Security-Policy
//! that lets nothing load from or talk to another origin. The page reads
//! the API with the token a person signs in with (kept in the tab's
//! session storage) and puts every ledger value on the page as text.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The dashboard's page, script and style, served from the binary.
const DASHBOARD_HTML: &str = include_str!("dashboard/index.html");
const DASHBOARD_JS: &str = include_str!("dashboard/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("dashboard/dashboard.css");

/// Nothing on the dashboard comes from or goes to another origin.
const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DASHBOARD_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `GET /`: the read-only dashboard (sign in with a token in the page).
pub async fn page() -> Response {
    asset(DASHBOARD_HTML, "text/html; charset=utf-8")
}

/// `GET /dashboard.js`.
pub async fn script() -> Response {
    asset(DASHBOARD_JS, "text/javascript; charset=utf-8")
}

/// `GET /dashboard.css`.
pub async fn style() -> Response {
    asset(DASHBOARD_CSS, "text/css; charset=utf-8")
}
