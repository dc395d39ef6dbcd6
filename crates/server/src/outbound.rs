//! The one way the server fetches a URL on a user's behalf (web links, API tools, web search,
//! tool test calls): anyone who can save a URL could otherwise make the server read its own
//! network — loopback admin ports, the database, cloud metadata — and show them the answer.
//!
//! Every hop is resolved once, every address it resolves to is checked, and the connection goes
//! to the address that was checked (no second lookup an attacker's DNS could answer
//! differently). Redirects are followed by hand, each one checked again, at most
//! [`MAX_REDIRECTS`]; headers the caller set (a tool's secret among them) are not carried to
//! another origin. Operators open exceptions by name or network (`EJENTO_OUTBOUND_ALLOW`).
//! Model endpoints are operator configuration and do not come through here.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode, Url, header};
use tokio::time::Instant;
use url::Host;

use crate::net::Network;

/// Most redirects one request follows.
pub const MAX_REDIRECTS: usize = 5;

/// What may be fetched although it is private: host names (`intranet.example`, or
/// `.corp.example` for every name under it), networks (`10.0.0.0/8`, `127.0.0.1`,
/// `fd00::/8`), or `*` for everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowList {
    everything: bool,
    hosts: Vec<String>,
    networks: Vec<Network>,
}

impl AllowList {
    /// Comma- or space-separated entries; an entry that is neither a host nor a network is an
    /// error naming it (a typo must not silently allow nothing, or everything).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut list = Self::default();
        for entry in crate::net::entries(text) {
            if entry == "*" {
                list.everything = true;
            } else if let Some(network) = Network::parse(entry) {
                list.networks.push(network);
            } else if entry
                .trim_start_matches('.')
                .split('.')
                .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            {
                list.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!(
                    "EJENTO_OUTBOUND_ALLOW: “{entry}” is neither a host name nor a network such as 10.0.0.0/8."
                ));
            }
        }
        Ok(list)
    }

    /// Everything allowed (the old `EJENTO_WEBLINK_ALLOW_PRIVATE=true`).
    pub fn everything() -> Self {
        Self {
            everything: true,
            ..Self::default()
        }
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.everything
            || self.hosts.iter().any(|allowed| match allowed.strip_prefix('.') {
                Some(domain) => host == domain || host.ends_with(allowed.as_str()),
                None => host == *allowed,
            })
    }

    fn allows_address(&self, ip: IpAddr) -> bool {
        self.everything || self.networks.iter().any(|net| net.contains(ip))
    }
}

/// Why an address is not fetched, or `None` for a public one.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_private() {
        "a private network address"
    } else if ip.is_link_local() {
        // 169.254.169.254 is where clouds serve instance credentials.
        "a link-local or cloud metadata address"
    } else if a == 100 && (64..128).contains(&b) {
        "a carrier-grade NAT address"
    } else if a == 0 {
        "an unspecified address"
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        "a multicast, broadcast or reserved address"
    } else if (a, b, c) == (192, 0, 0) || a == 198 && (18..20).contains(&b) {
        "a reserved network address"
    } else {
        return None;
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    // IPv4 written in IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64
    // (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::) reach the IPv4 address inside.
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    if s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return forbidden_v4(embedded(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return forbidden_v4(embedded(s[1], s[2]));
    }
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_unspecified() {
        "an unspecified address"
    } else if s[0] & 0xfe00 == 0xfc00 {
        // fd00:ec2::254 is one cloud's metadata service.
        "a unique-local (private) address"
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        "a link-local address"
    } else if s[0] & 0xff00 == 0xff00 {
        "a multicast address"
    } else if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        "a local NAT64 address"
    } else if s[0] == 0x2001 && s[1] == 0 {
        // Teredo hides an IPv4 address that cannot be checked.
        "a Teredo tunnel address"
    } else if s[0] == 0x0100 && s[1..4] == [0, 0, 0] {
        "a discard-only address"
    } else {
        return None;
    })
}

/// A request to send through [`Outbound`].
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub method: Method,
    pub url: Url,
    pub headers: header::HeaderMap,
    pub body: Option<Bytes>,
}

impl OutboundRequest {
    pub fn get(url: Url) -> Self {
        Self {
            method: Method::GET,
            url,
            headers: header::HeaderMap::new(),
            body: None,
        }
    }

    /// Adds a header; a name or value that is not valid HTTP is the caller's error to report.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, String> {
        let name = header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("“{name}” is not a valid header name."))?;
        let value = header::HeaderValue::from_str(value)
            .map_err(|_| format!("The value of the header {name} is not valid in HTTP."))?;
        self.headers.append(name, value);
        Ok(self)
    }
}

/// An http(s) URL with a host, or why not.
pub fn check_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|_| format!("“{}” is not a valid URL.", text.trim()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https addresses can be fetched.".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("The address has no host name.".into());
    }
    Ok(url)
}

/// Why a request was not answered. Its text is for the person who configured the URL.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Not sent: the URL, its address or a redirect is not allowed, or the host is unknown.
    #[error("{0}")]
    Refused(String),
    /// The time allowed ran out before an answer.
    #[error("{0} took too long to answer.")]
    TimedOut(String),
    #[error("{host} could not be reached: {reason}.")]
    Unreachable { host: String, reason: String },
}

/// The guarded client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbound {
    allow: Arc<AllowList>,
}

impl Outbound {
    pub fn new(allow: AllowList) -> Self {
        Self { allow: Arc::new(allow) }
    }

    /// Sends `request`, following checked redirects, all before `deadline`. The response is
    /// the final one (any status but a followed redirect); read its body with [`read_body`].
    pub async fn send(&self, mut request: OutboundRequest, deadline: Instant) -> Result<reqwest::Response, SendError> {
        for _ in 0..=MAX_REDIRECTS {
            check_url(request.url.as_str()).map_err(SendError::Refused)?;
            let address = self.address_of(&request.url, deadline).await?;
            let mut client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // A proxy from the environment would make its own lookup of the name.
                .no_proxy()
                .user_agent(concat!("ejento-server/", env!("CARGO_PKG_VERSION")));
            if let Some(Host::Domain(name)) = request.url.host() {
                client = client.resolve(name, address);
            }
            let client = client
                .build()
                .map_err(|_| SendError::Refused("The HTTP client could not be set up.".into()))?;
            let mut builder = client
                .request(request.method.clone(), request.url.clone())
                .headers(request.headers.clone());
            if let Some(body) = &request.body {
                builder = builder.body(body.clone());
            }
            let response = tokio::time::timeout_at(deadline, builder.send())
                .await
                .map_err(|_| SendError::TimedOut(host_of(&request.url)))?
                .map_err(|e| SendError::Unreachable {
                    host: host_of(&request.url),
                    reason: e.without_url().to_string(),
                })?;
            let status = response.status();
            if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    SendError::Refused(format!("{} redirected without saying where.", host_of(&request.url)))
                })?;
            let next = request.url.join(location).map_err(|_| {
                SendError::Refused(format!("{} redirected to an invalid address.", host_of(&request.url)))
            })?;
            if next.origin() != request.url.origin() {
                request.headers.clear();
            }
            if status == StatusCode::SEE_OTHER || (status.as_u16() < 303 && request.method == Method::POST) {
                request.method = Method::GET;
                request.body = None;
                request.headers.remove(header::CONTENT_TYPE);
            }
            request.url = next;
        }
        Err(SendError::Refused(format!(
            "The address redirected more than {MAX_REDIRECTS} times."
        )))
    }

    /// The one address to connect to, checked: an IP literal as written, a name resolved once
    /// and refused when any address it has is forbidden (so a name cannot alternate between a
    /// public and a private answer).
    async fn address_of(&self, url: &Url, deadline: Instant) -> Result<SocketAddr, SendError> {
        let port = url.port_or_known_default().unwrap_or(80);
        let (name, addresses) = match url.host() {
            Some(Host::Ipv4(ip)) => (ip.to_string(), vec![SocketAddr::new(ip.into(), port)]),
            Some(Host::Ipv6(ip)) => (ip.to_string(), vec![SocketAddr::new(ip.into(), port)]),
            Some(Host::Domain(name)) => {
                let found: Vec<SocketAddr> = tokio::time::timeout_at(deadline, tokio::net::lookup_host((name, port)))
                    .await
                    .map_err(|_| SendError::TimedOut(format!("Looking up {name}")))?
                    .map_err(|_| SendError::Refused(format!("The host {name} could not be found.")))?
                    .collect();
                (name.to_string(), found)
            }
            None => return Err(SendError::Refused("The address has no host name.".into())),
        };
        let first = *addresses
            .first()
            .ok_or_else(|| SendError::Refused(format!("The host {name} could not be found.")))?;
        if self.allow.allows_host(&name) {
            return Ok(first);
        }
        for address in &addresses {
            let ip = address.ip();
            if let Some(why) = forbidden(ip).filter(|_| !self.allow.allows_address(ip)) {
                return Err(SendError::Refused(format!(
                    "{name} is {why}; the server does not fetch from there (an operator can allow it with EJENTO_OUTBOUND_ALLOW)."
                )));
            }
        }
        Ok(first)
    }
}

fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or("The address").to_string()
}

/// Why a body could not be read whole.
#[derive(Debug, PartialEq)]
pub enum ReadError {
    TooLarge,
    TimedOut,
    Interrupted,
}

/// The body of `response`, at most `max_bytes`, before `deadline`. A stated Content-Length over
/// the limit fails before anything is read.
pub async fn read_body(response: reqwest::Response, max_bytes: u64, deadline: Instant) -> Result<Bytes, ReadError> {
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(ReadError::TooLarge);
    }
    let mut body = BytesMut::new();
    let mut stream = response.bytes_stream();
    while let Some(piece) = tokio::time::timeout_at(deadline, stream.next())
        .await
        .map_err(|_| ReadError::TimedOut)?
    {
        let piece = piece.map_err(|_| ReadError::Interrupted)?;
        if (body.len() + piece.len()) as u64 > max_bytes {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&piece);
    }
    Ok(body.freeze())
}

/// `now + limit`, for callers holding a duration.
pub fn deadline_in(limit: Duration) -> Instant {
    Instant::now() + limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn every_internal_spelling_is_forbidden() {
        for internal in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
        ] {
            assert!(forbidden(ip(internal)).is_some(), "{internal} must be forbidden");
        }
        for public in [
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700::1111",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(forbidden(ip(public)), None, "{public} is public");
        }
    }

    #[test]
    fn allow_lists_name_hosts_and_networks() {
        let list = AllowList::parse("intranet.example, .corp.example 10.0.0.0/8,::1/128").unwrap();
        assert!(list.allows_host("INTRANET.example."));
        assert!(list.allows_host("wiki.corp.example") && list.allows_host("corp.example"));
        assert!(!list.allows_host("evilcorp.example") && !list.allows_host("intranet.example.evil"));
        assert!(list.allows_address(ip("10.200.3.4")) && !list.allows_address(ip("11.0.0.1")));
        assert!(list.allows_address(ip("::1")) && !list.allows_address(ip("::2")));
        assert!(!list.allows_address(ip("127.0.0.1")));
        assert!(AllowList::parse("*").unwrap().allows_address(ip("127.0.0.1")));
        assert!(AllowList::parse("10.0.0.0/33").unwrap_err().contains("10.0.0.0/33"));
        assert!(AllowList::parse("http://x").is_err());
        assert_eq!(AllowList::parse(" ").unwrap(), AllowList::default());
    }

    #[tokio::test]
    async fn literals_are_checked_without_a_lookup() {
        let guard = Outbound::new(AllowList::default());
        let soon = deadline_in(Duration::from_secs(5));
        let address = |u: &str| {
            let url = Url::parse(u).unwrap();
            let guard = guard.clone();
            async move { guard.address_of(&url, soon).await }
        };
        assert_eq!(
            address("http://[2606:4700::1111]/").await.unwrap(),
            "[2606:4700::1111]:80".parse().unwrap()
        );
        assert_eq!(
            address("https://8.8.8.8/").await.unwrap(),
            "8.8.8.8:443".parse().unwrap()
        );
        // The URL standard reads the first two as 127.0.0.1.
        for spelling in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::ffff:7f00:1]/",
            "http://localhost/",
        ] {
            let refusal = address(spelling).await.unwrap_err().to_string();
            assert!(refusal.contains("loopback"), "{spelling}: {refusal}");
        }
    }
}
