//! Tools an answering model may call (OpenAI function calling): API tools and web search.
//! Secrets are sealed with the server's secrets key before they are stored and opened only to
//! make a call; a tool's `Debug` never shows one. Calls have a time limit and a size limit, and
//! a failed call becomes a sentence the model (and the thought steps) can read.

use std::{fmt, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use ejento_api::{ApiToolSpec, ToolParameter};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::outbound::{self, Outbound, OutboundRequest, ReadError};

/// Longest wait for a tool's answer.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read from a tool's API.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// Longest text given to the model from one call.
pub const MAX_OUTPUT_CHARS: usize = 4000;

/// Seals and opens tool secrets (ChaCha20-Poly1305, a fresh nonce per secret).
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box keyed by any text (hashed to 256 bits).
    pub fn new(key_material: &str) -> Self {
        let key = Sha256::digest(format!("ejento tool secrets\n{key_material}").as_bytes());
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    pub fn seal(&self, plain: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("ChaCha20-Poly1305 encrypts any input");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// The secret, or none when it was sealed with another key (or changed).
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, data) = bytes.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), data).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// What a runnable tool does.
#[derive(Clone)]
pub enum Action {
    Api { spec: ApiToolSpec, secret: Option<String> },
    WebSearch { url: String, max_results: usize },
}

/// A tool an agent is linked to, ready to be offered to a model and called.
#[derive(Clone)]
pub struct RunnableTool {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub action: Action,
}

impl fmt::Debug for RunnableTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret.
        f.debug_struct("RunnableTool")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RunnableTool {
    /// The function's name for the model: letters, digits and `_`, unique by the tool's id.
    pub fn function_name(&self) -> String {
        let mut slug: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        slug.truncate(48);
        format!("{}_{}", slug.trim_matches('_'), self.id)
    }

    fn parameters(&self) -> Vec<ToolParameter> {
        match &self.action {
            Action::Api { spec, .. } => spec.parameters.clone(),
            Action::WebSearch { .. } => vec![ToolParameter {
                name: "query".into(),
                description: "What to search the web for.".into(),
                kind: "string".into(),
                required: true,
            }],
        }
    }

    /// The OpenAI `tools` entry.
    pub fn schema(&self) -> Value {
        let params = self.parameters();
        let properties: Map<String, Value> = params
            .iter()
            .map(|p| (p.name.clone(), json!({"type": p.kind, "description": p.description})))
            .collect();
        let required: Vec<&str> = params.iter().filter(|p| p.required).map(|p| p.name.as_str()).collect();
        json!({"type": "function", "function": {
            "name": self.function_name(),
            "description": if self.description.is_empty() { self.name.clone() } else { self.description.clone() },
            "parameters": {"type": "object", "properties": properties, "required": required},
        }})
    }

    /// Calls the tool with the model's arguments; the text to give back, or why it failed.
    pub async fn call(&self, outbound: &Outbound, args: &Map<String, Value>) -> Result<String, String> {
        for p in self.parameters().iter().filter(|p| p.required) {
            if args.get(&p.name).is_none_or(Value::is_null) {
                return Err(format!("The argument “{}” is missing.", p.name));
            }
        }
        let text = match &self.action {
            Action::Api { spec, secret } => call_api(outbound, spec, secret.as_deref(), args).await?,
            Action::WebSearch { url, max_results } => {
                let query = args.get("query").and_then(Value::as_str).unwrap_or_default();
                web_search(outbound, url, query, *max_results).await?
            }
        };
        Ok(truncate(&text, MAX_OUTPUT_CHARS))
    }
}

/// A stored tool as something a model can call: API tools (secret opened) and web search
/// tools; RAG and attachment tools are not called (RAG tools widen the agent's search).
pub fn runnable(row: &crate::store::ToolRow, secrets: &SecretBox) -> Option<RunnableTool> {
    let t = &row.tool;
    let action = match t.tool_type.as_str() {
        "api" => Action::Api {
            spec: t.config.api.clone()?,
            secret: row.sealed_secret.as_deref().and_then(|s| secrets.open(s)),
        },
        "web_search" => Action::WebSearch {
            url: t.config.search_url.clone()?,
            max_results: t.config.max_results.unwrap_or(5).clamp(1, 10) as usize,
        },
        _ => return None,
    };
    Some(RunnableTool {
        id: t.id,
        name: t.name.clone(),
        description: t.description.clone(),
        action,
    })
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

/// `%XX` for everything but unreserved characters (RFC 3986).
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of an argument: strings as they are, other values as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces `{name}` with each argument, written by `write`; unknown placeholders stay.
fn render(template: &str, args: &Map<String, Value>, write: impl Fn(&Value) -> String) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &write(value));
    }
    out
}

/// In a JSON body, a string argument is written escaped (the template quotes it), any other
/// value as JSON.
fn json_piece(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let quoted = Value::String(s.clone()).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
        other => other.to_string(),
    }
}

/// The part of a JSON answer at a dotted path (`data.items.0.text`).
fn pick<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').filter(|p| !p.is_empty()).try_fold(v, |v, key| match v {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(key),
    })
}

/// Sends a call through the guarded client; the body of a 2xx answer, or why not.
async fn send(outbound: &Outbound, request: OutboundRequest) -> Result<String, String> {
    let deadline = outbound::deadline_in(CALL_TIMEOUT);
    let late = || format!("The API did not answer within {} seconds.", CALL_TIMEOUT.as_secs());
    let response = outbound.send(request, deadline).await.map_err(|why| match why {
        outbound::SendError::TimedOut(_) => late(),
        other => format!("The API could not be called: {other}"),
    })?;
    let status = response.status();
    let body = outbound::read_body(response, MAX_RESPONSE_BYTES as u64, deadline)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge => format!(
                "The API answered more than {} KB; the limit is {} KB.",
                MAX_RESPONSE_BYTES / 1024,
                MAX_RESPONSE_BYTES / 1024
            ),
            ReadError::TimedOut => late(),
            ReadError::Interrupted => "The API stopped in the middle of its answer.".to_string(),
        })?;
    let body = String::from_utf8_lossy(&body).into_owned();
    if !status.is_success() {
        return Err(format!("The API answered {status}: {}", truncate(body.trim(), 200)));
    }
    Ok(body)
}

async fn call_api(
    outbound: &Outbound,
    spec: &ApiToolSpec,
    secret: Option<&str>,
    args: &Map<String, Value>,
) -> Result<String, String> {
    let url = outbound::check_url(&render(&spec.url_template, args, |v| url_encode(&plain(v))))?;
    let method = reqwest::Method::from_bytes(spec.method.as_bytes()).map_err(|_| "The tool's method is invalid.")?;
    let mut request = OutboundRequest::get(url);
    request.method = method;
    for (name, value) in &spec.headers {
        request = request.header(name, &render(value, args, plain))?;
    }
    if let (Some(secret), false) = (secret, spec.secret_header.is_empty()) {
        request = request.header(&spec.secret_header, &format!("{}{secret}", spec.secret_prefix))?;
    }
    if !spec.body_template.trim().is_empty() {
        request = request.header("content-type", "application/json")?;
        request.body = Some(render(&spec.body_template, args, json_piece).into());
    }
    let body = send(outbound, request).await?;
    if spec.response_path.trim().is_empty() {
        return Ok(body);
    }
    let json: Value = serde_json::from_str(&body).map_err(|_| "The API's answer is not JSON.".to_string())?;
    match pick(&json, spec.response_path.trim()) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(format!(
            "The API's answer has nothing at “{}”.",
            spec.response_path.trim()
        )),
    }
}

/// A SearXNG-style search: `GET url?q=…&format=json` answering `{results: [{title, url, content}]}`.
async fn web_search(outbound: &Outbound, url: &str, query: &str, max: usize) -> Result<String, String> {
    let mut url = outbound::check_url(url)?;
    url.query_pairs_mut()
        .append_pair("q", query)
        .append_pair("format", "json");
    let body = send(outbound, OutboundRequest::get(url)).await?;
    let json: Value =
        serde_json::from_str(&body).map_err(|_| "The search answered something that is not JSON.".to_string())?;
    let lines: Vec<String> = json["results"]
        .as_array()
        .into_iter()
        .flatten()
        .take(max.max(1))
        .map(|r| {
            format!(
                "{} ({}): {}",
                r["title"].as_str().unwrap_or_default(),
                r["url"].as_str().unwrap_or_default(),
                r["content"].as_str().unwrap_or_default()
            )
        })
        .collect();
    if lines.is_empty() {
        return Ok(format!("The web search found nothing for “{query}”."));
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_sealed_and_opened_only_with_the_key() {
        let a = SecretBox::new("key one");
        let sealed = a.seal("s3cret-token");
        assert!(!sealed.contains("s3cret"));
        assert_ne!(sealed, a.seal("s3cret-token"), "a fresh nonce each time");
        assert_eq!(a.open(&sealed).as_deref(), Some("s3cret-token"));
        assert_eq!(SecretBox::new("key two").open(&sealed), None);
        assert_eq!(a.open("not base64!"), None);
    }

    #[test]
    fn templates_are_filled_safely() {
        let args: Map<String, Value> =
            serde_json::from_value(json!({"city": "Den Haag \"centrum\"", "days": 3})).unwrap();
        assert_eq!(
            render("https://x.test/w?city={city}&d={days}", &args, |v| url_encode(&plain(
                v
            ))),
            "https://x.test/w?city=Den%20Haag%20%22centrum%22&d=3"
        );
        assert_eq!(
            render(r#"{"city": "{city}", "days": {days}}"#, &args, json_piece),
            r#"{"city": "Den Haag \"centrum\"", "days": 3}"#
        );
        let v = json!({"data": {"items": [{"text": "sunny"}]}});
        assert_eq!(pick(&v, "data.items.0.text"), Some(&json!("sunny")));
        assert_eq!(pick(&v, "data.items.5"), None);
    }

    #[test]
    fn function_names_are_what_models_accept() {
        let tool = RunnableTool {
            id: 7,
            name: "Weather (NL) — forecast".into(),
            description: String::new(),
            action: Action::WebSearch {
                url: "http://x.test".into(),
                max_results: 3,
            },
        };
        assert_eq!(tool.function_name(), "weather__nl____forecast_7");
        assert!(!format!("{tool:?}").contains("x.test"));
    }
}
