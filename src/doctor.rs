//! `aoai-vnet doctor`: the guide's "Testing your configuration" in one command. It resolves the
//! account's name with the system resolver (as `nslookup` does), shows every address and whether
//! it is private, compares with the private endpoint's IP, opens a TCP connection to the address
//! that resolved (as `Test-NetConnection -Port 443` does), and when something fails names the
//! likely cause from the guide's list: a DNS issue, a machine that is not on the private network,
//! or a firewall.
//!
//! It connects only to addresses the name resolved to, never to the expected IP on its own: a
//! connection to an address the name does not resolve to would prove nothing about what clients
//! will reach.

pub mod api;

use std::fmt::Write;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub expect: Option<IpAddr>,
    /// For the lookup and for each connection attempt.
    pub timeout: Duration,
}

/// What an address is, for the reader and for the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// RFC 1918, RFC 6598 or an IPv6 unique local address: where private endpoints live.
    Private(&'static str),
    Loopback,
    LinkLocal,
    /// Special-purpose ranges that are neither private nor reachable on the internet.
    Special(&'static str),
    Public,
}

impl Class {
    pub fn describe(self) -> String {
        match self {
            Class::Private(why) => format!("private ({why})"),
            Class::Loopback => "loopback (this machine)".into(),
            Class::LinkLocal => "link-local".into(),
            Class::Special(why) => format!("special-purpose ({why})"),
            Class::Public => "public".into(),
        }
    }

    /// Where a private endpoint (or a test listener on this machine) can be.
    pub fn is_private_path(self) -> bool {
        matches!(self, Class::Private(_) | Class::Loopback)
    }
}

/// Classifies an address by the IANA special-purpose registries (RFC 6890 and its updates).
pub fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            let s = v6.segments();
            if v6 == Ipv6Addr::LOCALHOST {
                Class::Loopback
            } else if s[0] & 0xfe00 == 0xfc00 {
                Class::Private("RFC 4193 unique local")
            } else if s[0] & 0xffc0 == 0xfe80 {
                Class::LinkLocal
            } else if v6.is_unspecified() || s[0] & 0xff00 == 0xff00 || (s[0] == 0x2001 && s[1] == 0x0db8) {
                Class::Special("unspecified, multicast or documentation")
            } else {
                Class::Public
            }
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> Class {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (10, _, _) => Class::Private("RFC 1918"),
        (172, 16..=31, _) => Class::Private("RFC 1918"),
        (192, 168, _) => Class::Private("RFC 1918"),
        (100, 64..=127, _) => Class::Private("RFC 6598 shared address space"),
        (127, _, _) => Class::Loopback,
        (169, 254, _) => Class::LinkLocal,
        (0, _, _) => Class::Special("RFC 1122 \"this network\""),
        (192, 0, 0) => Class::Special("RFC 6890 IETF protocol assignments"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Class::Special("RFC 5737 documentation"),
        (198, 18..=19, _) => Class::Special("RFC 2544 benchmarking"),
        (224..=239, _, _) => Class::Special("multicast"),
        (240..=255, _, _) => Class::Special("reserved"),
        _ => Class::Public,
    }
}

/// The outcome of the lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// HOST was an address: nothing to look up.
    Literal(IpAddr),
    Addresses(Vec<IpAddr>),
    /// The resolver answered that the name does not exist (or failed), with its message.
    Failed(String),
    /// Under `.invalid` (RFC 6761 section 6.4: resolvers should answer "no such name" at once).
    Invalid,
    /// No answer within the timeout.
    TimedOut,
}

impl Lookup {
    pub fn addresses(&self) -> Vec<IpAddr> {
        match self {
            Lookup::Literal(ip) => vec![*ip],
            Lookup::Addresses(v) => v.clone(),
            _ => Vec::new(),
        }
    }
}

/// Resolves `host` with the system resolver (getaddrinfo: hosts file, then DNS), in a thread so
/// that a resolver that does not answer cannot hold the command past `timeout`.
pub fn resolve(host: &str, timeout: Duration) -> Lookup {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Lookup::Literal(ip);
    }
    let lower = host.trim_end_matches('.').to_ascii_lowercase();
    if lower == "invalid" || lower.ends_with(".invalid") {
        return Lookup::Invalid;
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((name.as_str(), 0u16).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) => {
            let mut out: Vec<IpAddr> = Vec::new();
            for a in addrs {
                if !out.contains(&a.ip()) {
                    out.push(a.ip());
                }
            }
            if out.is_empty() {
                Lookup::Failed("the resolver returned no address".into())
            } else {
                Lookup::Addresses(out)
            }
        }
        Ok(Err(e)) => Lookup::Failed(e.to_string()),
        Err(_) => Lookup::TimedOut,
    }
}

/// The outcome of one TCP connection attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connect {
    Connected,
    Refused,
    TimedOut,
    Unreachable(String),
    Failed(String),
}

/// Opens (and closes) a TCP connection.
pub fn connect(addr: SocketAddr, timeout: Duration) -> Connect {
    match TcpStream::connect_timeout(&addr, timeout) {
        Ok(_) => Connect::Connected,
        Err(e) => match e.kind() {
            ErrorKind::ConnectionRefused => Connect::Refused,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Connect::TimedOut,
            ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable | ErrorKind::AddrNotAvailable => {
                Connect::Unreachable(e.to_string())
            }
            _ => Connect::Failed(e.to_string()),
        },
    }
}

/// The guide's list of causes ("Testing your configuration").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    DnsIssue,
    NotOnPrivateNetwork,
    Firewall,
}

impl Cause {
    pub fn title(self) -> &'static str {
        match self {
            Cause::DnsIssue => "DNS issue",
            Cause::NotOnPrivateNetwork => "machine not on the private network",
            Cause::Firewall => "a firewall is blocking the port",
        }
    }
}

/// The whole check: the lookup, the comparison, the connections, the verdict.
#[derive(Clone, Debug)]
pub struct Report {
    pub host: String,
    pub port: u16,
    pub expect: Option<IpAddr>,
    pub timeout: Duration,
    pub lookup: Lookup,
    /// Whether the name resolves where it should (the expected IP, or a private address).
    pub dns_ok: bool,
    pub connects: Vec<(SocketAddr, Connect)>,
    /// Causes, most likely first; empty when everything passed.
    pub causes: Vec<Cause>,
    /// What went wrong, in one sentence; `None` when everything passed.
    pub failure: Option<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// The most addresses tried: a name of an account resolves to one or two.
const MAX_CONNECTS: usize = 4;

/// Runs the check.
pub fn run(o: &Options) -> Report {
    let lookup = resolve(&o.host, o.timeout);
    let addrs = lookup.addresses();
    let dns_ok = match o.expect {
        Some(e) => addrs.contains(&e),
        None => addrs.iter().any(|a| classify(*a).is_private_path()),
    };
    // Where to connect: the expected address when it is what resolved; otherwise every address
    // the name resolved to (so the report says whether the wrong answer is reachable at all).
    let targets: Vec<IpAddr> = match o.expect {
        Some(e) if dns_ok => vec![e],
        None if dns_ok => addrs
            .iter()
            .copied()
            .filter(|a| classify(*a).is_private_path())
            .take(MAX_CONNECTS)
            .collect(),
        _ => addrs.iter().copied().take(MAX_CONNECTS).collect(),
    };
    let connects: Vec<(SocketAddr, Connect)> = targets
        .into_iter()
        .map(|ip| {
            let sa = SocketAddr::new(ip, o.port);
            (sa, connect(sa, o.timeout))
        })
        .collect();
    let mut r = Report {
        host: o.host.clone(),
        port: o.port,
        expect: o.expect,
        timeout: o.timeout,
        lookup,
        dns_ok,
        connects,
        causes: Vec::new(),
        failure: None,
    };
    diagnose(&mut r);
    r
}

/// Fills in the verdict and the likely causes.
pub fn diagnose(r: &mut Report) {
    let addrs = r.lookup.addresses();
    if addrs.is_empty() {
        r.failure = Some(format!("{} does not resolve", r.host));
        r.causes = vec![Cause::DnsIssue];
        return;
    }
    let good = |ip: IpAddr| match r.expect {
        Some(e) => ip == e,
        None => classify(ip).is_private_path(),
    };
    let connected = r
        .connects
        .iter()
        .any(|(sa, c)| *c == Connect::Connected && good(sa.ip()));
    if !r.dns_ok {
        r.failure = Some(match r.expect {
            Some(e) => format!(
                "{} resolves to {}, not to the private endpoint's {e}",
                r.host,
                join(&addrs)
            ),
            None => format!("{} resolves only to non-private addresses ({})", r.host, join(&addrs)),
        });
        r.causes = vec![Cause::DnsIssue];
        // Public answers also mean this machine does not use the VNet's DNS: it is probably
        // outside the private network (no VPN, no peering) altogether.
        if addrs.iter().all(|a| classify(*a) == Class::Public) {
            r.causes.push(Cause::NotOnPrivateNetwork);
        }
        return;
    }
    if connected {
        return;
    }
    let timed_out = r
        .connects
        .iter()
        .any(|(_, c)| matches!(c, Connect::TimedOut | Connect::Unreachable(_)));
    r.failure = Some(if matches!(r.lookup, Lookup::Literal(_)) {
        format!("no TCP connection to {} port {} succeeded", r.host, r.port)
    } else {
        format!(
            "{} resolves correctly, but no TCP connection to port {} succeeded",
            r.host, r.port
        )
    });
    r.causes = if timed_out {
        // No answer at all: either there is no route to the VNet, or something drops the packets.
        vec![Cause::NotOnPrivateNetwork, Cause::Firewall]
    } else {
        // Refused: something answered and said no.
        vec![Cause::Firewall]
    };
}

fn join(addrs: &[IpAddr]) -> String {
    addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// What to check for a cause, in the guide's words and with the tool's own commands.
fn advice(c: Cause, r: &Report) -> Vec<String> {
    let addrs = r.lookup.addresses();
    match c {
        Cause::DnsIssue if !addrs.is_empty() && addrs.iter().all(|a| classify(*a).is_private_path()) => vec![
            "The name resolves to a private (or loopback) address, but not to the endpoint's: the zone's A record may be stale \
             (a recreated endpoint), or another zone or a hosts-file line answers first."
                .into(),
            "Compare with `aoai-vnet hosts` and the A record in the private DNS zone.".into(),
        ],
        Cause::DnsIssue => vec![
            "The name must resolve to the private endpoint's IP from this machine.".into(),
            "In a VNet: the private DNS zone (privatelink.openai.azure.com, or your cloud's) must be linked to \
             this machine's VNet, and the endpoint's zone group must hold its A record."
                .into(),
            "On a VPN or on premises: use a DNS server that forwards to the DNS Private Resolver's inbound \
             endpoint, or add the hosts-file lines that `aoai-vnet hosts` prints."
                .into(),
            "Custom DNS servers on the VNet must forward to Azure DNS (168.63.129.16).".into(),
        ],
        Cause::NotOnPrivateNetwork => vec![
            "This command succeeds only from a machine on the same private network as the account: a VM in the \
             VNet or a peered VNet (the jump box through Bastion), or a machine connected to the VPN gateway."
                .into(),
            "Check that the VPN client is connected, or run this from the jump box.".into(),
        ],
        Cause::Firewall => {
            let mut v = vec![format!(
                "A firewall between this machine and the endpoint (a local or corporate firewall, a proxy, or an \
                 NSG rule on the endpoint's subnet) may be blocking TCP port {}; make sure it is allowed.",
                r.port
            )];
            if r.connects.iter().any(|(_, c)| *c == Connect::Refused) {
                v.push(format!(
                    "\"Connection refused\" means something answered and said no: a firewall that rejects, or no \
                     service on port {} at that address (an Azure OpenAI private endpoint listens on 443).",
                    r.port
                ));
            }
            v
        }
    }
}

/// The report as text for a terminal.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let secs = r.timeout.as_secs_f64();
    let _ = writeln!(o, "aoai-vnet doctor: {} port {}\n", r.host, r.port);
    let _ = writeln!(o, "1. Resolve {}", r.host);
    match &r.lookup {
        Lookup::Literal(ip) => {
            let _ = writeln!(
                o,
                "   {ip}  {}; given as an address, no lookup",
                classify(*ip).describe()
            );
        }
        Lookup::Addresses(v) => {
            for ip in v {
                let _ = writeln!(o, "   {ip}  {}", classify(*ip).describe());
            }
        }
        Lookup::Failed(e) => {
            let _ = writeln!(o, "   no address: {e}");
        }
        Lookup::Invalid => {
            let _ = writeln!(o, "   no address: names under .invalid never resolve (RFC 6761)");
        }
        Lookup::TimedOut => {
            let _ = writeln!(o, "   no answer from the resolver within {secs} s");
        }
    }
    let addrs = r.lookup.addresses();
    if !addrs.is_empty() {
        match r.expect {
            Some(e) => {
                let _ = writeln!(o, "2. Compare with the expected private IP {e}");
                if r.dns_ok {
                    let _ = writeln!(o, "   ok: the name resolves to the private endpoint");
                    if addrs.len() > 1 {
                        let _ = writeln!(
                            o,
                            "   note: it also resolves to other addresses; clients may pick any of them"
                        );
                    }
                } else {
                    let _ = writeln!(o, "   FAILED: {e} is not among the addresses above");
                }
            }
            None => {
                let what = if matches!(r.lookup, Lookup::Literal(_)) {
                    "the address is private"
                } else {
                    "the name resolves to a private address"
                };
                let _ = writeln!(o, "2. Check that {what}");
                if r.dns_ok {
                    let _ = writeln!(o, "   ok (pass --expect IP to compare with the endpoint's own IP)");
                } else {
                    let _ = writeln!(o, "   FAILED: no private address among the addresses above");
                }
            }
        }
        for (sa, c) in &r.connects {
            let _ = writeln!(o, "3. Connect to {sa} (TCP, timeout {secs} s)");
            let line = match c {
                Connect::Connected => "ok: connected".to_string(),
                Connect::Refused => "FAILED: connection refused".into(),
                Connect::TimedOut => format!("FAILED: no answer within {secs} s"),
                Connect::Unreachable(e) => format!("FAILED: unreachable ({e})"),
                Connect::Failed(e) => format!("FAILED: {e}"),
            };
            let _ = writeln!(o, "   {line}");
        }
    }
    o.push('\n');
    match &r.failure {
        None => {
            let ip = r
                .connects
                .iter()
                .find(|(_, c)| *c == Connect::Connected)
                .map(|(sa, _)| sa.ip().to_string())
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "OK: {} resolves to {ip} and port {} accepts connections.",
                r.host, r.port
            );
        }
        Some(f) => {
            let _ = writeln!(o, "FAILED: {f}.");
            for (k, c) in r.causes.iter().enumerate() {
                let lead = if k == 0 { "Likely cause" } else { "Or" };
                let _ = writeln!(o, "{lead}: {}.", c.title());
                for line in advice(*c, r) {
                    let _ = writeln!(o, "  - {line}");
                }
            }
        }
    }
    o
}

/// The host name in what the user typed: `https://x.openai.azure.com/` and `[::1]` work too.
pub fn host_of(input: &str) -> &str {
    target_of(input).0
}

/// The host name and the port, if one is given, in what the user typed:
/// `https://host:18443/`, `host:18443`, `[::1]:8443`; a bare IPv6 address has no port.
pub fn target_of(input: &str) -> (&str, Option<&str>) {
    let s = input.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or(s);
    // `user@host` in a URL: the host is after the last `@`.
    let s = s.rsplit_once('@').map_or(s, |(_, h)| h);
    if let Some(inner) = s.strip_prefix('[') {
        let (host, rest) = inner.split_once(']').unwrap_or((inner, ""));
        return (host, rest.strip_prefix(':'));
    }
    match s.split_once(':') {
        Some((host, port)) if !port.contains(':') => (host, Some(port)),
        _ => (s, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn classifies_addresses() {
        assert_eq!(classify(ip("10.0.0.5")), Class::Private("RFC 1918"));
        assert_eq!(classify(ip("172.31.255.1")), Class::Private("RFC 1918"));
        assert_eq!(classify(ip("172.32.0.1")), Class::Public);
        assert_eq!(classify(ip("192.168.1.1")), Class::Private("RFC 1918"));
        assert_eq!(
            classify(ip("100.64.0.1")),
            Class::Private("RFC 6598 shared address space")
        );
        assert_eq!(classify(ip("100.128.0.1")), Class::Public);
        assert_eq!(classify(ip("127.0.0.1")), Class::Loopback);
        assert_eq!(classify(ip("169.254.1.1")), Class::LinkLocal);
        assert_eq!(classify(ip("20.42.1.1")), Class::Public);
        assert!(matches!(classify(ip("203.0.113.9")), Class::Special(_)));
        assert_eq!(classify(ip("::1")), Class::Loopback);
        assert_eq!(classify(ip("fd00::1")), Class::Private("RFC 4193 unique local"));
        assert_eq!(classify(ip("fe80::1")), Class::LinkLocal);
        assert_eq!(classify(ip("2603:1030::1")), Class::Public);
        assert_eq!(classify(ip("::ffff:10.1.2.3")), Class::Private("RFC 1918"));
    }

    #[test]
    fn host_of_strips_urls() {
        assert_eq!(host_of("https://x.openai.azure.com/"), "x.openai.azure.com");
        assert_eq!(host_of("x.openai.azure.com"), "x.openai.azure.com");
        assert_eq!(host_of("http://x.openai.azure.com/openai?x=1"), "x.openai.azure.com");
        assert_eq!(host_of("[::1]"), "::1");
        assert_eq!(target_of("https://host:18443/"), ("host", Some("18443")));
        assert_eq!(target_of("host:443"), ("host", Some("443")));
        assert_eq!(target_of("[::1]:8443"), ("::1", Some("8443")));
        assert_eq!(target_of("::1"), ("::1", None));
        assert_eq!(target_of("https://x.openai.azure.com"), ("x.openai.azure.com", None));
    }

    #[test]
    fn invalid_names_never_reach_the_resolver() {
        assert_eq!(resolve("nothing.invalid", Duration::from_secs(1)), Lookup::Invalid);
        assert_eq!(resolve("NOTHING.INVALID.", Duration::from_secs(1)), Lookup::Invalid);
        assert_eq!(
            resolve("10.0.0.5", Duration::from_secs(1)),
            Lookup::Literal(ip("10.0.0.5"))
        );
    }

    fn report(lookup: Lookup, expect: Option<&str>, connects: Vec<Connect>) -> Report {
        let addrs = lookup.addresses();
        let expect = expect.map(ip);
        let dns_ok = match expect {
            Some(e) => addrs.contains(&e),
            None => addrs.iter().any(|a| classify(*a).is_private_path()),
        };
        let mut r = Report {
            host: "x.openai.azure.com".into(),
            port: 443,
            expect,
            timeout: Duration::from_secs(5),
            lookup,
            dns_ok,
            connects: connects
                .into_iter()
                .zip(addrs)
                .map(|(c, a)| (SocketAddr::new(a, 443), c))
                .collect(),
            causes: vec![],
            failure: None,
        };
        diagnose(&mut r);
        r
    }

    #[test]
    fn causes_follow_the_guide() {
        let r = report(
            Lookup::Addresses(vec![ip("10.0.0.5")]),
            Some("10.0.0.5"),
            vec![Connect::Connected],
        );
        assert!(r.ok());
        let r = report(Lookup::Invalid, None, vec![]);
        assert_eq!(r.causes, [Cause::DnsIssue]);
        let r = report(
            Lookup::Addresses(vec![ip("20.1.2.3")]),
            Some("10.0.0.5"),
            vec![Connect::Connected],
        );
        assert_eq!(r.causes, [Cause::DnsIssue, Cause::NotOnPrivateNetwork]);
        let r = report(
            Lookup::Addresses(vec![ip("10.0.0.9")]),
            Some("10.0.0.5"),
            vec![Connect::Refused],
        );
        assert_eq!(r.causes, [Cause::DnsIssue]);
        let r = report(
            Lookup::Addresses(vec![ip("10.0.0.5")]),
            Some("10.0.0.5"),
            vec![Connect::TimedOut],
        );
        assert_eq!(r.causes, [Cause::NotOnPrivateNetwork, Cause::Firewall]);
        let r = report(Lookup::Addresses(vec![ip("10.0.0.5")]), None, vec![Connect::Refused]);
        assert_eq!(r.causes, [Cause::Firewall]);
        let r = report(Lookup::Addresses(vec![ip("20.1.2.3")]), None, vec![Connect::Connected]);
        assert!(!r.ok());
        assert!(render(&r).contains("Likely cause: DNS issue."));
    }
}
