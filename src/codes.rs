//! Every diagnostic code: its severity, a title, and what the rule checks and why
//! (`aoai-vnet explain CODE`). A test keeps this table, the codes used in the source and
//! `docs/codes.md` in sync. Codes are stable: a retired code is never reused (retired: E0901,
//! "not supported yet", for resource groups and subscriptions before they were generated).

use crate::diag::Severity;

pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub explanation: &'static str,
}

const fn e(code: &'static str, title: &'static str, explanation: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Error,
        title,
        explanation,
    }
}

const fn w(code: &'static str, title: &'static str, explanation: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Warning,
        title,
        explanation,
    }
}

pub fn find(code: &str) -> Option<&'static Code> {
    ALL.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

pub const ALL: &[Code] = &[
    e("E0001", "invalid YAML", "The file is not one well-formed YAML (or JSON) document, or it is not text. Also raised for input that would be unreasonably expensive to read: more than 16 MiB, nesting deeper than 64 levels, or aliases that expand to more than a million nodes (a \"billion laughs\" file). The message gives the scanner's reason and the position where reading stopped."),
    e("E0002", "duplicate key", "A mapping names the same key twice. YAML parsers disagree on which value wins, so the compiler refuses to guess: remove one of them."),
    e("E0003", "empty file", "The file holds no document (or only comments). A topology needs at least `name`, `location`, `vnets` and `openai`; `aoai-vnet init` writes a starter file."),
    e("E0004", "wrong type", "A value has the wrong shape: a list where a string is expected, a string where a mapping is expected, `yes` where `true` or `false` is expected (YAML 1.2 booleans are only `true` and `false`), a word where a whole number is expected."),
    e("E0005", "unknown key", "A key that the topology language does not define. Unknown keys are errors, never ignored, because a misspelt key (`adress_space`) would otherwise silently fall back to a default. The help line names the nearest known key."),
    e("E0006", "missing key", "A required key is absent: `name`, `location`, `vnets`, `openai` at the top, `address_space` in a VNet, `model` in a model deployment, `name`, `priority`, `direction` and `access` in an NSG rule, `client_address_pool` in `vpn_gateway`. Also raised for an empty `vnets`."),
    e("E0007", "invalid value", "A key that takes one of a fixed set of values got another one (a SKU, a kind, a mode, a protocol, an image...), or a number outside its range. Values are matched without regard to case; the help line names the nearest valid value."),
    e("E0101", "invalid workload name", "The top-level `name` is part of every derived resource name, so it is kept short and plain: 3 to 24 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."),
    e("E0102", "invalid resource name", "A resource name breaks Azure's naming rule for its type (length, allowed characters, first and last character), from Microsoft Learn's \"Naming rules and restrictions for Azure resources\". Also raised for an account's custom subdomain that is not lowercase, and for a Windows computer name longer than 15 characters. Azure would refuse the deployment; the compiler refuses it first."),
    e("E0103", "duplicate name", "Two resources of the same type in the same scope have the same name (Azure names are case-insensitive). The second would overwrite the first in the deployment. Also raised for two rules of one NSG rule set with the same name and for two model deployments with the same name."),
    e("E0104", "unknown region", "The region is not a region of the topology's cloud. Regions are short names as `az account list-locations` prints them (`eastus`, `swedencentral`). The help line names the nearest region, or the cloud the region belongs to."),
    e("E0105", "unknown cloud", "`cloud` must be `AzureCloud`, `AzureUSGovernment` or `AzureChinaCloud`: it selects DNS zone names, VPN audiences and login hosts."),
    e("E0107", "invalid tag", "A tag breaks Azure's tag limits: names of 1 to 512 characters without `< > % & \\ ? /`, values up to 256 characters, at most 50 tags."),
    e("E0201", "invalid CIDR", "An address range is not an IPv4 CIDR like `10.0.0.0/16` (or a subnet size like `/27`). IPv6 ranges are not supported. An address without a prefix length gets a suggestion."),
    e("E0202", "not a network address", "A CIDR has host bits set: `10.0.0.1/16` is not the start of its range. Azure refuses such prefixes; the help line gives the network address (`10.0.0.0/16`)."),
    e("E0203", "subnet outside its VNet", "An explicit subnet CIDR does not lie inside any range of its VNet's `address_space`. The help line suggests a free block of the same size, or writing only the size (`/24`) to let the compiler place it."),
    e("E0204", "overlapping subnets", "Two subnets of one VNet overlap. Azure refuses overlapping subnets."),
    e("E0205", "subnet too small or too large", "A subnet is smaller than Azure allows for its role: /29 for any subnet (Azure's minimum), /26 for `AzureBastionSubnet` (Azure Bastion), /29 for `GatewaySubnet`, /28 to /24 for the DNS resolver's inbound subnet."),
    e("E0206", "address space full", "A subnet given as a size cannot be placed: no aligned free block of that size is left in the VNet's address space. Subnets are placed in declaration order at the lowest free aligned block; add a range to `address_space`, shrink other subnets, or give explicit CIDRs."),
    e("E0207", "overlapping address spaces", "Two ranges of one VNet's `address_space` overlap."),
    e("E0208", "invalid IP address", "A value that must be an IPv4 address (`dns_servers`, `private_ip`, `inbound_ip`) is not one."),
    e("E0209", "static IP outside its subnet", "A static address (`private_endpoint.private_ip`, `dns_resolver.inbound_ip`) does not lie in the subnet that holds the resource."),
    e("E0210", "reserved static IP", "Azure reserves five addresses in every subnet: the network address, the next three (default gateway and Azure DNS) and the broadcast address. A static address cannot be one of them; the help line names the first usable address."),
    e("E0301", "unknown VNet", "A reference (`vnet:`, `peer:`, `link_vnets:`) names a VNet key that is not under `vnets`. The help line names the nearest key."),
    e("E0302", "unknown subnet", "A reference names a subnet that its VNet does not have (after the plan added the feature subnets). The private endpoint defaults to `private-endpoints`, else `default`; the jump box to `default`."),
    e("E0303", "unknown NSG rule set", "A subnet's `nsg:` names a key that is not under `nsgs` (and is not `none`)."),
    e("E0304", "subnet reserved for a feature", "The private endpoint or the jump box was placed in `AzureBastionSubnet`, `GatewaySubnet` or the DNS resolver's delegated subnet. Those subnets belong to their feature; Azure refuses other resources in them."),
    e("E0401", "NSG priority out of range", "NSG rule priorities are 100 to 4096 (Azure's range for custom rules)."),
    e("E0402", "NSG priority clash", "Two rules of one rule set share a priority in the same direction. Azure refuses the NSG: priorities must be unique per direction."),
    e("E0404", "invalid port", "A port is not a number from 0 to 65535, a range `lo-hi` with lo <= hi, or `*`."),
    e("E0405", "invalid address or service tag", "An NSG rule's `source` or `destination` is neither `*`, an IPv4 address, a CIDR, nor a known service tag (`VirtualNetwork`, `Internet`, `AzureLoadBalancer`, `Storage.WestEurope`...)."),
    e("E0406", "NSG on GatewaySubnet", "Azure does not support an NSG on `GatewaySubnet`; the VPN gateway fails or misbehaves with one."),
    e("E0407", "custom NSG on AzureBastionSubnet", "`AzureBastionSubnet` gets exactly the NSG rules Azure Bastion requires (from \"Working with NSG access and Azure Bastion\"). A custom rule set would either break Bastion or open it more than needed; write `nsg: none` to have no NSG there."),
    e("E0408", "SSH or RDP open to the internet", "An inbound allow rule from `*`, `Internet` or `0.0.0.0/0` covers port 22 or 3389. Internet-facing SSH and RDP are the most attacked ports in Azure; the architecture's way in is Azure Bastion or the VPN gateway."),
    e("E0502", "allowed_ips without selected", "`openai.allowed_ips` only applies with `public_network_access: selected`; with `disabled` the account accepts no public traffic at all."),
    e("E0503", "public access enabled", "`public_network_access: enabled` would open the account to the whole internet, which defeats the private endpoint. Use `disabled` (the default) or `selected` with `allowed_ips`."),
    e("E0504", "selected without allowed_ips", "`public_network_access: selected` needs at least one public range in `allowed_ips`; without one, use `disabled`."),
    e("E0505", "inconsistent DNS settings", "`dns.mode: existing` needs `zone_ids`; `zone_ids` is only for `existing`; `link_vnets` is only for `private-zone` (zones owned elsewhere are linked by their owner)."),
    e("E0506", "invalid private DNS zone ID", "A `zone_ids` entry is not the resource ID of a private DNS zone: `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<zone>`."),
    e("E0511", "private range in allowed_ips", "Account IP rules apply to public addresses only; clients in a VNet reach the account through the private endpoint, not through IP rules."),
    e("E0603", "Developer Bastion cannot reach the jump box", "The Developer SKU of Azure Bastion attaches to one VNet and cannot reach VMs in peered VNets; put the jump box in Bastion's VNet or use another SKU."),
    e("E0604", "empty SSH key", "`jumpbox.ssh_public_key` is empty. Leave it out to make the key a template parameter, or paste one line of a `.pub` file."),
    e("E0605", "invalid SSH key", "`ssh_public_key` is not an OpenSSH public key line (`ssh-ed25519 AAAA...` or `ssh-rsa AAAA...`, the key types Azure accepts for Linux VMs), or a Windows jump box was given one (Windows signs in with a password)."),
    e("E0607", "invalid admin user name", "The jump box's `admin_username` breaks Azure's rules: 1 to 20 letters, digits, `_`, `-` or `.`, not one of the names Azure reserves (`admin`, `root`, `administrator`, ...)."),
    e("E0702", "VNet peers with itself", "A VNet's `peer` names the VNet itself."),
    e("E0703", "duplicate peering", "A peering is declared twice (on both VNets, or twice on one). `peer` creates both directions; declare it on one side."),
    e("E0704", "overlapping peered VNets", "Two peered VNets have overlapping address spaces. Azure refuses the peering: routes to the overlap would be ambiguous."),
    e("E0705", "VPN pool overlaps a VNet", "The point-to-site client pool overlaps a VNet's address space; clients could not reach those addresses. Choose a pool outside every VNet."),
    e("E0706", "remote gateways without a gateway", "`use_remote_gateways: true` on a peering where neither VNet holds the `vpn_gateway`. Azure refuses it (RemoteVnetHasNoGateways)."),
    e("E0708", "invalid GUID", "`vpn_gateway.tenant_id` and `audience` are GUIDs (a tenant ID and an app ID)."),
    e("E0709", "subscription without resource group", "A VNet placed in another `subscription` must also name its `resource_group` there."),
    e("E0710", "invalid subscription ID", "A subscription ID is a GUID."),
    e("E0801", "too many peerings on a VNet", "Azure allows 500 peerings per virtual network, and `peer` puts one on each side, so a hub serves at most 500 spokes. ARM would refuse the 501st peering during deployment, after the rest has been created. The error points at the `peer` entry that is one too many. Larger estates use several hubs, each with its own private endpoint (`openai.private_endpoints`)."),
    e("E0802", "too many VNet links on a private DNS zone", "Azure allows 1,000 virtual network links per private DNS zone (100 with auto-registration, which the compiler never enables). Every zone of the account is linked to each VNet in `dns.link_vnets` (default: all), so more than 1,000 linked VNets cannot deploy. Link fewer VNets, or give each hub its own endpoint and zones."),
    e("E0803", "too many VNets in one subscription and region", "Azure allows 1,000 virtual networks per subscription and region. The error points at the VNet that is one too many (counting in declaration order, per subscription and region). Place VNets in another region or subscription."),
    e("E0804", "deployment type not offered in the cloud", "Model deployment types differ by cloud: Azure Government offers no Global types (GlobalStandard, GlobalProvisionedManaged, GlobalBatch). A deployment type the cloud does not offer fails at deployment time; the default (`GlobalStandard` in AzureCloud, `Standard` in the sovereign clouds) always exists."),
    e("E0805", "model format unknown or wrong", "A model deployment names its model's format, the publisher (`OpenAI`, `DeepSeek`, `Meta`, `Microsoft`, `Mistral AI`, `xAI`, `Cohere`, ...), and Azure refuses a deployment whose format does not match the model. The compiler derives the format from the model name where its table knows the model, refuses a `format` that contradicts it, and requires `format` for models it does not know."),
    e("E0806", "Bastion Developer SKU not offered in the region", "The Developer SKU of Azure Bastion runs only in the regions Azure lists for it; elsewhere ARM refuses the host. Use Basic or Standard, or put the jump box's VNet in one of those regions."),
    e("E0807", "DNS server the VNet cannot reach", "A custom DNS server (including the DNS Private Resolver's inbound IP) that lies in another VNet of the topology answers only that VNet and the VNets peered with it: peering is not transitive. A VNet that uses a server it cannot reach fails every name lookup once deployed. Peer the VNets or choose a reachable server."),
    e("E0808", "template over ARM's limits", "ARM refuses a template larger than 4 MB (as it receives it, without indentation; nested templates count), a resource definition over 1 MB, or more than 800 resources, 256 parameters or 64 outputs in one template. The compiler splits large estates into nested deployments so that the counts always fit; the size grows with the estate, and an estate whose template would pass 4 MB is refused here, after the checks, with what it measured. Deploy it as several topologies."),
    e("E0902", "invalid Log Analytics workspace", "`diagnostics.workspace` is `new` (a workspace `log-{name}` created in the default resource group) or the full resource ID of an existing Log Analytics workspace, in any subscription: `/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>`, whose group and workspace names follow Azure's naming rules (a workspace name has 4 to 63 letters, digits and hyphens and starts and ends with a letter or digit). The message says which part is wrong."),
    e("E0903", "retention outside Log Analytics' range", "A Log Analytics workspace keeps logs for 30 to 730 days (two years) at the workspace level; 30 is the default and is included in the ingestion price. Longer retention is set per table in the workspace, outside this tool."),
    e("E0904", "retention for a workspace we do not create", "`retention_days` sets the retention of the workspace this topology creates (`workspace: new`). An existing workspace keeps the retention its owner set; changing it is that owner's business, so the compiler refuses a setting it would silently ignore."),
    w("W0001", "public address range in a VNet", "A VNet uses addresses outside the private ranges (RFC 1918 and RFC 6598). It works, but hosts on the internet in that range become unreachable from the VNet, and it is usually a typo."),
    w("W0002", "region without Azure OpenAI", "The account's region does not offer Azure OpenAI (from Microsoft Learn's model availability tables); the deployment would fail. The account may live in another region than the VNets."),
    w("W0003", "undocumented zone name", "Azure does not document the private DNS zone name for this kind of account in this cloud; the compiler derived it from the public cloud's name. Check it, or use `dns.mode: existing` with zones you know."),
    w("W0004", "small GatewaySubnet", "`GatewaySubnet` is smaller than /27, which Azure recommends so that gateway features can be added later."),
    w("W0005", "local authentication on", "`disable_local_auth: false` lets API keys call the account, bypassing Entra ID and Conditional Access."),
    w("W0006", "unexpected zone ID", "With `dns.mode: existing`, a zone ID is not one that this kind of account uses, or a zone the account needs has no ID; clients would resolve that name to the public address."),
    w("W0007", "inbound traffic from the internet", "An NSG rule allows inbound traffic from the internet on ports other than SSH and RDP. Narrow `source` to the addresses that need it."),
    w("W0008", "unused NSG rule set", "A rule set under `nsgs` is not attached to any subnet, so it is not deployed."),
    w("W0009", "NSG does not apply to the private endpoint", "The subnet that holds the private endpoint has an NSG but `private_ip_policies` turns network policies off, so the NSG does not filter traffic to the endpoint."),
    w("W0010", "jump box without a way in", "There is a jump box but neither Bastion nor a VPN gateway: it has no public IP, so nothing can reach it."),
    w("W0011", "peered VNet not linked to the zones", "A VNet peered with the private endpoint's VNet is left out of `link_vnets`; its clients reach the endpoint's network but resolve the account's name to the public address, which is closed."),
    w("W0020", "VPN app needs a tenant administrator's consent", "In Azure Government and Azure China the VPN gateway's audience is the older, manually registered Azure VPN app: Microsoft's newer registered client exists in the public cloud only. Clients cannot sign in until a Global Administrator of the tenant consents to the app once, at the URL the warning gives."),
    w("W0021", "deployment type not documented for the cloud", "Azure documents no list of deployment types for this cloud (Azure China); the compiler accepts the type but cannot confirm it exists there. `Standard` (regional) is offered wherever Azure OpenAI is."),
];
