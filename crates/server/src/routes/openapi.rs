//! The OpenAPI 3.1 document, generated from the route list that builds the router.

use std::sync::LazyLock;

use axum::{
    http::{Method, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{
    Access, Api, RouteDoc,
    describe::{Schemas, upload_form},
};

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/openapi.json",
        ("Meta", "OpenAPI document of this server", Access::Public),
        serve,
    )
}

/// The document (a megabyte: every schema of every operation), built once.
static DOCUMENT: LazyLock<axum::body::Bytes> =
    LazyLock::new(|| serde_json::to_vec(&openapi_document()).unwrap_or_default().into());

async fn serve() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT.clone()).into_response()
}

/// Every implemented route with its method, tag, summary, parameters, request body, responses
/// and security, and the schemas they refer to.
pub fn openapi_document() -> Value {
    document(super::api_router().docs())
}

fn document(docs: &[RouteDoc]) -> Value {
    let mut schemas = Schemas::default();
    let error = schemas.error();
    let mut paths = Map::new();
    for doc in docs {
        let mut operation = (doc.describe)(&mut schemas);
        if doc.multipart {
            operation.body = Some(("multipart/form-data", upload_form()));
        }
        let entry = paths.entry(doc.path.to_string()).or_insert_with(|| json!({}));
        let mut parameters: Vec<Value> = path_parameters(doc.path)
            .map(|name| {
                let schema = if name.ends_with("_id") {
                    json!({"type": "integer"})
                } else {
                    json!({"type": "string"})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        parameters.extend(operation.query.iter().cloned());
        let mut responses = Map::new();
        for (status, body) in &operation.responses {
            let mut response =
                json!({"description": "Success: `{success: true, message, data}` unless the summary says otherwise"});
            if let Some((media, schema)) = body {
                response["content"] = json!({*media: {"schema": schema}});
            }
            responses.insert(status.to_string(), response);
        }
        for status in ["4XX", "5XX"] {
            responses.insert(
                status.into(),
                json!({"description": "Error: `{success: false, message, errors?}`",
                       "content": {"application/json": {"schema": error}}}),
            );
        }
        let mut op = json!({
            "tags": [doc.tag],
            "summary": doc.summary,
            "operationId": operation_id(&doc.method, doc.path),
            "parameters": parameters,
            "responses": responses,
        });
        if let Some((media, schema)) = &operation.body {
            op["requestBody"] = json!({"required": true, "content": {*media: {"schema": schema}}});
        }
        if doc.access == Access::SignedIn {
            op["security"] = json!([{"bearer": [], "subscriptionKey": []}, {"bearer": []}]);
        } else {
            op["security"] = json!([]);
        }
        entry[doc.method.as_str().to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Ejento-compatible API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Self-hosted Ejento API: core (/api/v2), auth, response and indexing services."
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "components": {
            "schemas": schemas.components(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "subscriptionKey": {"type": "apiKey", "in": "header", "name": "Ocp-Apim-Subscription-Key"}
            }
        },
        "paths": paths
    })
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn operation_id(method: &Method, path: &str) -> String {
    let mut id = method.as_str().to_lowercase();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(seg.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_appears_once_with_its_method() {
        let doc = openapi_document();
        let api = super::super::api_router();
        for route in api.docs() {
            let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
            assert_eq!(op["summary"], route.summary, "{} {}", route.method, route.path);
        }
        let ops: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(ops, api.docs().len(), "no route is documented twice");
    }

    #[test]
    fn every_operation_is_typed() {
        let doc = openapi_document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let resolve = |schema: &Value| -> Value {
            let mut s = schema.clone();
            while let Some(name) = s["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                s = schemas[name].clone();
            }
            s
        };
        let mut untyped = Vec::new();
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for (method, op) in operations.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.contains_key("4XX") && responses.contains_key("5XX"),
                    "{method} {path}"
                );
                let success = responses.iter().find(|(s, _)| s.starts_with('2')).map(|(_, r)| r);
                let Some(schema) = success.and_then(|r| r["content"]["application/json"].get("schema")) else {
                    // Streams, files, CSV and responses that set cookies are built by hand.
                    continue;
                };
                let envelope = resolve(schema);
                if path != "/api/v2/openapi.json" && (envelope["properties"]["data"] == json!(true)) {
                    untyped.push(format!("{method} {path}"));
                }
            }
        }
        assert!(untyped.is_empty(), "operations whose data is untyped: {untyped:?}");
        let create = &doc["paths"]["/api/v2/agents"]["post"];
        assert!(create["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string());
        let list = &doc["paths"]["/api/v2/agents"]["get"]["parameters"];
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "items_per_page" && p["in"] == "query"),
            "{list}"
        );
    }

    #[test]
    fn path_parameters_are_listed() {
        let params: Vec<_> = path_parameters("/api/v2/organizations/{organization_id}/api-keys/{api_key_id}").collect();
        assert_eq!(params, ["organization_id", "api_key_id"]);
    }
}
