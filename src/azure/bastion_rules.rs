//! The NSG rules Azure Bastion requires on `AzureBastionSubnet`.
//!
//! Source: Microsoft Learn, "Working with NSG access and Azure Bastion"
//! (learn.microsoft.com/azure/bastion/bastion-nsg): ingress from Internet on 443, from
//! GatewayManager on 443, from AzureLoadBalancer on 443, and VirtualNetwork to VirtualNetwork on
//! 8080 and 5701 (data plane); egress to VirtualNetwork on 22 and 3389 (target VMs), to AzureCloud
//! on 443 (diagnostics), VirtualNetwork to VirtualNetwork on 8080 and 5701, and to Internet on 80
//! (session and certificate validation).

/// One required rule: (name, priority, inbound?, protocol, source, destination, ports).
pub struct BastionRule {
    pub name: &'static str,
    pub priority: u32,
    pub inbound: bool,
    pub protocol: &'static str,
    pub source: &'static str,
    pub destination: &'static str,
    pub ports: &'static [&'static str],
}

pub const RULES: &[BastionRule] = &[
    BastionRule {
        name: "AllowHttpsInbound",
        priority: 120,
        inbound: true,
        protocol: "Tcp",
        source: "Internet",
        destination: "*",
        ports: &["443"],
    },
    BastionRule {
        name: "AllowGatewayManagerInbound",
        priority: 130,
        inbound: true,
        protocol: "Tcp",
        source: "GatewayManager",
        destination: "*",
        ports: &["443"],
    },
    BastionRule {
        name: "AllowAzureLoadBalancerInbound",
        priority: 140,
        inbound: true,
        protocol: "Tcp",
        source: "AzureLoadBalancer",
        destination: "*",
        ports: &["443"],
    },
    BastionRule {
        name: "AllowBastionHostCommunication",
        priority: 150,
        inbound: true,
        protocol: "*",
        source: "VirtualNetwork",
        destination: "VirtualNetwork",
        ports: &["8080", "5701"],
    },
    BastionRule {
        name: "AllowSshRdpOutbound",
        priority: 100,
        inbound: false,
        protocol: "*",
        source: "*",
        destination: "VirtualNetwork",
        ports: &["22", "3389"],
    },
    BastionRule {
        name: "AllowAzureCloudOutbound",
        priority: 110,
        inbound: false,
        protocol: "Tcp",
        source: "*",
        destination: "AzureCloud",
        ports: &["443"],
    },
    BastionRule {
        name: "AllowBastionCommunication",
        priority: 120,
        inbound: false,
        protocol: "*",
        source: "VirtualNetwork",
        destination: "VirtualNetwork",
        ports: &["8080", "5701"],
    },
    BastionRule {
        name: "AllowHttpOutbound",
        priority: 130,
        inbound: false,
        protocol: "*",
        source: "*",
        destination: "Internet",
        ports: &["80"],
    },
];
