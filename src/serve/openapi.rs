//! The OpenAPI 3.1 document, generated from the handlers' `utoipa::path`
//! declarations and the request and document types (never written by hand).

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, schema::SchemaType};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::ledger::period::Period;
use crate::money::{Credits, Money};

use super::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "genbudget serve",
        description = "The budget guard over HTTP: per-user and org credit caps for expensive generation. Reserve credits before a job, settle after; a hold past a cap is refused (402), never admitted. Amounts are exact decimals in strings.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        routes::health,
        routes::openapi,
        routes::metrics,
        routes::post_hold,
        routes::post_charge,
        routes::settle,
        routes::release,
        routes::get_hold,
        routes::list_holds,
        routes::quote,
        routes::status,
        routes::get_user,
        routes::put_user,
        routes::put_org,
        routes::post_grant,
        routes::report,
    ),
    components(schemas(super::reply::ErrorDoc, super::reply::ErrorItem)),
    modifiers(&Bearer)
)]
struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `genbudget ledger token add` (`gbt_…`)"))
                    .build(),
            ),
        );
    }
}

/// The document as JSON text, with this build's version.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn string(description: &str, pattern: Option<&str>, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .description(Some(description))
        .pattern(pattern)
        .examples([serde_json::Value::String(example.into())])
        .into()
}

impl PartialSchema for Credits {
    fn schema() -> RefOr<Schema> {
        string(
            "An exact decimal number of credits",
            Some(r"^-?[0-9]+(\.[0-9]+)?$"),
            "40",
        )
    }
}
impl ToSchema for Credits {}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        string(
            "An amount of money with the currency's minor digits",
            Some(r"^-?[0-9]+(\.[0-9]+)?$"),
            "0.40",
        )
    }
}
impl ToSchema for Money {}

impl PartialSchema for Period {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some(
                "When a cap resets: day, ISO week (from Monday), month, or none",
            ))
            .enum_values(Some(["day", "week", "month", "none"]))
            .into()
    }
}
impl ToSchema for Period {}
