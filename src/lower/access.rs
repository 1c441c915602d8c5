//! The ways in: Azure Bastion, the jump box, the point-to-site VPN gateway and the DNS resolver
//! that lets VPN clients resolve the private zones. Peerings come last, since they may wait for
//! the gateway.

use super::network;
use super::openai::subnet_id;
use super::Lowering;
use crate::azure::images::Os;
use crate::azure::vm::{ENTRA_LOGIN_LINUX, ENTRA_LOGIN_WINDOWS};
use crate::ir::{obj, Expr, ParamType, Resource, Value};
use crate::model::SshKey;

const PUBLIC_IP: &str = "Microsoft.Network/publicIPAddresses";
const BASTION: &str = "Microsoft.Network/bastionHosts";
const NIC: &str = "Microsoft.Network/networkInterfaces";
const VM: &str = "Microsoft.Compute/virtualMachines";
const EXTENSION: &str = "Microsoft.Compute/virtualMachines/extensions";
const GATEWAY: &str = "Microsoft.Network/virtualNetworkGateways";
const RESOLVER: &str = "Microsoft.Network/dnsResolvers";
const INBOUND: &str = "Microsoft.Network/dnsResolvers/inboundEndpoints";

pub(super) fn lower(l: &mut Lowering) {
    bastion(l);
    jumpbox(l);
    let gateway = vpn_gateway(l);
    resolver(l);
    network::peerings(l, gateway.as_deref());
}

/// A Standard, static IPv4 public IP; zone-redundant when `zones` is set.
pub(super) fn public_ip(l: &mut Lowering, name: &str, vnet: usize, zones: bool) -> String {
    let sym = l.symbol(&["pip", name.trim_start_matches("pip-")]);
    let mut r = l.in_vnet(sym.clone(), PUBLIC_IP, name, vnet);
    r.set(
        "sku",
        obj([("name", Value::str("Standard")), ("tier", Value::str("Regional"))]),
    );
    if zones {
        r.set(
            "zones",
            Value::Array(["1", "2", "3"].into_iter().map(Value::str).collect()),
        );
    }
    r.set(
        "properties",
        obj([
            ("publicIPAllocationMethod", Value::str("Static")),
            ("publicIPAddressVersion", Value::str("IPv4")),
        ]),
    );
    l.t.resources.push(r);
    sym
}

fn bastion(l: &mut Lowering) {
    let Some(b) = &l.m.bastion else { return };
    let sym = l.symbol(&["bastion"]);
    let mut r = l.in_vnet(sym, BASTION, &b.name, b.vnet);
    r.set("sku", obj([("name", Value::str(&b.sku))]));
    let mut props = indexmap::IndexMap::new();
    match &b.public_ip {
        Some(pip_name) => {
            let pip = public_ip(l, pip_name, b.vnet, false);
            props.insert(
                "ipConfigurations".to_string(),
                Value::Array(vec![obj([
                    ("name", Value::str("ipconfig")),
                    (
                        "properties",
                        obj([
                            ("subnet", obj([("id", subnet_id(l, b.vnet, "AzureBastionSubnet"))])),
                            ("publicIPAddress", Value::id_ref(&pip)),
                        ]),
                    ),
                ])]),
            );
            if let Some(n) = b.scale_units {
                props.insert("scaleUnits".into(), Value::Int(n as i64));
            }
            // The native client, so that `az network bastion ssh` and `rdp` work.
            if b.tunneling {
                props.insert("enableTunneling".into(), Value::Bool(true));
            }
        }
        // The Developer SKU attaches to the VNet itself, with no subnet and no public IP.
        None => {
            props.insert("virtualNetwork".to_string(), Value::id_ref(&l.vnet_syms[b.vnet]));
        }
    }
    r.set("properties", Value::Object(props));
    l.t.resources.push(r);
}

fn jumpbox(l: &mut Lowering) {
    let Some(j) = &l.m.jumpbox else { return };
    let nic = l.symbol(&["jumpboxNic"]);
    let mut r = l.in_vnet(nic.clone(), NIC, &j.nic_name, j.vnet);
    r.set(
        "properties",
        obj([(
            "ipConfigurations",
            Value::Array(vec![obj([
                ("name", Value::str("ipconfig1")),
                (
                    "properties",
                    obj([
                        ("privateIPAllocationMethod", Value::str("Dynamic")),
                        ("subnet", obj([("id", subnet_id(l, j.vnet, &j.subnet))])),
                    ]),
                ),
            ])]),
        )]),
    );
    l.t.resources.push(r);

    l.param(
        "jumpboxAdminUsername",
        ParamType::String,
        Some(Value::str(&j.admin_username)),
        "Administrator user name of the jump box.",
    );
    let user = || Value::param("jumpboxAdminUsername");
    let mut os_profile = indexmap::IndexMap::new();
    os_profile.insert("computerName".to_string(), Value::str(&j.name));
    os_profile.insert("adminUsername".into(), user());
    match j.image.os {
        Os::Linux => {
            let key = match &j.ssh_key {
                Some(SshKey::Literal(k)) => Value::str(k),
                _ => {
                    l.param(
                        "jumpboxSshPublicKey",
                        ParamType::String,
                        None,
                        "SSH public key (one line of a .pub file) of the jump box administrator.",
                    );
                    Value::param("jumpboxSshPublicKey")
                }
            };
            let path = Value::Expr(Expr::Format(
                "/home/{0}/.ssh/authorized_keys".into(),
                vec![Expr::Param("jumpboxAdminUsername".into())],
            ));
            os_profile.insert(
                "linuxConfiguration".into(),
                obj([
                    ("disablePasswordAuthentication", Value::Bool(true)),
                    (
                        "ssh",
                        obj([(
                            "publicKeys",
                            Value::Array(vec![obj([("path", path), ("keyData", key)])]),
                        )]),
                    ),
                    ("provisionVMAgent", Value::Bool(true)),
                ]),
            );
        }
        Os::Windows => {
            l.param(
                "jumpboxAdminPassword",
                ParamType::SecureString,
                None,
                "Password of the jump box administrator.",
            );
            os_profile.insert("adminPassword".into(), Value::param("jumpboxAdminPassword"));
            os_profile.insert(
                "windowsConfiguration".into(),
                obj([
                    ("enableAutomaticUpdates", Value::Bool(true)),
                    ("provisionVMAgent", Value::Bool(true)),
                ]),
            );
        }
    }
    // No VM extensions on a jump box, but the Entra ID sign-in extension when asked for: nothing
    // else installs code on it behind the operator's back.
    os_profile.insert("allowExtensionOperations".into(), Value::Bool(j.entra_login));

    let sym = l.symbol(&["jumpbox"]);
    let mut r = l.in_vnet(sym.clone(), VM, &j.name, j.vnet);
    // A system-assigned identity: tokens for the account from the VM's metadata endpoint, and
    // what Entra ID sign-in needs.
    if j.openai_role.is_some() || j.entra_login {
        r.set("identity", obj([("type", Value::str("SystemAssigned"))]));
    }
    let mut security = indexmap::IndexMap::new();
    security.insert("securityType".to_string(), Value::str("TrustedLaunch"));
    security.insert(
        "uefiSettings".into(),
        obj([
            ("secureBootEnabled", Value::Bool(true)),
            ("vTpmEnabled", Value::Bool(true)),
        ]),
    );
    if j.encryption_at_host {
        security.insert("encryptionAtHost".into(), Value::Bool(true));
    }
    r.set(
        "properties",
        obj([
            ("hardwareProfile", obj([("vmSize", Value::str(&j.size))])),
            (
                "storageProfile",
                obj([
                    (
                        "imageReference",
                        obj([
                            ("publisher", Value::str(j.image.publisher)),
                            ("offer", Value::str(j.image.offer)),
                            ("sku", Value::str(j.image.sku)),
                            ("version", Value::str("latest")),
                        ]),
                    ),
                    (
                        "osDisk",
                        obj([
                            ("name", Value::str(format!("{}-osdisk", j.name))),
                            ("createOption", Value::str("FromImage")),
                            ("deleteOption", Value::str("Delete")),
                            (
                                "managedDisk",
                                obj([("storageAccountType", Value::str("StandardSSD_LRS"))]),
                            ),
                        ]),
                    ),
                ]),
            ),
            ("osProfile", Value::Object(os_profile)),
            (
                "networkProfile",
                obj([(
                    "networkInterfaces",
                    Value::Array(vec![obj([
                        ("id", Value::id(&nic)),
                        ("properties", obj([("deleteOption", Value::str("Delete"))])),
                    ])]),
                )]),
            ),
            ("securityProfile", Value::Object(security)),
            (
                "diagnosticsProfile",
                obj([("bootDiagnostics", obj([("enabled", Value::Bool(true))]))]),
            ),
        ]),
    );
    l.t.resources.push(r);
    if j.entra_login {
        entra_login(l, &sym, j.vnet, j.image.os);
    }
}

/// The Entra ID sign-in extension of the jump box's OS.
fn entra_login(l: &mut Lowering, vm: &str, vnet: usize, os: Os) {
    let ext = match os {
        Os::Linux => ENTRA_LOGIN_LINUX,
        Os::Windows => ENTRA_LOGIN_WINDOWS,
    };
    let mut r = Resource::new(l.symbol(&["jumpboxEntraLogin"]), EXTENSION, ext.kind);
    r.parent = Some(vm.to_string());
    l.place(&mut r, l.vnet_location(vnet));
    r.set(
        "properties",
        obj([
            ("publisher", Value::str(ext.publisher)),
            ("type", Value::str(ext.kind)),
            ("typeHandlerVersion", Value::str(ext.version)),
            // Azure's extension schema requires `settings`; these extensions take none.
            ("settings", Value::Object(Default::default())),
        ]),
    );
    l.t.resources.push(r);
}

/// Point-to-site over OpenVPN with Entra ID. Source: Microsoft Learn, "Configure P2S VPN Gateway
/// for Microsoft Entra ID authentication" (tenant `https://{login host}/{tenant}`, issuer
/// `https://{sts host}/{tenant}/`, audience the Azure VPN Client app; OpenVPN only).
fn vpn_gateway(l: &mut Lowering) -> Option<String> {
    let g = l.m.vpn_gateway.as_ref()?;
    let cloud = l.m.cloud;
    let zone_redundant = g.zone_redundant;
    let pip = public_ip(l, &g.public_ip, g.vnet, zone_redundant);
    let sym = l.symbol(&["vpnGateway"]);
    let mut r = l.in_vnet(sym.clone(), GATEWAY, &g.name, g.vnet);
    let tenant = |text: String| match &g.tenant_id {
        Some(t) => Value::str(text.replace("{0}", t)),
        None => Value::Expr(Expr::Format(text, vec![Expr::TenantId])),
    };
    // The sign-in endpoint from `environment()`, not a literal host: right in every cloud, and
    // what Microsoft's template checks (arm-ttk, Bicep's no-hardcoded-env-urls) ask for.
    let aad_tenant = match &g.tenant_id {
        Some(t) => Value::Expr(Expr::Format(format!("{{0}}{t}"), vec![Expr::LoginEndpoint])),
        None => Value::Expr(Expr::Format("{0}{1}".into(), vec![Expr::LoginEndpoint, Expr::TenantId])),
    };
    // Source: "About gateway SKUs": VpnGw1(AZ) is Generation1 only; larger SKUs run as Generation2.
    let generation = if g.sku.starts_with("VpnGw1") {
        "Generation1"
    } else {
        "Generation2"
    };
    let pool = g
        .client_address_pool
        .iter()
        .map(|p| Value::str(p.to_string()))
        .collect();
    r.set(
        "properties",
        obj([
            ("gatewayType", Value::str("Vpn")),
            ("vpnType", Value::str("RouteBased")),
            ("vpnGatewayGeneration", Value::str(generation)),
            ("sku", obj([("name", Value::str(&g.sku)), ("tier", Value::str(&g.sku))])),
            ("activeActive", Value::Bool(false)),
            ("enableBgp", Value::Bool(false)),
            (
                "ipConfigurations",
                Value::Array(vec![obj([
                    ("name", Value::str("default")),
                    (
                        "properties",
                        obj([
                            ("privateIPAllocationMethod", Value::str("Dynamic")),
                            ("subnet", obj([("id", subnet_id(l, g.vnet, "GatewaySubnet"))])),
                            ("publicIPAddress", Value::id_ref(&pip)),
                        ]),
                    ),
                ])]),
            ),
            (
                "vpnClientConfiguration",
                obj([
                    ("vpnClientAddressPool", obj([("addressPrefixes", Value::Array(pool))])),
                    ("vpnClientProtocols", Value::Array(vec![Value::str("OpenVPN")])),
                    ("vpnAuthenticationTypes", Value::Array(vec![Value::str("AAD")])),
                    ("aadTenant", aad_tenant),
                    ("aadAudience", Value::str(&g.audience)),
                    ("aadIssuer", tenant(format!("https://{}/{{0}}/", cloud.sts_host()))),
                ]),
            ),
        ]),
    );
    l.t.resources.push(r);
    Some(sym)
}

fn resolver(l: &mut Lowering) {
    let Some(d) = &l.m.dns_resolver else { return };
    let sym = l.symbol(&["dnsResolver"]);
    let mut r = l.in_vnet(sym.clone(), RESOLVER, &d.name, d.vnet);
    r.set(
        "properties",
        obj([("virtualNetwork", Value::id_ref(&l.vnet_syms[d.vnet]))]),
    );
    l.t.resources.push(r);
    let mut e = Resource::new(l.symbol(&["dnsInbound"]), INBOUND, &d.inbound_endpoint);
    e.parent = Some(sym);
    l.place(&mut e, l.vnet_location(d.vnet));
    e.set(
        "properties",
        obj([(
            "ipConfigurations",
            Value::Array(vec![obj([
                ("privateIpAddress", Value::str(d.inbound_ip.to_string())),
                ("privateIpAllocationMethod", Value::str("Static")),
                ("subnet", obj([("id", subnet_id(l, d.vnet, &d.subnet))])),
            ])]),
        )]),
    );
    l.t.resources.push(e);
}
