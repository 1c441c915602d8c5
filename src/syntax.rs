//! The syntax tree: the topology file as written, every value with its span. Decoding reports every
//! problem it finds (wrong types, unknown keys with a suggestion, missing required keys) and keeps
//! going, so one run shows them all. Meaning (CIDRs, references, defaults) is `check`'s business.

use crate::diag::{suggest, Diagnostics};
use crate::source::{Span, Spanned};
use crate::yaml::{Node, NodeKind, Scalar};

pub type Str = Spanned<String>;

/// The keys of each object of the language. `schemas/topology.schema.json` must list the same
/// (a test holds them together).
pub mod keys {
    pub const TOPOLOGY: &[&str] = &[
        "name",
        "location",
        "cloud",
        "tags",
        "vnets",
        "openai",
        "nsgs",
        "bastion",
        "jumpbox",
        "vpn_gateway",
        "dns_resolver",
        "resource_group",
        "diagnostics",
        "locks",
    ];
    pub const VNET: &[&str] = &[
        "name",
        "location",
        "address_space",
        "subnets",
        "dns_servers",
        "peer",
        "resource_group",
        "subscription",
        "egress",
        "existing",
    ];
    pub const SUBNET: &[&str] = &["prefix", "nsg", "service_endpoints", "private_ip_policies", "egress"];
    /// The object form of `egress` (the other forms are the words `none` and `nat`).
    pub const EGRESS: &[&str] = &["next_hop"];
    pub const PEER: &[&str] = &["vnet", "allow_forwarded_traffic", "use_remote_gateways", "remote_side"];
    pub const OPENAI: &[&str] = &[
        "name",
        "location",
        "kind",
        "sku",
        "custom_subdomain",
        "public_network_access",
        "allowed_ips",
        "trusted_services",
        "disable_local_auth",
        "identity",
        "deployments",
        "private_endpoint",
        "private_endpoints",
        "dns",
        "resource_group",
        "role_assignments",
    ];
    pub const ROLE_ASSIGNMENT: &[&str] = &["principal_id", "principal_type", "role"];
    pub const MODEL_DEPLOYMENT: &[&str] = &["model", "version", "format", "sku", "capacity"];
    pub const PRIVATE_ENDPOINT: &[&str] = &["vnet", "subnet", "name", "private_ip"];
    /// An entry of `private_endpoints`: an endpoint with the VNets its DNS island links.
    pub const ENDPOINT_ENTRY: &[&str] = &["vnet", "subnet", "name", "private_ip", "link_vnets"];
    pub const DNS: &[&str] = &["mode", "zone_ids", "link_vnets"];
    pub const NSG_RULE: &[&str] = &[
        "name",
        "priority",
        "direction",
        "access",
        "protocol",
        "source",
        "destination",
        "ports",
    ];
    pub const BASTION: &[&str] = &["vnet", "sku", "name", "scale_units", "tunneling"];
    pub const JUMPBOX: &[&str] = &[
        "vnet",
        "subnet",
        "name",
        "size",
        "image",
        "admin_username",
        "ssh_public_key",
        "encryption_at_host",
        "openai_role",
        "entra_login",
        "login",
    ];
    pub const LOGIN: &[&str] = &["principal_id", "principal_type", "admin"];
    pub const VPN_GATEWAY: &[&str] = &["vnet", "sku", "name", "client_address_pool", "tenant_id", "audience"];
    pub const DNS_RESOLVER: &[&str] = &["vnet", "name", "inbound_ip"];
    pub const DIAGNOSTICS: &[&str] = &["workspace", "retention_days"];
}

#[derive(Debug, Default)]
pub struct Topology {
    pub span: Span,
    pub name: Option<Str>,
    pub location: Option<Str>,
    pub cloud: Option<Str>,
    pub tags: Vec<(Str, Str)>,
    /// The `vnets` key's span (for "at least one VNet").
    pub vnets_span: Option<Span>,
    pub vnets: Vec<(Str, Vnet)>,
    pub openai: Option<OpenAi>,
    pub nsgs: Vec<(Str, Vec<NsgRule>)>,
    pub bastion: Option<Bastion>,
    pub jumpbox: Option<Jumpbox>,
    pub vpn_gateway: Option<VpnGateway>,
    pub dns_resolver: Option<DnsResolver>,
    pub resource_group: Option<Str>,
    pub diagnostics: Option<LogSettings>,
    pub locks: Option<Spanned<bool>>,
}

/// `diagnostics`: where logs and metrics go (TOPOLOGY.md "Governance").
#[derive(Debug, Default)]
pub struct LogSettings {
    pub span: Span,
    /// `new` or the resource ID of an existing Log Analytics workspace.
    pub workspace: Option<Str>,
    pub retention_days: Option<Spanned<u64>>,
}

#[derive(Debug, Default)]
pub struct Vnet {
    pub name: Option<Str>,
    pub location: Option<Str>,
    pub address_space: Vec<Str>,
    /// `None` when the file declares no `subnets` (the default `{ default: /24 }` applies).
    pub subnets: Option<Vec<(Str, Subnet)>>,
    pub dns_servers: Option<Vec<Str>>,
    pub peer: Vec<Peer>,
    pub resource_group: Option<Str>,
    pub subscription: Option<Str>,
    pub egress: Option<Egress>,
    /// `existing: true`: the VNet is there already (a platform team's hub).
    pub existing: Option<Spanned<bool>>,
}

/// `egress` as written: a word (`none`, `nat`) or `{ next_hop: IP }`.
#[derive(Debug)]
pub enum Egress {
    Word(Str),
    NextHop { span: Span, ip: Str },
}

impl Egress {
    pub fn span(&self) -> Span {
        match self {
            Egress::Word(w) => w.span,
            Egress::NextHop { span, .. } => *span,
        }
    }
}

#[derive(Debug, Default)]
pub struct Subnet {
    /// A CIDR (`10.0.0.0/24`) or a size (`/27`); `None` only when the object form left it out.
    pub prefix: Option<Str>,
    pub nsg: Option<Str>,
    pub service_endpoints: Vec<Str>,
    pub private_ip_policies: Option<Str>,
    pub egress: Option<Egress>,
}

#[derive(Debug)]
pub struct Peer {
    pub vnet: Str,
    pub allow_forwarded_traffic: Option<Spanned<bool>>,
    pub use_remote_gateways: Option<Spanned<bool>>,
    /// `include`: the side on an existing VNet is deployed here too, not left to its owners.
    pub remote_side: Option<Str>,
}

#[derive(Debug, Default)]
pub struct OpenAi {
    pub span: Span,
    pub name: Option<Str>,
    pub location: Option<Str>,
    pub kind: Option<Str>,
    pub sku: Option<Str>,
    pub custom_subdomain: Option<Str>,
    pub public_network_access: Option<Str>,
    pub allowed_ips: Option<Spanned<Vec<Str>>>,
    pub trusted_services: Option<Spanned<bool>>,
    pub disable_local_auth: Option<Spanned<bool>>,
    pub identity: Option<Str>,
    pub deployments: Vec<(Str, ModelDeployment)>,
    pub private_endpoint: Option<PrivateEndpoint>,
    /// `private_endpoints`, with the span of the list.
    pub private_endpoints: Option<Spanned<Vec<PrivateEndpoint>>>,
    pub dns: Option<Dns>,
    pub resource_group: Option<Str>,
    pub role_assignments: Vec<RoleAssignment>,
}

/// An entry of `openai.role_assignments`.
#[derive(Debug, Default)]
pub struct RoleAssignment {
    pub span: Span,
    pub principal_id: Option<Str>,
    pub principal_type: Option<Str>,
    pub role: Option<Str>,
}

#[derive(Debug, Default)]
pub struct ModelDeployment {
    pub model: Option<Str>,
    pub version: Option<Str>,
    pub format: Option<Str>,
    pub sku: Option<Str>,
    pub capacity: Option<Spanned<u64>>,
}

#[derive(Debug, Default)]
pub struct PrivateEndpoint {
    pub span: Span,
    pub vnet: Option<Str>,
    pub subnet: Option<Str>,
    pub name: Option<Str>,
    pub private_ip: Option<Str>,
    /// Only in `private_endpoints` entries.
    pub link_vnets: Option<Vec<Str>>,
}

#[derive(Debug, Default)]
pub struct Dns {
    pub span: Span,
    pub mode: Option<Str>,
    pub zone_ids: Option<Spanned<Vec<Str>>>,
    pub link_vnets: Option<Vec<Str>>,
}

#[derive(Debug, Default)]
pub struct NsgRule {
    pub span: Span,
    pub name: Option<Str>,
    pub priority: Option<Spanned<u64>>,
    pub direction: Option<Str>,
    pub access: Option<Str>,
    pub protocol: Option<Str>,
    pub source: Option<Str>,
    pub destination: Option<Str>,
    /// Numbers are kept as text (`443`); ranges and `*` as written.
    pub ports: Vec<Str>,
}

#[derive(Debug, Default)]
pub struct Bastion {
    pub span: Span,
    pub vnet: Option<Str>,
    pub sku: Option<Str>,
    pub name: Option<Str>,
    pub scale_units: Option<Spanned<u64>>,
    pub tunneling: Option<Spanned<bool>>,
}

#[derive(Debug, Default)]
pub struct Jumpbox {
    pub span: Span,
    pub vnet: Option<Str>,
    pub subnet: Option<Str>,
    pub name: Option<Str>,
    pub size: Option<Str>,
    pub image: Option<Str>,
    pub admin_username: Option<Str>,
    pub ssh_public_key: Option<Str>,
    pub encryption_at_host: Option<Spanned<bool>>,
    pub openai_role: Option<Str>,
    pub entra_login: Option<Spanned<bool>>,
    pub login: Vec<Login>,
}

/// An entry of `jumpbox.login`.
#[derive(Debug, Default)]
pub struct Login {
    pub span: Span,
    pub principal_id: Option<Str>,
    pub principal_type: Option<Str>,
    pub admin: Option<Spanned<bool>>,
}

#[derive(Debug, Default)]
pub struct VpnGateway {
    pub span: Span,
    pub vnet: Option<Str>,
    pub sku: Option<Str>,
    pub name: Option<Str>,
    pub client_address_pool: Vec<Str>,
    pub tenant_id: Option<Str>,
    pub audience: Option<Str>,
}

#[derive(Debug, Default)]
pub struct DnsResolver {
    pub span: Span,
    pub vnet: Option<Str>,
    pub name: Option<Str>,
    pub inbound_ip: Option<Str>,
}

/// Decodes a YAML tree into a topology, reporting every problem into `diags`.
pub fn decode(root: &Node, diags: &mut Diagnostics) -> Topology {
    let mut r = Reader { diags };
    r.topology(root)
}

struct Reader<'d> {
    diags: &'d mut Diagnostics,
}

/// A mapping's entries, after unknown keys were reported.
struct Fields<'n> {
    /// Where a missing key is reported: the key that names this object, or the object itself.
    at: Span,
    entries: Vec<(&'n Node, &'n Node)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.scalar_text() == Some(key))
            .map(|(_, v)| *v)
    }
}

impl Reader<'_> {
    fn wrong_type(&mut self, node: &Node, expected: &str) {
        self.diags.error(
            "E0004",
            node.span,
            format!("expected {expected}, found {}", node.describe()),
        );
    }

    /// A mapping whose keys must be among `allowed`; `what` names it in messages.
    fn fields<'n>(&mut self, node: &'n Node, at: Span, what: &str, allowed: &[&str]) -> Option<Fields<'n>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, &format!("a mapping for {what}"));
            return None;
        };
        let mut kept = Vec::new();
        for (k, v) in entries {
            let key = k.scalar_text().unwrap_or_default();
            if allowed.contains(&key) {
                kept.push((k, v));
            } else {
                let d = self
                    .diags
                    .error("E0005", k.span, format!("unknown key `{key}` in {what}"));
                match suggest(key, allowed.iter().copied()) {
                    Some(s) => d.set_help(format!("did you mean `{s}`?")),
                    None => d.set_help(format!("expected one of: {}", allowed.join(", "))),
                }
            }
        }
        Some(Fields { at, entries: kept })
    }

    fn require<'n>(&mut self, f: &Fields<'n>, key: &str, what: &str) -> Option<&'n Node> {
        let v = f.get(key);
        if v.is_none() {
            self.diags.error("E0006", f.at, format!("{what} needs `{key}`"));
        }
        v
    }

    /// Any non-null scalar, as text (`10` and `true` too, where a string is expected).
    fn string(&mut self, node: &Node) -> Option<Str> {
        match &node.kind {
            NodeKind::Scalar(Scalar::Plain(s) | Scalar::Quoted(s)) if !node.is_null() => {
                Some(Spanned::new(s.clone(), node.span))
            }
            _ => {
                self.wrong_type(node, "a string");
                None
            }
        }
    }

    fn opt_string(&mut self, f: &Fields, key: &str) -> Option<Str> {
        f.get(key).and_then(|n| self.string(n))
    }

    fn opt_bool(&mut self, f: &Fields, key: &str) -> Option<Spanned<bool>> {
        let node = f.get(key)?;
        match &node.kind {
            NodeKind::Scalar(Scalar::Plain(s)) if matches!(s.as_str(), "true" | "True" | "TRUE") => {
                Some(Spanned::new(true, node.span))
            }
            NodeKind::Scalar(Scalar::Plain(s)) if matches!(s.as_str(), "false" | "False" | "FALSE") => {
                Some(Spanned::new(false, node.span))
            }
            _ => {
                self.wrong_type(node, "`true` or `false`");
                None
            }
        }
    }

    fn opt_uint(&mut self, f: &Fields, key: &str) -> Option<Spanned<u64>> {
        let node = f.get(key)?;
        match &node.kind {
            NodeKind::Scalar(Scalar::Plain(s)) if s.parse::<u64>().is_ok() => {
                Some(Spanned::new(s.parse().expect("checked"), node.span))
            }
            _ => {
                self.wrong_type(node, "a whole number");
                None
            }
        }
    }

    /// A string or a list of strings.
    fn strings(&mut self, node: &Node) -> Vec<Str> {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|n| self.string(n)).collect(),
            _ => self.string(node).into_iter().collect(),
        }
    }

    fn opt_strings(&mut self, f: &Fields, key: &str) -> Option<Spanned<Vec<Str>>> {
        f.get(key).map(|n| Spanned::new(self.strings(n), n.span))
    }

    /// An ordered map of name to value, each value decoded by `item`.
    fn named<'n, T>(
        &mut self,
        node: &'n Node,
        what: &str,
        mut item: impl FnMut(&mut Self, &Str, &'n Node) -> Option<T>,
    ) -> Vec<(Str, T)> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, &format!("a mapping for {what}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = Spanned::new(k.scalar_text().unwrap_or_default().to_string(), k.span);
            if let Some(t) = item(self, &key, v) {
                out.push((key, t));
            }
        }
        out
    }

    fn topology(&mut self, root: &Node) -> Topology {
        let mut t = Topology {
            span: root.span,
            ..Topology::default()
        };
        let start = Span::new(root.span.start, root.span.start);
        let Some(f) = self.fields(root, start, "the topology", keys::TOPOLOGY) else {
            return t;
        };
        t.name = self.require(&f, "name", "the topology").and_then(|n| self.string(n));
        t.location = self
            .require(&f, "location", "the topology")
            .and_then(|n| self.string(n));
        t.cloud = self.opt_string(&f, "cloud");
        if let Some(n) = f.get("tags") {
            t.tags = self.named(n, "tags", |r, _, v| r.string(v));
        }
        if let Some(n) = self.require(&f, "vnets", "the topology") {
            t.vnets_span = Some(n.span);
            t.vnets = self.named(n, "vnets", |r, key, v| Some(r.vnet(key, v)));
        }
        t.openai = self.require(&f, "openai", "the topology").map(|n| self.openai(n));
        if let Some(n) = f.get("nsgs") {
            t.nsgs = self.named(n, "nsgs", |r, _, v| Some(r.nsg_rules(v)));
        }
        t.bastion = f.get("bastion").map(|n| self.bastion(n));
        t.jumpbox = f.get("jumpbox").map(|n| self.jumpbox(n));
        t.vpn_gateway = f.get("vpn_gateway").map(|n| self.vpn_gateway(n));
        t.dns_resolver = f.get("dns_resolver").map(|n| self.dns_resolver(n));
        t.resource_group = self.opt_string(&f, "resource_group");
        t.diagnostics = f.get("diagnostics").map(|n| self.diagnostics(n));
        t.locks = self.opt_bool(&f, "locks");
        t
    }

    fn diagnostics(&mut self, node: &Node) -> LogSettings {
        let mut d = LogSettings {
            span: node.span,
            ..LogSettings::default()
        };
        if let Some(f) = self.fields(node, node.span, "diagnostics", keys::DIAGNOSTICS) {
            d.workspace = self.opt_string(&f, "workspace");
            d.retention_days = self.opt_uint(&f, "retention_days");
        }
        d
    }

    fn vnet(&mut self, key: &Str, node: &Node) -> Vnet {
        let mut v = Vnet::default();
        let what = format!("VNet `{}`", key.value);
        let Some(f) = self.fields(node, key.span, &what, keys::VNET) else {
            return v;
        };
        v.name = self.opt_string(&f, "name");
        v.location = self.opt_string(&f, "location");
        if let Some(n) = self.require(&f, "address_space", &what) {
            v.address_space = self.strings(n);
        }
        if let Some(n) = f.get("subnets") {
            v.subnets = Some(self.named(n, "subnets", |r, key, v| Some(r.subnet(key, v))));
        }
        v.dns_servers = self.opt_strings(&f, "dns_servers").map(|s| s.value);
        if let Some(n) = f.get("peer") {
            let items: Vec<&Node> = match &n.kind {
                NodeKind::Seq(items) => items.iter().collect(),
                _ => vec![n],
            };
            for item in items {
                if let Some(p) = self.peer(item) {
                    v.peer.push(p);
                }
            }
        }
        v.resource_group = self.opt_string(&f, "resource_group");
        v.subscription = self.opt_string(&f, "subscription");
        v.egress = f.get("egress").and_then(|n| self.egress(n));
        v.existing = self.opt_bool(&f, "existing");
        v
    }

    /// `none`, `nat`, or `{ next_hop: IP }`; which words are valid is `check`'s business.
    fn egress(&mut self, node: &Node) -> Option<Egress> {
        if let NodeKind::Scalar(_) = node.kind {
            return self.string(node).map(Egress::Word);
        }
        let f = self.fields(node, node.span, "egress", keys::EGRESS)?;
        let ip = self.require(&f, "next_hop", "egress").and_then(|n| self.string(n))?;
        Some(Egress::NextHop { span: node.span, ip })
    }

    /// A list of objects, each decoded by `item`.
    fn list<'n, T>(
        &mut self,
        node: &'n Node,
        what: &str,
        mut item: impl FnMut(&mut Self, &'n Node) -> Option<T>,
    ) -> Vec<T> {
        let NodeKind::Seq(items) = &node.kind else {
            self.wrong_type(node, &format!("a list for {what}"));
            return Vec::new();
        };
        items.iter().filter_map(|n| item(self, n)).collect()
    }

    fn role_assignment(&mut self, node: &Node) -> Option<RoleAssignment> {
        let what = "a role assignment";
        let f = self.fields(node, node.span, what, keys::ROLE_ASSIGNMENT)?;
        Some(RoleAssignment {
            span: node.span,
            principal_id: self.require(&f, "principal_id", what).and_then(|n| self.string(n)),
            principal_type: self.require(&f, "principal_type", what).and_then(|n| self.string(n)),
            role: self.opt_string(&f, "role"),
        })
    }

    fn login(&mut self, node: &Node) -> Option<Login> {
        let what = "a `login` entry";
        let f = self.fields(node, node.span, what, keys::LOGIN)?;
        Some(Login {
            span: node.span,
            principal_id: self.require(&f, "principal_id", what).and_then(|n| self.string(n)),
            principal_type: self.require(&f, "principal_type", what).and_then(|n| self.string(n)),
            admin: self.opt_bool(&f, "admin"),
        })
    }

    fn subnet(&mut self, key: &Str, node: &Node) -> Subnet {
        if let NodeKind::Scalar(_) = node.kind {
            return Subnet {
                prefix: self.string(node),
                ..Subnet::default()
            };
        }
        let mut s = Subnet::default();
        let what = format!("subnet `{}`", key.value);
        let Some(f) = self.fields(node, key.span, &what, keys::SUBNET) else {
            return s;
        };
        s.prefix = self.require(&f, "prefix", &what).and_then(|n| self.string(n));
        s.nsg = self.opt_string(&f, "nsg");
        s.service_endpoints = self
            .opt_strings(&f, "service_endpoints")
            .map(|s| s.value)
            .unwrap_or_default();
        s.private_ip_policies = self.opt_string(&f, "private_ip_policies");
        s.egress = f.get("egress").and_then(|n| self.egress(n));
        s
    }

    fn peer(&mut self, node: &Node) -> Option<Peer> {
        if let NodeKind::Scalar(_) = node.kind {
            return self.string(node).map(|vnet| Peer {
                vnet,
                allow_forwarded_traffic: None,
                use_remote_gateways: None,
                remote_side: None,
            });
        }
        let f = self.fields(node, node.span, "a peering", keys::PEER)?;
        let vnet = self.require(&f, "vnet", "a peering").and_then(|n| self.string(n))?;
        Some(Peer {
            vnet,
            allow_forwarded_traffic: self.opt_bool(&f, "allow_forwarded_traffic"),
            use_remote_gateways: self.opt_bool(&f, "use_remote_gateways"),
            remote_side: self.opt_string(&f, "remote_side"),
        })
    }

    fn openai(&mut self, node: &Node) -> OpenAi {
        let mut o = OpenAi {
            span: node.span,
            ..OpenAi::default()
        };
        let Some(f) = self.fields(node, node.span, "openai", keys::OPENAI) else {
            return o;
        };
        o.name = self.opt_string(&f, "name");
        o.location = self.opt_string(&f, "location");
        o.kind = self.opt_string(&f, "kind");
        o.sku = self.opt_string(&f, "sku");
        o.custom_subdomain = self.opt_string(&f, "custom_subdomain");
        o.public_network_access = self.opt_string(&f, "public_network_access");
        o.allowed_ips = self.opt_strings(&f, "allowed_ips");
        o.trusted_services = self.opt_bool(&f, "trusted_services");
        o.disable_local_auth = self.opt_bool(&f, "disable_local_auth");
        o.identity = self.opt_string(&f, "identity");
        if let Some(n) = f.get("deployments") {
            if !n.is_null() {
                o.deployments = self.named(n, "deployments", |r, key, v| Some(r.model_deployment(key, v)));
            }
        }
        if let Some(n) = f.get("private_endpoint") {
            o.private_endpoint = Some(self.private_endpoint(n, "private_endpoint", keys::PRIVATE_ENDPOINT));
        }
        if let Some(n) = f.get("private_endpoints") {
            o.private_endpoints = Some(match &n.kind {
                NodeKind::Seq(items) => Spanned::new(
                    items
                        .iter()
                        .map(|i| self.private_endpoint(i, "an entry of private_endpoints", keys::ENDPOINT_ENTRY))
                        .collect(),
                    n.span,
                ),
                _ => {
                    self.wrong_type(n, "a list of endpoints");
                    Spanned::new(Vec::new(), n.span)
                }
            });
        }
        if let Some(n) = f.get("dns") {
            o.dns = Some(self.dns(n));
        }
        o.resource_group = self.opt_string(&f, "resource_group");
        if let Some(n) = f.get("role_assignments") {
            o.role_assignments = self.list(n, "role_assignments", Self::role_assignment);
        }
        o
    }

    fn model_deployment(&mut self, key: &Str, node: &Node) -> ModelDeployment {
        let mut d = ModelDeployment::default();
        let what = format!("deployment `{}`", key.value);
        let Some(f) = self.fields(node, key.span, &what, keys::MODEL_DEPLOYMENT) else {
            return d;
        };
        d.model = self.require(&f, "model", &what).and_then(|n| self.string(n));
        d.version = self.opt_string(&f, "version");
        d.format = self.opt_string(&f, "format");
        d.sku = self.opt_string(&f, "sku");
        d.capacity = self.opt_uint(&f, "capacity");
        d
    }

    fn private_endpoint(&mut self, node: &Node, what: &str, keys: &[&str]) -> PrivateEndpoint {
        let mut p = PrivateEndpoint {
            span: node.span,
            ..PrivateEndpoint::default()
        };
        let Some(f) = self.fields(node, node.span, what, keys) else {
            return p;
        };
        p.vnet = self.opt_string(&f, "vnet");
        p.subnet = self.opt_string(&f, "subnet");
        p.name = self.opt_string(&f, "name");
        p.private_ip = self.opt_string(&f, "private_ip");
        p.link_vnets = self.opt_strings(&f, "link_vnets").map(|s| s.value);
        p
    }

    fn dns(&mut self, node: &Node) -> Dns {
        let mut d = Dns {
            span: node.span,
            ..Dns::default()
        };
        let Some(f) = self.fields(node, node.span, "dns", keys::DNS) else {
            return d;
        };
        d.mode = self.opt_string(&f, "mode");
        d.zone_ids = self.opt_strings(&f, "zone_ids");
        d.link_vnets = self.opt_strings(&f, "link_vnets").map(|s| s.value);
        d
    }

    fn nsg_rules(&mut self, node: &Node) -> Vec<NsgRule> {
        let NodeKind::Seq(items) = &node.kind else {
            self.wrong_type(node, "a list of rules");
            return Vec::new();
        };
        items.iter().filter_map(|n| self.nsg_rule(n)).collect()
    }

    fn nsg_rule(&mut self, node: &Node) -> Option<NsgRule> {
        let f = self.fields(node, node.span, "an NSG rule", keys::NSG_RULE)?;
        let what = "an NSG rule";
        let mut r = NsgRule {
            span: node.span,
            ..NsgRule::default()
        };
        r.name = self.require(&f, "name", what).and_then(|n| self.string(n));
        r.priority = if self.require(&f, "priority", what).is_some() {
            self.opt_uint(&f, "priority")
        } else {
            None
        };
        r.direction = self.require(&f, "direction", what).and_then(|n| self.string(n));
        r.access = self.require(&f, "access", what).and_then(|n| self.string(n));
        r.protocol = self.opt_string(&f, "protocol");
        r.source = self.opt_string(&f, "source");
        r.destination = self.opt_string(&f, "destination");
        r.ports = self.opt_strings(&f, "ports").map(|s| s.value).unwrap_or_default();
        Some(r)
    }

    fn bastion(&mut self, node: &Node) -> Bastion {
        let mut b = Bastion {
            span: node.span,
            ..Bastion::default()
        };
        let Some(f) = self.fields(node, node.span, "bastion", keys::BASTION) else {
            return b;
        };
        b.vnet = self.opt_string(&f, "vnet");
        b.sku = self.opt_string(&f, "sku");
        b.name = self.opt_string(&f, "name");
        b.scale_units = self.opt_uint(&f, "scale_units");
        b.tunneling = self.opt_bool(&f, "tunneling");
        b
    }

    fn jumpbox(&mut self, node: &Node) -> Jumpbox {
        let mut j = Jumpbox {
            span: node.span,
            ..Jumpbox::default()
        };
        let Some(f) = self.fields(node, node.span, "jumpbox", keys::JUMPBOX) else {
            return j;
        };
        j.vnet = self.opt_string(&f, "vnet");
        j.subnet = self.opt_string(&f, "subnet");
        j.name = self.opt_string(&f, "name");
        j.size = self.opt_string(&f, "size");
        j.image = self.opt_string(&f, "image");
        j.admin_username = self.opt_string(&f, "admin_username");
        j.ssh_public_key = self.opt_string(&f, "ssh_public_key");
        j.encryption_at_host = self.opt_bool(&f, "encryption_at_host");
        j.openai_role = self.opt_string(&f, "openai_role");
        j.entra_login = self.opt_bool(&f, "entra_login");
        if let Some(n) = f.get("login") {
            j.login = self.list(n, "login", Self::login);
        }
        j
    }

    fn vpn_gateway(&mut self, node: &Node) -> VpnGateway {
        let mut g = VpnGateway {
            span: node.span,
            ..VpnGateway::default()
        };
        let Some(f) = self.fields(node, node.span, "vpn_gateway", keys::VPN_GATEWAY) else {
            return g;
        };
        g.vnet = self.opt_string(&f, "vnet");
        g.sku = self.opt_string(&f, "sku");
        g.name = self.opt_string(&f, "name");
        g.client_address_pool = self
            .opt_strings(&f, "client_address_pool")
            .map(|s| s.value)
            .unwrap_or_default();
        g.tenant_id = self.opt_string(&f, "tenant_id");
        g.audience = self.opt_string(&f, "audience");
        g
    }

    fn dns_resolver(&mut self, node: &Node) -> DnsResolver {
        let mut d = DnsResolver {
            span: node.span,
            ..DnsResolver::default()
        };
        let Some(f) = self.fields(node, node.span, "dns_resolver", keys::DNS_RESOLVER) else {
            return d;
        };
        d.vnet = self.opt_string(&f, "vnet");
        d.name = self.opt_string(&f, "name");
        d.inbound_ip = self.opt_string(&f, "inbound_ip");
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn decode_str(text: &str) -> (Topology, Vec<(&'static str, String)>) {
        let mut diags = Diagnostics::default();
        let t = decode(&yaml::parse(text).unwrap(), &mut diags);
        (t, diags.items.into_iter().map(|d| (d.code, d.message)).collect())
    }

    #[test]
    fn decodes_every_shape_of_subnet_and_peer() {
        let (t, d) = decode_str(
            "name: x\nlocation: eastus\nvnets:\n  hub:\n    address_space: [10.0.0.0/16]\n    subnets:\n      a: /27\n      b: { prefix: 10.0.1.0/24, nsg: none, service_endpoints: Microsoft.Storage }\n    peer: [spoke, { vnet: other, use_remote_gateways: false }]\nopenai: {}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let hub = &t.vnets[0].1;
        let subnets = hub.subnets.as_ref().unwrap();
        assert_eq!(subnets[0].1.prefix.as_ref().unwrap().value, "/27");
        assert_eq!(subnets[1].1.service_endpoints[0].value, "Microsoft.Storage");
        assert_eq!(hub.peer.len(), 2);
        assert!(!hub.peer[1].use_remote_gateways.as_ref().unwrap().value);
    }

    #[test]
    fn reports_every_unknown_key_and_missing_key() {
        let (_, d) = decode_str("name: x\nvnets:\n  hub: { adress_space: 10.0.0.0/16 }\nopenai: { knd: OpenAI }\n");
        let codes: Vec<_> = d.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, ["E0006", "E0005", "E0006", "E0005"], "{d:?}");
    }

    #[test]
    fn wrong_types_are_reported() {
        let (_, d) = decode_str("name: [x]\nlocation: eastus\nvnets: {}\nopenai: { trusted_services: yes }\n");
        assert_eq!(d.iter().filter(|(c, _)| *c == "E0004").count(), 2, "{d:?}");
    }
}
