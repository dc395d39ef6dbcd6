//! IP networks as operators write them (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`), for the lists
//! that open the outbound client and name trusted proxies.

use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// `address/prefix`, or a bare address (a network of one); `None` when it is neither.
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let address: IpAddr = address.trim_matches(['[', ']']).parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { address, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = u32::from(self.prefix);
        match (ip, self.address) {
            (IpAddr::V4(ip), IpAddr::V4(net)) => {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(ip) & mask == u32::from(net) & mask
            }
            (IpAddr::V6(ip), IpAddr::V6(net)) => {
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(ip) & mask == u128::from(net) & mask
            }
            _ => false,
        }
    }
}

/// The entries of an operator's list: separated by commas, spaces or lines.
pub fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', '\n']).map(str::trim).filter(|e| !e.is_empty())
}

/// Proxies whose `X-Forwarded-For` is believed (`EJENTO_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies {
    networks: Vec<Network>,
    /// The older `EJENTO_TRUST_FORWARDED_FOR=true`: whoever connects is taken for the one proxy.
    any_peer: bool,
}

impl TrustedProxies {
    pub fn parse(text: &str) -> Result<Self, String> {
        let networks = entries(text)
            .map(|e| {
                Network::parse(e).ok_or_else(|| {
                    format!("EJENTO_TRUSTED_PROXIES: “{e}” is not an address or a network such as 10.0.0.0/8.")
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            networks,
            any_peer: false,
        })
    }

    pub fn any_peer() -> Self {
        Self {
            networks: Vec::new(),
            any_peer: true,
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the rightmost
    /// `X-Forwarded-For` hop that is not a trusted proxy. Each proxy appends the address it
    /// was reached from, so every hop left of that one is whatever the client chose to write.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !(self.any_peer || self.trusts(peer)) {
            return peer;
        }
        let hops: Vec<IpAddr> = forwarded_for
            .unwrap_or_default()
            .split(',')
            .map(|hop| hop.trim().parse::<IpAddr>())
            .collect::<Result<_, _>>()
            // A hop that is not an address was written by the client: believe none of it.
            .unwrap_or_default();
        hops.into_iter().rev().find(|hop| !self.trusts(*hop)).unwrap_or(peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let net = Network::parse("10.0.0.0/8").unwrap();
        assert!(net.contains(ip("10.200.3.4")) && !net.contains(ip("11.0.0.1")));
        assert!(Network::parse("::1").unwrap().contains(ip("::1")));
        assert!(!Network::parse("::1").unwrap().contains(ip("127.0.0.1")));
        assert!(Network::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert_eq!(Network::parse("10.0.0.0/33"), None);
        assert_eq!(Network::parse("example.com"), None);
    }

    #[test]
    fn the_client_is_the_rightmost_hop_not_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        let lb = ip("10.0.0.5");
        // The client wrote 1.2.3.4 itself; the load balancer appended what it saw.
        assert_eq!(proxies.client(lb, Some("1.2.3.4, 203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(proxies.client(lb, Some("203.0.113.9, 192.168.1.1")), ip("203.0.113.9"));
        // An untrusted peer's header is ignored, and a forged hop is not believed.
        assert_eq!(proxies.client(ip("198.51.100.7"), Some("1.2.3.4")), ip("198.51.100.7"));
        assert_eq!(proxies.client(lb, Some("not-an-ip, 203.0.113.9")), lb);
        assert_eq!(proxies.client(lb, None), lb);
        assert_eq!(
            TrustedProxies::any_peer().client(lb, Some("1.2.3.4, 5.6.7.8")),
            ip("5.6.7.8")
        );
        assert_eq!(TrustedProxies::default().client(lb, Some("1.2.3.4")), lb);
        assert!(TrustedProxies::parse("10.0.0.0/8, proxy.local").is_err());
    }
}
