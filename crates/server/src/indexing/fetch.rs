//! Fetching a web link: http and https only, size and time limits, a content type we can
//! index, conditional requests (ETag / Last-Modified) for refreshes; through the guarded
//! outbound client, so no private network is reached unless the operator allows it.

use std::time::Duration;

use bytes::Bytes;
use reqwest::{StatusCode, Url, header};

use super::parse;
use crate::outbound::{self, Outbound, OutboundRequest, ReadError};

#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub max_bytes: u64,
    pub timeout: Duration,
}

#[derive(Debug)]
pub enum Fetched {
    /// The server said 304: what we have is current.
    NotModified,
    Content {
        bytes: Bytes,
        format: &'static str,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// A URL a person may add: absolute http(s) with a host.
pub fn check_url(text: &str) -> Result<Url, String> {
    crate::outbound::check_url(text)
}

pub async fn fetch(
    outbound: &Outbound,
    url: &str,
    limits: FetchLimits,
    previous: Option<(Option<&str>, Option<&str>)>,
) -> Result<Fetched, String> {
    let url = check_url(url)?;
    let deadline = outbound::deadline_in(limits.timeout);
    let mut request = OutboundRequest::get(url);
    if let Some((etag, last_modified)) = previous {
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH.as_str(), etag)?;
        }
        if let Some(lm) = last_modified {
            request = request.header(header::IF_MODIFIED_SINCE.as_str(), lm)?;
        }
    }
    let response = outbound.send(request, deadline).await.map_err(|e| e.to_string())?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(format!("The web page answered {status}."));
    }
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let media_type = header_text(header::CONTENT_TYPE);
    let format = media_type
        .as_deref()
        .and_then(parse::format_of_media_type)
        .or_else(|| parse::detect(response.url().path(), None))
        .ok_or_else(|| {
            format!(
                "The link points to {}, which cannot be indexed. Supported: {}.",
                media_type.as_deref().unwrap_or("content of an unknown type"),
                parse::supported_list()
            )
        })?;
    let (etag, last_modified) = (header_text(header::ETAG), header_text(header::LAST_MODIFIED));
    let bytes = outbound::read_body(response, limits.max_bytes, deadline)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge => too_large(limits.max_bytes),
            ReadError::TimedOut => "The web page took too long to download.".to_string(),
            ReadError::Interrupted => "The download of the web page was interrupted.".to_string(),
        })?;
    Ok(Fetched::Content {
        bytes,
        format,
        etag,
        last_modified,
    })
}

fn too_large(max: u64) -> String {
    format!("The web page is larger than the {} MB limit.", max / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links() {
        assert!(check_url("ftp://example.com/a").unwrap_err().contains("http"));
        assert!(check_url("not a url").is_err());
        assert!(check_url("https://example.com/a.pdf").is_ok());
    }
}
