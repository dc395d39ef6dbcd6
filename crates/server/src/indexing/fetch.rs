//! Fetching a web link: http and https only, size and time limits, a content type we can
//! index, conditional requests (ETag / Last-Modified) for refreshes, and no requests to
//! private networks unless the operator allows them (each hop is resolved, checked, pinned).

use std::{net::IpAddr, time::Duration};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use reqwest::{StatusCode, Url, header};

use super::parse;

#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub max_bytes: u64,
    pub timeout: Duration,
    pub allow_private: bool,
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
    let url = Url::parse(text.trim()).map_err(|_| format!("“{}” is not a valid URL.", text.trim()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https links can be added.".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("The link has no host name.".into());
    }
    Ok(url)
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

pub async fn fetch(
    url: &str,
    limits: FetchLimits,
    previous: Option<(Option<&str>, Option<&str>)>,
) -> Result<Fetched, String> {
    let mut url = check_url(url)?;
    let deadline = tokio::time::Instant::now() + limits.timeout;
    for _hop in 0..5 {
        let host = url.host_str().unwrap_or_default().to_string();
        let port = url.port_or_known_default().unwrap_or(80);
        let addrs: Vec<_> = tokio::time::timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(|_| format!("Looking up {host} took too long."))?
            .map_err(|_| format!("The host {host} could not be found."))?
            .collect();
        let Some(addr) = addrs.first().copied() else {
            return Err(format!("The host {host} could not be found."));
        };
        if !limits.allow_private && addrs.iter().any(|a| is_private(a.ip())) {
            return Err(format!(
                "{host} is a private network address; the server does not fetch those."
            ));
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, addr)
            .user_agent("ejento-indexer/1")
            .build()
            .map_err(|_| "The HTTP client could not be set up.".to_string())?;
        let mut request = client.get(url.clone());
        if let Some((etag, last_modified)) = previous {
            if let Some(etag) = etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let response = tokio::time::timeout_at(deadline, request.send())
            .await
            .map_err(|_| "The web page took too long to answer.".to_string())?
            .map_err(|e| format!("The web page could not be fetched: {}.", e.without_url()))?;
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or("The web page redirected without saying where.")?;
            url = url
                .join(location)
                .map_err(|_| "The web page redirected to an invalid address.".to_string())?;
            check_url(url.as_str())?;
            continue;
        }
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
            .or_else(|| parse::detect(url.path(), None))
            .ok_or_else(|| {
                format!(
                    "The link points to {}, which cannot be indexed. Supported: {}.",
                    media_type.as_deref().unwrap_or("content of an unknown type"),
                    parse::supported_list()
                )
            })?;
        let (etag, last_modified) = (header_text(header::ETAG), header_text(header::LAST_MODIFIED));
        if response.content_length().is_some_and(|n| n > limits.max_bytes) {
            return Err(too_large(limits.max_bytes));
        }
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(piece) = tokio::time::timeout_at(deadline, stream.next())
            .await
            .map_err(|_| "The web page took too long to download.".to_string())?
        {
            let piece = piece.map_err(|_| "The download of the web page was interrupted.".to_string())?;
            if (body.len() + piece.len()) as u64 > limits.max_bytes {
                return Err(too_large(limits.max_bytes));
            }
            body.extend_from_slice(&piece);
        }
        return Ok(Fetched::Content {
            bytes: body.freeze(),
            format,
            etag,
            last_modified,
        });
    }
    Err("The web page redirected too many times.".into())
}

fn too_large(max: u64) -> String {
    format!("The web page is larger than the {} MB limit.", max / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_http_links() {
        assert!(check_url("ftp://example.com/a").unwrap_err().contains("http"));
        assert!(check_url("not a url").is_err());
        assert!(check_url("https://example.com/a.pdf").is_ok());
        assert!(is_private("127.0.0.1".parse().unwrap()));
        assert!(is_private("10.1.2.3".parse().unwrap()));
        assert!(is_private("::ffff:192.168.1.1".parse().unwrap()));
        assert!(!is_private("93.184.216.34".parse().unwrap()));
    }
}
