//! Any endpoint that speaks OpenAI's embeddings protocol (`POST {base_url}/embeddings`: OpenAI,
//! Azure OpenAI, vLLM, Ollama, text-embeddings-inference), configured like a model deployment,
//! for operators who run a larger model than the local one.

use std::time::Duration;

use anyhow::{anyhow, bail};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::Embedder;
use crate::chat::openai::{Deployment, upstream_message};

pub struct Remote {
    deployment: Deployment,
    dimensions: usize,
    /// For the operator's endpoint only: configuration, so not the guarded client users' URLs take.
    client: reqwest::Client,
    timeout: Duration,
}

impl Remote {
    /// `dimensions`: the length of the model's vectors, which sizes the index; a response of
    /// another length is refused.
    pub fn new(deployment: Deployment, dimensions: usize, timeout: Duration) -> Self {
        Self {
            deployment,
            dimensions,
            client: reqwest::Client::new(),
            timeout,
        }
    }

    async fn request(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let name = &self.deployment.name;
        let request = self
            .deployment
            .post(&self.client, "embeddings")
            .json(&json!({"model": self.deployment.model, "input": texts}))
            .timeout(self.timeout);
        let response = request.send().await.map_err(|e| {
            anyhow!(
                "the embedding endpoint ({name}) could not be reached: {}",
                e.without_url()
            )
        })?;
        let status = response.status();
        let body = response.text().await.map_err(|e| {
            anyhow!(
                "the embedding endpoint ({name}) stopped mid-answer: {}",
                e.without_url()
            )
        })?;
        if !status.is_success() {
            bail!(
                "the embedding endpoint ({name}) answered {status}: {}",
                upstream_message(&body)
            );
        }
        let body: Value =
            serde_json::from_str(&body).map_err(|_| anyhow!("the embedding endpoint ({name}) did not answer JSON"))?;
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        for (position, item) in body["data"].as_array().into_iter().flatten().enumerate() {
            // `index` says which input a vector is for; without it, the order of the list.
            let index = item["index"].as_u64().map_or(position, |i| i as usize);
            let vector: Vec<f32> = item["embedding"]
                .as_array()
                .ok_or_else(|| anyhow!("the embedding endpoint ({name}) sent an item without an embedding"))?
                .iter()
                .map(|v| v.as_f64().map(|f| f as f32))
                .collect::<Option<_>>()
                .ok_or_else(|| anyhow!("the embedding endpoint ({name}) sent a vector that is not numbers"))?;
            if vector.len() != self.dimensions {
                bail!(
                    "the embedding endpoint ({name}) sent vectors of {} dimensions; {} are configured",
                    vector.len(),
                    self.dimensions
                );
            }
            let slot = vectors.get_mut(index).ok_or_else(|| {
                anyhow!("the embedding endpoint ({name}) sent a vector for input {index}, which was not asked")
            })?;
            *slot = Some(unit(vector));
        }
        vectors.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| {
            anyhow!(
                "the embedding endpoint ({name}) left some of the {} inputs without a vector",
                texts.len()
            )
        })
    }
}

/// Scaled to length 1 (not every model's vectors are), so that a dot product is the cosine.
fn unit(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
    vector
}

impl Embedder for Remote {
    fn name(&self) -> &str {
        &self.deployment.name
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn vectors_id(&self) -> String {
        format!(
            "{} at {} ({} dimensions)",
            self.deployment.model, self.deployment.base_url, self.dimensions
        )
    }

    fn embed(&self, texts: Vec<String>) -> BoxFuture<'_, anyhow::Result<Vec<Vec<f32>>>> {
        Box::pin(async move {
            if texts.is_empty() {
                return Ok(Vec::new());
            }
            self.request(&texts).await
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::{Json, Router, extract::State, http::HeaderMap, routing::post};

    use super::*;

    /// What the stand-in received: the `Authorization` header and the body.
    type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

    /// An endpoint speaking the embeddings protocol: input `i` gets the vector (i + 1, 2, 2),
    /// listed in reverse order with its `index`, as servers are allowed to; an input "fail" is
    /// refused with OpenAI's error shape; "short" gets a vector of 2 numbers.
    async fn stand_in() -> (String, Seen) {
        let seen: Seen = Arc::default();
        let app = Router::new()
            .route(
                "/v1/embeddings",
                post(|State(seen): State<Seen>, headers: HeaderMap, Json(body): Json<Value>| async move {
                    let auth = headers.get("authorization").map(|v| v.to_str().unwrap().to_string());
                    seen.lock().unwrap().push((auth, body.clone()));
                    let inputs: Vec<String> = serde_json::from_value(body["input"].clone()).unwrap();
                    if inputs.iter().any(|i| i == "fail") {
                        return (
                            axum::http::StatusCode::BAD_REQUEST,
                            Json(json!({"error": {"message": "input too long", "type": "invalid_request_error"}})),
                        );
                    }
                    let data: Vec<Value> = inputs
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(i, text)| {
                            let vector = if text == "short" { json!([1.0, 0.0]) } else { json!([i as f64 + 1.0, 2.0, 2.0]) };
                            json!({"object": "embedding", "index": i, "embedding": vector})
                        })
                        .collect();
                    (
                        axum::http::StatusCode::OK,
                        Json(json!({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 3, "total_tokens": 3}})),
                    )
                }),
            )
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (base, seen)
    }

    fn remote(base: &str, key_env: Option<&str>) -> Remote {
        let deployment = Deployment {
            name: "big-embedder".into(),
            base_url: base.into(),
            model: "text-embedding-3-small".into(),
            api_key_env: key_env.map(String::from),
            input_price_per_1k: 0.0,
            output_price_per_1k: 0.0,
        };
        Remote::new(deployment, 3, Duration::from_secs(5))
    }

    #[tokio::test]
    async fn speaks_the_embeddings_protocol_and_returns_unit_vectors_in_input_order() {
        let (base, seen) = stand_in().await;
        // PATH is set in any test process; its value stands in for a key here.
        let embedder = remote(&base, Some("PATH"));
        let vectors = embedder.embed(vec!["first".into(), "second".into()]).await.unwrap();
        // (1, 2, 2) / 3 and (2, 2, 2) / sqrt(12): in the inputs' order although listed reversed.
        let expected = [[1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0], [1.0 / 3f32.sqrt(); 3]];
        for (got, want) in vectors.iter().zip(expected) {
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-6, "{vectors:?}");
            }
        }
        let (auth, body) = seen.lock().unwrap()[0].clone();
        assert_eq!(auth, Some(format!("Bearer {}", std::env::var("PATH").unwrap())));
        assert_eq!(
            body,
            json!({"model": "text-embedding-3-small", "input": ["first", "second"]})
        );
        assert_eq!(embedder.name(), "big-embedder");
        assert_eq!(embedder.dimensions(), 3);
        assert!(embedder.embed(Vec::new()).await.unwrap().is_empty());
        assert_eq!(seen.lock().unwrap().len(), 1, "nothing asked for no text");
    }

    #[tokio::test]
    async fn says_why_an_endpoint_failed() {
        let (base, _) = stand_in().await;
        let embedder = remote(&base, None);
        let refused = embedder.embed(vec!["fail".into()]).await.unwrap_err().to_string();
        assert_eq!(
            refused,
            "the embedding endpoint (big-embedder) answered 400 Bad Request: input too long"
        );
        let short = embedder.embed(vec!["short".into()]).await.unwrap_err().to_string();
        assert!(short.contains("vectors of 2 dimensions; 3 are configured"), "{short}");
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let nowhere = format!("http://{}/v1", closed.local_addr().unwrap());
        drop(closed);
        let unreachable = remote(&nowhere, None)
            .embed(vec!["x".into()])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            unreachable.starts_with("the embedding endpoint (big-embedder) could not be reached"),
            "{unreachable}"
        );
    }
}
