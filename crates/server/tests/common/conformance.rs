//! Every JSON body a test receives is checked against the schema the server's own OpenAPI
//! document gives its operation and status, so the document cannot drift from what is served.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
};

use serde_json::{Value, json};

/// The document, generated in process exactly as the server serves it.
static DOCUMENT: LazyLock<Value> = LazyLock::new(ejento_server::routes::openapi_document);

/// Validators by schema (a response schema is a reference into the document's components).
static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = LazyLock::new(Default::default);

/// The operation's path template that `path` (no query) falls under: literal segments beat
/// parameters (`/users/me` before `/users/{user_id}`).
fn template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    DOCUMENT["paths"]
        .as_object()?
        .keys()
        .filter_map(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (p, s) in parts.iter().zip(&segments) {
                if p.starts_with('{') {
                    if s.is_empty() {
                        return None;
                    }
                } else if p == s {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, t.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, t)| t)
}

/// The schema an operation gives a status (`201` falls under `2XX` when not listed itself),
/// or why there is none to check against.
fn response_schema(operation: &Value, status: u16) -> Result<Option<Value>, String> {
    let responses = &operation["responses"];
    let range = format!("{}XX", status / 100);
    let exact = status.to_string();
    let response = match (&responses[&exact], &responses[&range], &responses["200"]) {
        (r, _, _) if !r.is_null() => r,
        (_, r, _) if !r.is_null() => r,
        // A handler that names one status may send another success (`201` for a create).
        (_, _, r) if (200..300).contains(&status) && !r.is_null() => r,
        _ => return Err(format!("status {status} is not documented")),
    };
    Ok(response["content"]["application/json"]["schema"]
        .as_object()
        .map(|s| Value::Object(s.clone())))
}

fn validator(schema: &Value) -> Arc<jsonschema::Validator> {
    let key = schema.to_string();
    let mut validators = VALIDATORS.lock().unwrap_or_else(|p| p.into_inner());
    validators
        .entry(key)
        .or_insert_with(|| {
            // The reference resolves within a root that carries the document's components.
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": DOCUMENT["components"],
                "allOf": [schema],
            });
            Arc::new(jsonschema::validator_for(&root).expect("the document's schemas compile"))
        })
        .clone()
}

/// Panics, naming the operation, when `body` does not match what the document says `method
/// url` answers with `status`. `method` is `None` when the caller cannot say: any operation on
/// the path whose schema fits will do.
#[track_caller]
pub fn check(method: Option<&str>, url: &str, status: u16, body: &Value) {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    let path = path.split('?').next().unwrap_or(path);
    // A few lists answer with and without a trailing slash; the document names one.
    let found = template(path).or_else(|| match path.strip_suffix('/') {
        Some(bare) => template(bare),
        None => template(&format!("{path}/")),
    });
    let Some(template) = found else {
        // Not an API path of the document (the dashboard's files, a 404 for an unknown route).
        assert!(
            (400..500).contains(&status) || !ejento_server::routes::is_api_path(path),
            "{path} answered {status} but is in no operation of the OpenAPI document"
        );
        return;
    };
    let operations = DOCUMENT["paths"][template].as_object().expect("an operation");
    let candidates: Vec<(&String, &Value)> = match method {
        Some(m) => {
            let m = m.to_lowercase();
            match operations.iter().find(|(k, _)| **k == m) {
                Some(op) => vec![op],
                // Another method on a known path: the 405 envelope.
                None => return check_error(status, body, path),
            }
        }
        None => operations.iter().collect(),
    };
    let mut problems = Vec::new();
    for (m, operation) in candidates {
        match response_schema(operation, status) {
            Ok(None) => return,
            Ok(Some(schema)) => {
                let validator = validator(&schema);
                let errors: Vec<String> = validator
                    .iter_errors(body)
                    .take(5)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                if errors.is_empty() {
                    return;
                }
                problems.push(format!("{} {template}: {}", m.to_uppercase(), errors.join("; ")));
            }
            Err(why) => problems.push(format!("{} {template}: {why}", m.to_uppercase())),
        }
    }
    panic!(
        "the response ({status}) does not match the OpenAPI document: {}\nbody: {body}",
        problems.join(" | ")
    );
}

#[track_caller]
fn check_error(status: u16, body: &Value, path: &str) {
    assert!(
        status >= 400,
        "{path} answered {status} to a method it does not document"
    );
    let schema = json!({"$ref": "#/components/schemas/ErrorBody"});
    let errors: Vec<String> = validator(&schema).iter_errors(body).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{path} ({status}): {errors:?}\nbody: {body}");
}
