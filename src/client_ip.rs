//! The client's IP address behind optional reverse proxies: `X-Forwarded-For` is believed only
//! when the TCP peer is a trusted proxy (`PATCHBAY_TRUSTED_PROXY`), and then only as far as the
//! chain of trusted proxies reaches. Pure functions; the server computes it once per request.

use std::{fmt, net::IpAddr, str::FromStr};

/// The resolved client IP of a request (a request extension the server inserts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One trusted proxy: an address or a CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    addr: IpAddr,
    prefix: u8,
}

impl Block {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed; empty means none (the header is ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Block>);

impl TrustedProxies {
    /// True when no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|b| b.contains(ip))
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses and CIDR blocks: `10.0.0.1, 172.16.0.0/12, ::1`.
    fn from_str(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|entry| {
                let bad =
                    || format!("{entry:?} is not an IP address or CIDR block like 10.0.0.0/8");
                let (addr, prefix) = match entry.split_once('/') {
                    Some((addr, prefix)) => (addr, Some(prefix)),
                    None => (entry, None),
                };
                let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let prefix = match prefix {
                    None => max,
                    Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
                };
                Ok(Block { addr, prefix })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`); anything else is `None`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// The client's IP: the peer itself unless the peer is a trusted proxy; then the rightmost
/// `X-Forwarded-For` address that is not a trusted proxy (the last hop a trusted proxy saw).
/// `forwarded_for` holds the header's values in the order they came. An unreadable entry
/// before an untrusted address is found means the chain cannot be followed: the peer is used.
/// If every entry is a trusted proxy, the leftmost one is the client.
pub fn resolve<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|v| v.split(','))
        .filter(|e| !e.trim().is_empty())
        .collect();
    let mut leftmost_trusted = None;
    for entry in entries.iter().rev() {
        match parse_entry(entry) {
            Some(ip) if trusted.contains(ip) => leftmost_trusted = Some(ip),
            Some(ip) => return ip,
            None => return peer,
        }
    }
    leftmost_trusted.unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(s: &str) -> TrustedProxies {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            resolve(ip("192.0.2.10"), ["198.51.100.1"], &none),
            ip("192.0.2.10")
        );
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let trusted = proxies("10.0.0.1");
        assert_eq!(
            resolve(ip("203.0.113.9"), ["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_peer_names_the_client() {
        let trusted = proxies("10.0.0.1");
        assert_eq!(
            resolve(ip("10.0.0.1"), ["198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        // Whatever the client wrote itself stays left of what the proxy appended.
        assert_eq!(
            resolve(ip("10.0.0.1"), ["1.1.1.1, 6.6.6.6, 198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), [] as [&str; 0], &trusted),
            ip("10.0.0.1"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_followed() {
        let trusted = proxies("10.0.0.0/8, 2001:db8::/32");
        let header = ["6.6.6.6, 198.51.100.7", "10.1.2.3", "2001:db8::5"];
        assert_eq!(
            resolve(ip("10.0.0.1"), header, &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("::ffff:10.0.0.1"), ["198.51.100.7"], &trusted),
            ip("198.51.100.7"),
            "an IPv4-mapped peer is its IPv4 address"
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), ["10.9.9.9, 10.0.0.2"], &trusted),
            ip("10.9.9.9"),
            "only proxies: the leftmost"
        );
    }

    #[test]
    fn garbage_entries_stop_the_walk_at_the_peer() {
        let trusted = proxies("10.0.0.1");
        assert_eq!(
            resolve(ip("10.0.0.1"), ["198.51.100.1, unknown"], &trusted),
            ip("10.0.0.1")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), ["garbage, 198.51.100.1:4711"], &trusted),
            ip("198.51.100.1"),
            "garbage left of the client does not matter; ports are dropped"
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), ["[2001:db8::9]:443"], &trusted),
            ip("2001:db8::9")
        );
    }

    #[test]
    fn the_list_parses_addresses_and_blocks_and_refuses_the_rest() {
        let p = proxies(" 127.0.0.1 , 172.16.0.0/12,::1 ,");
        assert!(p.contains(ip("127.0.0.1")));
        assert!(p.contains(ip("172.31.255.1")));
        assert!(!p.contains(ip("172.32.0.1")));
        assert!(p.contains(ip("::1")));
        assert!(p.contains(ip("::ffff:127.0.0.1")));
        assert!(proxies("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        for bad in ["localhost", "10.0.0.0/33", "10.0.0.1/x", "1.2.3", "::1/129"] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
    }
}
