//! What each operation takes and returns, read from its handler's signature: the extractors say
//! the request body and query parameters, the return type says the responses. The route list
//! that builds the router records it, so the OpenAPI document cannot miss an operation or drift
//! from what a handler accepts.
//!
//! Schemas follow the deserialize contract (a field with a default is optional): exact for
//! requests, and lenient for responses, where such a field is documented as optional although
//! the server always sends it.

use std::{future::Future, net::SocketAddr};

use axum::{
    Json,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

use super::{ApiJson, ApiPath, ApiQuery, extract::JsonOrForm};
use crate::{auth::Caller, error::Error};

/// The schemas of all operations: named types go to `#/components/schemas/`.
pub struct Schemas {
    named: SchemaGenerator,
    inline: SchemaGenerator,
}

impl Default for Schemas {
    fn default() -> Self {
        let named = SchemaSettings::draft2020_12()
            .for_deserialize()
            .with(|s| {
                s.definitions_path = "#/components/schemas".into();
                s.meta_schema = None;
            })
            .into_generator();
        // Query parameters are listed one by one: their struct is read inline.
        let inline = SchemaSettings::draft2020_12()
            .for_deserialize()
            .with(|s| {
                s.inline_subschemas = true;
                s.meta_schema = None;
            })
            .into_generator();
        Self { named, inline }
    }
}

impl Schemas {
    pub fn named<T: JsonSchema>(&mut self) -> Value {
        self.named.subschema_for::<T>().to_value()
    }

    /// Every named schema any operation refers to.
    pub fn components(&mut self) -> Map<String, Value> {
        self.named.take_definitions(true)
    }
}

/// One operation's request and responses, as its handler declares them.
#[derive(Debug, Default, Clone)]
pub struct Operation {
    /// Media type and schema of the request body.
    pub body: Option<(&'static str, Value)>,
    /// Query parameters, as OpenAPI parameter objects.
    pub query: Vec<Value>,
    /// Status (`200`, `2XX`, `4XX`…) and the response's media type and schema.
    pub responses: Vec<(&'static str, Option<(&'static str, Value)>)>,
}

/// What an extractor adds to an operation (most add nothing: state, the caller, headers).
pub trait DescribeInput {
    fn describe(_op: &mut Operation, _schemas: &mut Schemas) {}
}

/// What a handler's return type says about the responses.
pub trait DescribeOutput {
    fn describe(op: &mut Operation, schemas: &mut Schemas);
}

/// A handler whose extractors and return type describe themselves.
pub trait Described<T> {
    fn operation(schemas: &mut Schemas) -> Operation;
}

impl<F, Fut> Described<((),)> for F
where
    F: FnOnce() -> Fut,
    Fut: Future,
    Fut::Output: DescribeOutput,
{
    fn operation(schemas: &mut Schemas) -> Operation {
        let mut op = Operation::default();
        <Fut::Output as DescribeOutput>::describe(&mut op, schemas);
        op
    }
}

/// Handlers of one to eight extractors (`M` is axum's marker for the last one).
macro_rules! described {
    ($($input:ident),+) => {
        impl<F, Fut, M, $($input,)+> Described<(M, $($input,)+)> for F
        where
            F: FnOnce($($input,)+) -> Fut,
            Fut: Future,
            Fut::Output: DescribeOutput,
            $($input: DescribeInput,)+
        {
            fn operation(schemas: &mut Schemas) -> Operation {
                let mut op = Operation::default();
                $(<$input as DescribeInput>::describe(&mut op, schemas);)+
                <Fut::Output as DescribeOutput>::describe(&mut op, schemas);
                op
            }
        }
    };
}
described!(T1);
described!(T1, T2);
described!(T1, T2, T3);
described!(T1, T2, T3, T4);
described!(T1, T2, T3, T4, T5);
described!(T1, T2, T3, T4, T5, T6);
described!(T1, T2, T3, T4, T5, T6, T7);
described!(T1, T2, T3, T4, T5, T6, T7, T8);

// ---- inputs ---------------------------------------------------------------------------------

impl<S> DescribeInput for State<S> {}
impl DescribeInput for Caller {}
impl DescribeInput for HeaderMap {}
impl DescribeInput for ConnectInfo<SocketAddr> {}
impl DescribeInput for axum::body::Bytes {}
/// Uploads read the raw request (multipart, streamed); their route documents the form.
impl DescribeInput for Request {}
/// Path parameters are listed from the path itself.
impl<T> DescribeInput for ApiPath<T> {}
impl<T> DescribeInput for axum::extract::Path<T> {}
/// Uploads read their form as it streams; their route documents the form.
impl DescribeInput for Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection> {}

impl<T: JsonSchema> DescribeInput for ApiJson<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        op.body = Some(("application/json", schemas.named::<T>()));
    }
}

impl<T: JsonSchema> DescribeInput for JsonOrForm<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        op.body = Some(("application/json", schemas.named::<T>()));
    }
}

impl<T: JsonSchema> DescribeInput for ApiQuery<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        let schema = schemas.inline.subschema_for::<T>().to_value();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                let mut parameter = json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(&name.as_str()),
                    "schema": property,
                });
                if let Some(description) = property.get("description") {
                    parameter["description"] = description.clone();
                }
                op.query.push(parameter);
            }
        }
    }
}

// ---- outputs --------------------------------------------------------------------------------

impl<T: JsonSchema> DescribeOutput for Json<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        op.responses
            .push(("200", Some(("application/json", schemas.named::<T>()))));
    }
}

/// A status chosen at run time (201 Created, 202 Accepted) with a JSON body.
impl<T: JsonSchema> DescribeOutput for (StatusCode, Json<T>) {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        op.responses
            .push(("2XX", Some(("application/json", schemas.named::<T>()))));
    }
}

/// A response built by hand (a stream of events, a file, a body with a cookie): the summary
/// says what it is.
impl DescribeOutput for Response {
    fn describe(op: &mut Operation, _schemas: &mut Schemas) {
        op.responses.push(("200", None));
    }
}

impl DescribeOutput for StatusCode {
    fn describe(op: &mut Operation, _schemas: &mut Schemas) {
        op.responses.push(("2XX", None));
    }
}

/// A handler that can fail: its errors are the envelope every operation documents anyway.
impl<T: DescribeOutput> DescribeOutput for Result<T, Error> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        T::describe(op, schemas);
    }
}

impl Schemas {
    /// Every error is our envelope, `{success: false, message, errors?}`
    /// ([`ejento_api::ErrorBody`]): any operation may answer one (its caller is not signed in,
    /// its body or query is refused, the server is busy), whatever its handler returns.
    pub fn error(&mut self) -> Value {
        self.named::<ejento_api::ErrorBody>()
    }
}

/// The upload form (§2.8 of the reference): what is added, and how.
pub fn upload_form() -> Value {
    json!({
        "type": "object",
        "required": ["content_type", "source"],
        "properties": {
            "content_type": {"enum": ["file", "text", "weblink"]},
            "source": {"description": "The file (also accepted as `file`), the text, or the web address."},
            "title": {"type": "string"},
            "tags": {"type": "string", "description": "Comma-separated."},
            "upload_from": {"type": "string"},
            "attachment": {"type": "string", "description": "`true` for a chat attachment."}
        }
    })
}

/// A stream of Server-Sent Events: an answer's `start`, `status`, `token`, `end` (and `error`)
/// events, each with its id, as it is written.
pub struct EventStream(pub Response);

impl axum::response::IntoResponse for EventStream {
    fn into_response(self) -> Response {
        self.0
    }
}

impl DescribeOutput for EventStream {
    fn describe(op: &mut Operation, _schemas: &mut Schemas) {
        op.responses.push((
            "200",
            Some((
                "text/event-stream",
                // The schema of one event, as SSE-aware tools (Schemathesis, OpenAPI 3.2's
                // `itemSchema`) read a `text/event-stream` schema.
                json!({
                    "type": "object",
                    "description": "One Server-Sent Event: `start`, `status`, `token`, `end` or `error`, with its id (resume with `Last-Event-ID`) and its data, JSON with its `step`.",
                    "required": ["data"],
                    "properties": {
                        "id": {"type": "string"},
                        "event": {"type": "string"},
                        "data": {"type": "string", "contentMediaType": "application/json"},
                        "retry": {"type": "integer", "minimum": 0}
                    }
                }),
            )),
        ));
    }
}
