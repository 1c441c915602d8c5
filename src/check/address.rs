//! Addresses: parsing CIDRs and IPs with helpful errors, and the deterministic subnet planner.

pub use crate::azure::network::{LARGEST_SUBNET, RESERVED_AT_START, SMALLEST_SUBNET};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A CIDR that failed to parse, with a corrected form when there is one.
#[derive(Debug, PartialEq, Eq)]
pub struct CidrError {
    pub message: String,
    pub suggestion: Option<String>,
}

/// Parses an IPv4 CIDR that must be a network address.
pub fn parse_cidr(text: &str) -> Result<Ipv4Net, CidrError> {
    let text = text.trim();
    if text.contains(':') {
        return Err(CidrError {
            message: format!("`{text}` is IPv6; only IPv4 address ranges are supported"),
            suggestion: None,
        });
    }
    if let Some((ip, len)) = text.split_once('/') {
        if ip.parse::<Ipv4Addr>().is_ok() && len.parse::<u32>().is_ok_and(|n| n > 32) {
            return Err(CidrError {
                message: format!("`{text}` has a prefix length of /{len}; IPv4 prefixes are /0 to /32"),
                suggestion: None,
            });
        }
    }
    let Ok(net) = text.parse::<Ipv4Net>() else {
        let suggestion = text.parse::<Ipv4Addr>().ok().map(|ip| format!("{ip}/24"));
        let message = if suggestion.is_some() {
            format!("`{text}` has no prefix length")
        } else {
            format!("`{text}` is not an IPv4 CIDR like `10.0.0.0/16`")
        };
        return Err(CidrError { message, suggestion });
    };
    if net.addr() != net.network() {
        return Err(CidrError {
            message: format!("`{text}` is not a network address (host bits are set)"),
            suggestion: Some(net.trunc().to_string()),
        });
    }
    Ok(net)
}

/// Parses a subnet size like `/27`.
pub fn parse_size(text: &str) -> Option<Result<u8, String>> {
    let rest = text.trim().strip_prefix('/')?;
    Some(match rest.parse::<u8>() {
        Ok(n) if n <= 32 => Ok(n),
        _ => Err(format!("`{text}` is not a prefix length between /0 and /32")),
    })
}

pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Whether `ip` is one of the five addresses Azure reserves in `subnet`.
pub fn is_reserved(subnet: &Ipv4Net, ip: Ipv4Addr) -> bool {
    let offset = u32::from(ip) - u32::from(subnet.network());
    offset < RESERVED_AT_START || ip == subnet.broadcast()
}

/// The `n`th address of a subnet (0 is the network address).
pub fn nth(subnet: &Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(subnet.network()) + n)
}

/// Finds the lowest block of `len` bits, aligned to its size, in the address spaces (in order)
/// that overlaps nothing in `used`.
pub fn allocate(spaces: &[Ipv4Net], used: &[Ipv4Net], len: u8) -> Option<Ipv4Net> {
    for space in spaces {
        if len < space.prefix_len() {
            continue;
        }
        let size = 1u64 << (32 - u32::from(len));
        let end = u64::from(u32::from(space.broadcast()));
        let mut cand = u64::from(u32::from(space.network()));
        while cand + size - 1 <= end {
            let net = Ipv4Net::new(Ipv4Addr::from(cand as u32), len).expect("len <= 32");
            match used
                .iter()
                .filter(|u| overlaps(u, &net))
                .map(|u| u64::from(u32::from(u.broadcast())))
                .max()
            {
                None => return Some(net),
                // Skip past the block in the way, to the next aligned start.
                Some(b) => cand = (b + 1).div_ceil(size) * size,
            }
        }
    }
    None
}

/// Whether a range is outside RFC 1918 private space and RFC 6598 shared space, i.e. public
/// addresses that a VNet would hide from the internet.
pub fn is_public(net: &Ipv4Net) -> bool {
    let private: [Ipv4Net; 4] = [
        "10.0.0.0/8".parse().expect("literal"),
        "172.16.0.0/12".parse().expect("literal"),
        "192.168.0.0/16".parse().expect("literal"),
        "100.64.0.0/10".parse().expect("literal"),
    ];
    !private.iter().any(|p| p.contains(net))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_errors_suggest_the_fix() {
        assert_eq!(parse_cidr("10.0.0.0/16"), Ok(n("10.0.0.0/16")));
        let e = parse_cidr("10.0.0.1/16").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("10.0.0.0/16"));
        assert_eq!(
            parse_cidr("10.0.0.0").unwrap_err().suggestion.as_deref(),
            Some("10.0.0.0/24")
        );
        assert!(parse_cidr("10.0.0.0/33").unwrap_err().message.contains("/0 to /32"));
        assert!(parse_cidr("fd00::/8").unwrap_err().message.contains("IPv6"));
    }

    #[test]
    fn allocates_lowest_aligned_free_block() {
        let spaces = [n("10.0.0.0/16")];
        let used = [n("10.0.0.0/24")];
        assert_eq!(allocate(&spaces, &used, 27), Some(n("10.0.1.0/27")));
        let used = [n("10.0.0.0/27"), n("10.0.0.64/26")];
        assert_eq!(allocate(&spaces, &used, 27), Some(n("10.0.0.32/27")));
        assert_eq!(allocate(&spaces, &used, 26), Some(n("10.0.0.128/26")));
        assert_eq!(allocate(&[n("10.0.0.0/28")], &[], 27), None);
        assert_eq!(
            allocate(&[n("10.0.0.0/28"), n("10.1.0.0/24")], &[], 27),
            Some(n("10.1.0.0/27"))
        );
        assert_eq!(allocate(&[n("10.0.0.0/24")], &[n("10.0.0.0/24")], 29), None);
    }

    #[test]
    fn reserved_addresses() {
        let s = n("10.0.1.0/27");
        assert!(is_reserved(&s, "10.0.1.3".parse().unwrap()));
        assert!(!is_reserved(&s, "10.0.1.4".parse().unwrap()));
        assert!(is_reserved(&s, "10.0.1.31".parse().unwrap()));
        assert!(is_public(&n("20.0.0.0/16")));
        assert!(!is_public(&n("10.1.0.0/16")));
    }
}
