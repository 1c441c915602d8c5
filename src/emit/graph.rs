//! The network diagram: VNets with their subnets, the peerings, the private endpoint and the
//! account, the DNS zones, Bastion, the jump box, the VPN gateway and the resolver, and what
//! reaches them from outside. Built once from the model as a small graph (`Graph`), then printed
//! as Mermaid (for GitHub, inside `plan`) or Graphviz DOT.
//!
//! Node IDs are derived from positions in the model (`vnet1_sub0`), never from user text, so any
//! name is safe; labels are escaped for each format. Same model, same bytes.

use crate::azure::images::Os;
use crate::model::{Dns, Model, SubnetRole};
use std::fmt::Write;

/// What a diagram is made of: items (nodes and nested groups) and edges between their IDs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    pub items: Vec<Item>,
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Node(Node),
    Group(Group),
}

/// A box that holds other items: a VNet, or a subnet that holds resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    /// Lines of the title.
    pub label: Vec<String>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    /// Lines of the label.
    pub label: Vec<String>,
    pub shape: Shape,
    /// Reachable from the internet (drawn in red).
    pub public: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A subnet or a VM.
    Box,
    /// An Azure service (the account, Bastion, the gateway, the resolver).
    Rounded,
    /// The private endpoint.
    Hexagon,
    /// A DNS zone.
    Cylinder,
    /// Outside the deployment: the internet, VPN clients, allowed public ranges.
    Circle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Solid,
    Dashed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: Option<String>,
    pub line: Line,
    /// Arrows at both ends (a peering).
    pub both: bool,
}

impl Graph {
    /// How many edges the diagram has (Mermaid refuses diagrams above a limit).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    fn edge(&mut self, from: &str, to: &str, label: Option<String>, line: Line, both: bool) {
        self.edges.push(Edge {
            from: from.into(),
            to: to.into(),
            label,
            line,
            both,
        });
    }
}

fn node(id: impl Into<String>, label: Vec<String>, shape: Shape) -> Node {
    Node {
        id: id.into(),
        label,
        shape,
        public: false,
    }
}

/// The diagram of a checked model.
pub fn build(m: &Model) -> Graph {
    let mut g = Graph::default();
    let a = &m.openai;
    // One endpoint is `pe`; several are `pe0`, `pe1`... (IDs from positions, never from user text).
    let pe_id = |n: usize| {
        if a.endpoints_listed {
            format!("pe{n}")
        } else {
            "pe".to_string()
        }
    };

    // What each subnet holds, as nodes: (vnet, subnet name) -> nodes.
    let mut held: Vec<(usize, String, Node)> = Vec::new();
    for (n, e) in a.endpoints.iter().enumerate() {
        let mut pe_label = vec!["Private endpoint".to_string(), e.name.clone()];
        pe_label.push(match e.private_ip {
            Some(ip) => ip.to_string(),
            None => "IP assigned at deployment".into(),
        });
        held.push((e.vnet, e.subnet.clone(), node(pe_id(n), pe_label, Shape::Hexagon)));
    }
    let mut bastion_in_subnet = None;
    if let Some(b) = &m.bastion {
        let mut n = node(
            "bastion",
            vec!["Azure Bastion".into(), b.name.clone(), format!("{} SKU", b.sku)],
            Shape::Rounded,
        );
        n.public = b.public_ip.is_some();
        if let Some(s) = m.vnets[b.vnet].subnets.iter().find(|s| s.role == SubnetRole::Bastion) {
            held.push((b.vnet, s.name.clone(), n));
            bastion_in_subnet = Some(b.vnet);
        } else {
            // The Developer SKU attaches to the VNet itself, not to a subnet.
            held.push((b.vnet, String::new(), n));
        }
    }
    if let Some(j) = &m.jumpbox {
        let os = match j.image.os {
            Os::Linux => "Linux",
            Os::Windows => "Windows",
        };
        held.push((
            j.vnet,
            j.subnet.clone(),
            node(
                "jumpbox",
                vec![
                    "Jump box".into(),
                    j.name.clone(),
                    format!("{os}, {}, no public IP", j.size),
                ],
                Shape::Box,
            ),
        ));
    }
    if let Some(v) = &m.vpn_gateway {
        let mut n = node(
            "gateway",
            vec!["VPN gateway".into(), v.name.clone(), v.sku.clone()],
            Shape::Rounded,
        );
        n.public = true;
        let subnet = m.vnets[v.vnet]
            .subnets
            .iter()
            .find(|s| s.role == SubnetRole::Gateway)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        held.push((v.vnet, subnet, n));
    }
    if let Some(r) = &m.dns_resolver {
        held.push((
            r.vnet,
            r.subnet.clone(),
            node(
                "resolver",
                vec![
                    "DNS Private Resolver".into(),
                    r.name.clone(),
                    format!("inbound {}", r.inbound_ip),
                ],
                Shape::Rounded,
            ),
        ));
    }

    for (i, v) in m.vnets.iter().enumerate() {
        let mut items = Vec::new();
        for n in held.iter().filter(|(hv, hs, _)| *hv == i && hs.is_empty()) {
            items.push(Item::Node(n.2.clone()));
        }
        for (k, s) in v.subnets.iter().enumerate() {
            let id = format!("vnet{i}_sub{k}");
            let label = vec![s.name.clone(), s.prefix.to_string()];
            let inside: Vec<Item> = held
                .iter()
                .filter(|(hv, hs, _)| *hv == i && *hs == s.name)
                .map(|(_, _, n)| Item::Node(n.clone()))
                .collect();
            if inside.is_empty() {
                items.push(Item::Node(node(id, label, Shape::Box)));
            } else {
                items.push(Item::Group(Group {
                    id,
                    label: vec![format!("{} {}", s.name, s.prefix)],
                    items: inside,
                }));
            }
        }
        let space: Vec<String> = v.address_space.iter().map(ToString::to_string).collect();
        g.items.push(Item::Group(Group {
            id: format!("vnet{i}"),
            label: vec![format!(
                "{} ({}{}) {} {}",
                v.name,
                v.key,
                if v.existing { ", exists already" } else { "" },
                space.join(", "),
                v.location
            )],
            items,
        }));
    }

    // The account, outside every VNet.
    let mut account = node(
        "account",
        vec![
            format!("Azure OpenAI ({})", a.kind.as_str()),
            a.name.clone(),
            a.location.clone(),
        ],
        Shape::Rounded,
    );
    account.public = !a.allowed_ips.is_empty();
    g.items.push(Item::Node(account));

    // DNS zones: one set per endpoint (its island), or the shared zones owned elsewhere.
    let zone_id = |n: usize, k: usize| {
        if a.endpoints_listed {
            format!("zone{n}x{k}")
        } else {
            format!("zone{k}")
        }
    };
    match &a.dns {
        Dns::PrivateZone { zones } => {
            for (n, e) in a.endpoints.iter().enumerate() {
                for (k, z) in zones.iter().enumerate() {
                    let mut label = vec!["Private DNS zone".to_string(), z.name.to_string()];
                    if a.endpoints_listed {
                        label.push(format!("island of {}", m.vnets[e.vnet].key));
                    }
                    g.items.push(Item::Node(node(zone_id(n, k), label, Shape::Cylinder)));
                }
            }
        }
        Dns::Existing { zone_ids } | Dns::Policy { zone_ids } => {
            let what = if matches!(a.dns, Dns::Policy { .. }) {
                "Central private DNS zone (zone group by Azure Policy)"
            } else {
                "Existing private DNS zone"
            };
            for (k, id) in zone_ids.iter().enumerate() {
                let name = id.rsplit('/').next().unwrap_or(id);
                g.items.push(Item::Node(node(
                    format!("zone{k}"),
                    vec![what.into(), name.into()],
                    Shape::Cylinder,
                )));
            }
        }
        Dns::None => {}
    }

    // Outside: the internet (to Bastion), VPN clients, allowed public ranges.
    if m.bastion.as_ref().is_some_and(|b| b.public_ip.is_some()) {
        let mut n = node("internet", vec!["Internet".into()], Shape::Circle);
        n.public = true;
        g.items.push(Item::Node(n));
    }
    if let Some(v) = &m.vpn_gateway {
        let pools: Vec<String> = v.client_address_pool.iter().map(ToString::to_string).collect();
        g.items.push(Item::Node(node(
            "vpnclients",
            vec!["VPN clients".into(), pools.join(", ")],
            Shape::Circle,
        )));
    }
    if !a.allowed_ips.is_empty() {
        let mut n = node(
            "allowedips",
            vec!["Allowed public IPs".into(), a.allowed_ips.join(", ")],
            Shape::Circle,
        );
        n.public = true;
        g.items.push(Item::Node(n));
    }

    // Edges.
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for p in &m.peerings {
        let pair = (p.from.min(p.to), p.from.max(p.to));
        if seen.contains(&pair) {
            continue;
        }
        seen.push(pair);
        let label = if p.use_remote_gateways || p.allow_gateway_transit {
            "peering, gateway transit"
        } else {
            "peering"
        };
        g.edge(
            &format!("vnet{}", pair.0),
            &format!("vnet{}", pair.1),
            Some(label.into()),
            Line::Solid,
            true,
        );
    }
    for n in 0..a.endpoints.len() {
        g.edge(&pe_id(n), "account", Some("private link".into()), Line::Solid, false);
    }
    match &a.dns {
        Dns::PrivateZone { zones } => {
            for (n, e) in a.endpoints.iter().enumerate() {
                for k in 0..zones.len() {
                    g.edge(&zone_id(n, k), &pe_id(n), Some("A record".into()), Line::Dashed, false);
                    for v in &e.link_vnets {
                        g.edge(
                            &zone_id(n, k),
                            &format!("vnet{v}"),
                            Some("link".into()),
                            Line::Dashed,
                            false,
                        );
                    }
                }
            }
        }
        Dns::Existing { zone_ids } | Dns::Policy { zone_ids } => {
            for k in 0..zone_ids.len() {
                for n in 0..a.endpoints.len() {
                    g.edge(
                        &format!("zone{k}"),
                        &pe_id(n),
                        Some("A record".into()),
                        Line::Dashed,
                        false,
                    );
                }
            }
        }
        Dns::None => {}
    }
    if let Some(b) = &m.bastion {
        if b.public_ip.is_some() {
            g.edge("internet", "bastion", Some("HTTPS 443".into()), Line::Solid, false);
        }
        if let Some(j) = &m.jumpbox {
            let port = match j.image.os {
                Os::Linux => "SSH 22",
                Os::Windows => "RDP 3389",
            };
            // Bastion reaches VMs in its own VNet, and in peered VNets unless it is the
            // Developer SKU.
            let reaches = j.vnet == b.vnet
                || (bastion_in_subnet.is_some() && m.peerings.iter().any(|p| p.from == b.vnet && p.to == j.vnet));
            if reaches {
                g.edge("bastion", "jumpbox", Some(port.into()), Line::Solid, false);
            }
        }
    }
    if m.vpn_gateway.is_some() {
        g.edge(
            "vpnclients",
            "gateway",
            Some("OpenVPN, Entra ID".into()),
            Line::Solid,
            false,
        );
        if m.dns_resolver.is_some() {
            g.edge("vpnclients", "resolver", Some("DNS".into()), Line::Dashed, false);
        }
    }
    if !a.allowed_ips.is_empty() {
        g.edge(
            "allowedips",
            "account",
            Some("public endpoint".into()),
            Line::Solid,
            false,
        );
    }
    g
}

/// Mermaid flowchart text (no surrounding code fence).
pub fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for item in &g.items {
        mermaid_item(&mut out, item, 1);
    }
    for e in &g.edges {
        let arrow = match (e.line, e.both) {
            (Line::Solid, true) => "<-->",
            (Line::Solid, false) => "-->",
            (Line::Dashed, _) => "-.->",
        };
        match &e.label {
            Some(l) => {
                let _ = writeln!(out, "    {} {arrow}|\"{}\"| {}", e.from, mermaid_text(l), e.to);
            }
            None => {
                let _ = writeln!(out, "    {} {arrow} {}", e.from, e.to);
            }
        }
    }
    let public: Vec<&str> = public_nodes(&g.items);
    if !public.is_empty() {
        out.push_str("    classDef public stroke:#d1242f,stroke-width:2px\n");
        let _ = writeln!(out, "    class {} public", public.join(","));
    }
    out
}

fn public_nodes(items: &[Item]) -> Vec<&str> {
    let mut out = Vec::new();
    for i in items {
        match i {
            Item::Node(n) if n.public => out.push(n.id.as_str()),
            Item::Node(_) => {}
            Item::Group(g) => out.extend(public_nodes(&g.items)),
        }
    }
    out
}

fn mermaid_item(out: &mut String, item: &Item, depth: usize) {
    let pad = "    ".repeat(depth);
    match item {
        Item::Node(n) => {
            let label = mermaid_label(&n.label);
            let (open, close) = match n.shape {
                Shape::Box => ("[", "]"),
                Shape::Rounded => ("(", ")"),
                Shape::Hexagon => ("{{", "}}"),
                Shape::Cylinder => ("[(", ")]"),
                Shape::Circle => ("((", "))"),
            };
            let _ = writeln!(out, "{pad}{}{open}\"{label}\"{close}", n.id);
        }
        Item::Group(gr) => {
            let _ = writeln!(out, "{pad}subgraph {}[\"{}\"]", gr.id, mermaid_label(&gr.label));
            for i in &gr.items {
                mermaid_item(out, i, depth + 1);
            }
            let _ = writeln!(out, "{pad}end");
        }
    }
}

fn mermaid_label(lines: &[String]) -> String {
    lines.iter().map(|l| mermaid_text(l)).collect::<Vec<_>>().join("<br/>")
}

/// Text inside a quoted Mermaid label: characters with a meaning become entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Graphviz DOT text (`dot -Tsvg`).
pub fn dot(g: &Graph) -> String {
    let mut out = String::from("digraph aoai_vnet {\n");
    out.push_str("    rankdir=LR;\n    compound=true;\n    fontname=\"Helvetica\";\n");
    out.push_str("    node [shape=box, fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=10];\n");
    for item in &g.items {
        dot_item(&mut out, item, 1);
    }
    for e in &g.edges {
        // Graphviz draws edges between nodes: an edge to a group goes to its first node and is
        // clipped at the group's border (`lhead`/`ltail`, with `compound=true`).
        let (from, ltail) = dot_anchor(&g.items, &e.from);
        let (to, lhead) = dot_anchor(&g.items, &e.to);
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label={}", dot_quote(l)));
        }
        if e.line == Line::Dashed {
            attrs.push("style=dashed".into());
        }
        if e.both {
            attrs.push("dir=both".into());
        }
        if let Some(t) = ltail {
            attrs.push(format!("ltail=cluster_{t}"));
        }
        if let Some(h) = lhead {
            attrs.push(format!("lhead=cluster_{h}"));
        }
        let _ = writeln!(out, "    {from} -> {to} [{}];", attrs.join(", "));
    }
    out.push_str("}\n");
    out
}

fn dot_item(out: &mut String, item: &Item, depth: usize) {
    let pad = "    ".repeat(depth);
    match item {
        Item::Node(n) => {
            let shape = match n.shape {
                Shape::Box => "shape=box",
                Shape::Rounded => "shape=box, style=rounded",
                Shape::Hexagon => "shape=hexagon",
                Shape::Cylinder => "shape=cylinder",
                Shape::Circle => "shape=ellipse",
            };
            let color = if n.public {
                ", color=\"#d1242f\", penwidth=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{pad}{} [label={}, {shape}{color}];",
                n.id,
                dot_quote(&n.label.join("\n"))
            );
        }
        Item::Group(gr) => {
            let _ = writeln!(out, "{pad}subgraph cluster_{} {{", gr.id);
            let _ = writeln!(out, "{pad}    label={};", dot_quote(&gr.label.join("\n")));
            if gr.items.is_empty() {
                // An empty cluster is not drawn; give it a point so it shows and edges can reach it.
                let _ = writeln!(
                    out,
                    "{pad}    {}_empty [label=\"(no subnets)\", shape=plaintext];",
                    gr.id
                );
            }
            for i in &gr.items {
                dot_item(out, i, depth + 1);
            }
            let _ = writeln!(out, "{pad}}}");
        }
    }
}

/// The node an edge to `id` attaches to, and the cluster it is clipped at when `id` is a group.
fn dot_anchor(items: &[Item], id: &str) -> (String, Option<String>) {
    fn find<'a>(items: &'a [Item], id: &str) -> Option<&'a Item> {
        for i in items {
            match i {
                Item::Node(n) if n.id == id => return Some(i),
                Item::Group(g) if g.id == id => return Some(i),
                Item::Group(g) => {
                    if let Some(f) = find(&g.items, id) {
                        return Some(f);
                    }
                }
                Item::Node(_) => {}
            }
        }
        None
    }
    fn first_node(g: &Group) -> String {
        match g.items.first() {
            Some(Item::Node(n)) => n.id.clone(),
            Some(Item::Group(inner)) => first_node(inner),
            None => format!("{}_empty", g.id),
        }
    }
    match find(items, id) {
        Some(Item::Group(g)) => (first_node(g), Some(g.id.clone())),
        _ => (id.to_string(), None),
    }
}

/// A DOT string literal; `\n` in the text becomes a centred line break.
fn dot_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(mermaid_text("a\"b#c<d>|e"), "a#quot;b#35;c#lt;d#gt;#124;e");
        assert_eq!(dot_quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn edges_to_groups_attach_to_their_first_node() {
        let g = Graph {
            items: vec![Item::Group(Group {
                id: "vnet0".into(),
                label: vec!["v".into()],
                items: vec![Item::Group(Group {
                    id: "vnet0_sub0".into(),
                    label: vec!["s".into()],
                    items: vec![Item::Node(node("pe", vec!["pe".into()], Shape::Hexagon))],
                })],
            })],
            edges: vec![],
        };
        assert_eq!(dot_anchor(&g.items, "vnet0"), ("pe".into(), Some("vnet0".into())));
        assert_eq!(dot_anchor(&g.items, "pe"), ("pe".into(), None));
    }
}
