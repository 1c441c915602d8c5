//! Egress: the NAT gateways (each with its Standard static public IP) and the route tables that
//! send 0.0.0.0/0 to an appliance. The VNets' subnets refer to them (`network`), so they are
//! lowered first.

use super::access::public_ip;
use super::Lowering;
use crate::azure::network::{DEFAULT_ROUTE, NAT_GATEWAY_SKU, NEXT_HOP_APPLIANCE};
use crate::ir::{obj, Value};

const NAT_GATEWAY: &str = "Microsoft.Network/natGateways";
const ROUTE_TABLE: &str = "Microsoft.Network/routeTables";

/// The route in each route table of ours.
const ROUTE_NAME: &str = "internet-via-appliance";

pub(super) fn lower(l: &mut Lowering) {
    let m = l.m;
    for (i, v) in m.vnets.iter().enumerate() {
        let nat = v.nat_gateway.as_ref().map(|n| {
            let pip = public_ip(l, &n.public_ip, i, false);
            let sym = l.symbol(&["natGateway", &v.key]);
            let mut r = l.in_vnet(sym.clone(), NAT_GATEWAY, &n.name, i);
            r.set("sku", obj([("name", Value::str(NAT_GATEWAY_SKU))]));
            r.set(
                "properties",
                obj([("publicIpAddresses", Value::Array(vec![Value::id_ref(&pip)]))]),
            );
            l.t.resources.push(r);
            sym
        });
        let mut tables = Vec::new();
        for rt in &v.route_tables {
            let sym = l.symbol(&[
                "routeTable",
                &rt.name.trim_start_matches("rt-").replace(&format!("{}-", m.name), ""),
            ]);
            let mut r = l.in_vnet(sym.clone(), ROUTE_TABLE, &rt.name, i);
            let route = obj([
                ("name", Value::str(ROUTE_NAME)),
                (
                    "properties",
                    obj([
                        ("addressPrefix", Value::str(DEFAULT_ROUTE)),
                        ("nextHopType", Value::str(NEXT_HOP_APPLIANCE)),
                        ("nextHopIpAddress", Value::str(rt.next_hop.to_string())),
                    ]),
                ),
            ]);
            r.set("properties", obj([("routes", Value::Array(vec![route]))]));
            l.t.resources.push(r);
            tables.push((rt.next_hop, sym));
        }
        l.nat_syms.push(nat);
        l.route_table_syms.push(tables);
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{Template, Value};
    use crate::source::SourceFile;

    fn lower(text: &str) -> Template {
        let (m, d) = crate::check_source(&SourceFile::new("t.yaml", text));
        super::super::lower(&m.unwrap_or_else(|| panic!("{d:?}")))
    }

    /// The `properties` of each subnet of a VNet, by name.
    fn subnets(t: &Template, vnet: &str) -> Vec<(String, indexmap::IndexMap<String, Value>)> {
        let Value::Object(p) = &t.resource(vnet).body["properties"] else {
            panic!()
        };
        let Value::Array(items) = &p["subnets"] else { panic!() };
        items
            .iter()
            .map(|s| match s {
                Value::Object(o) => match (&o["name"], &o["properties"]) {
                    (Value::Str(n), Value::Object(p)) => (n.clone(), p.clone()),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn private_subnets_by_default_and_azure_managed_ones_left_alone() {
        let t = lower("name: demo\nlocation: eastus\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\nopenai: {}\nbastion: {}\nvpn_gateway: { client_address_pool: 172.16.0.0/24 }\n");
        for (name, p) in subnets(&t, "vnetHub") {
            let managed = name == "GatewaySubnet" || name == "AzureBastionSubnet";
            assert_eq!(
                p.get("defaultOutboundAccess"),
                (!managed).then_some(&Value::Bool(false)),
                "{name}"
            );
            assert!(!p.contains_key("natGateway") && !p.contains_key("routeTable"), "{name}");
        }
        assert!(!t
            .resources
            .iter()
            .any(|r| r.rtype.ends_with("natGateways") || r.rtype.ends_with("routeTables")));
    }

    #[test]
    fn one_nat_gateway_per_vnet_and_one_route_table_per_next_hop() {
        let t = lower(concat!(
            "name: demo\nlocation: eastus\nvnets:\n",
            "  hub:\n    address_space: 10.0.0.0/16\n    egress: nat\n",
            "    subnets: { default: /24, fw1: { prefix: 10.0.10.0/28, egress: none }, fw2: { prefix: 10.0.11.0/28, egress: none } }\n",
            "  spoke:\n    address_space: 10.1.0.0/16\n    peer: hub\n    egress: { next_hop: 10.0.10.4 }\n",
            "    subnets: { default: /24, other: { prefix: /24, egress: { next_hop: 10.0.11.4 } }, third: /24 }\n",
            "openai: {}\n",
        ));
        let nat: Vec<_> = t
            .resources
            .iter()
            .filter(|r| r.rtype == "Microsoft.Network/natGateways")
            .collect();
        assert_eq!(nat.len(), 1);
        assert_eq!(nat[0].name, "ng-demo-hub");
        let hub = subnets(&t, "vnetHub");
        assert_eq!(hub[0].1["natGateway"], Value::id_ref(&nat[0].symbol));
        assert!(!hub[1].1.contains_key("natGateway"));
        let tables: Vec<_> = t
            .resources
            .iter()
            .filter(|r| r.rtype == "Microsoft.Network/routeTables")
            .collect();
        assert_eq!(
            tables.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["rt-demo-spoke", "rt-demo-spoke-2"]
        );
        let spoke = subnets(&t, "vnetSpoke");
        let table_of = |i: usize| spoke[i].1["routeTable"].clone();
        assert_eq!(table_of(0), Value::id_ref(&tables[0].symbol));
        assert_eq!(table_of(1), Value::id_ref(&tables[1].symbol));
        assert_eq!(table_of(2), Value::id_ref(&tables[0].symbol));
        // The VNet waits for its NAT gateway and route tables (references, not a hand-made list).
        assert!(t.resource("vnetSpoke").needs().contains(&tables[1].symbol));
    }
}
