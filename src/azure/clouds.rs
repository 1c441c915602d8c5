//! Per-cloud facts: private DNS zone names for Azure OpenAI and AI Services accounts, the
//! Microsoft-registered Azure VPN Client audience and the Entra ID login host.
//!
//! Sources:
//! - Zones: Microsoft Learn, "Azure Private Endpoint private DNS zone values"
//!   (learn.microsoft.com/azure/private-link/private-endpoint-dns), sections "AI + Machine
//!   Learning" for Commercial, Government and China: `Microsoft.CognitiveServices/accounts`,
//!   sub-resource `account`.
//! - VPN audience: Microsoft Learn, "Configure P2S VPN Gateway for Microsoft Entra ID
//!   authentication" (learn.microsoft.com/azure/vpn-gateway/point-to-site-entra-gateway), table
//!   of Microsoft-registered Azure VPN Client App IDs per cloud.
//! - Login hosts: Microsoft Learn, "National clouds" (learn.microsoft.com/entra/identity-platform/
//!   authentication-national-cloud), Microsoft Entra authentication endpoints.
//! - ARM endpoints and token audiences (for `aoai-vnet deploy`): Microsoft Learn, "Azure
//!   environments" / the developer guides of Azure Government and Azure China (Azure Resource
//!   Manager endpoint, "token audience"); the same values as `az cloud show --name <cloud>`
//!   `endpoints.resourceManager` and `endpoints.activeDirectoryResourceId`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    AzureCloud,
    AzureUsGovernment,
    AzureChinaCloud,
}

/// A private DNS zone and whether Azure documents it for this cloud.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    pub name: &'static str,
    pub documented: bool,
}

pub const NAMES: &[&str] = &["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"];

impl Cloud {
    pub fn parse(s: &str) -> Option<Cloud> {
        match s {
            "AzureCloud" => Some(Cloud::AzureCloud),
            "AzureUSGovernment" => Some(Cloud::AzureUsGovernment),
            "AzureChinaCloud" => Some(Cloud::AzureChinaCloud),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "AzureCloud",
            Cloud::AzureUsGovernment => "AzureUSGovernment",
            Cloud::AzureChinaCloud => "AzureChinaCloud",
        }
    }

    /// The zones an account of `kind` needs, in zone-group order. OpenAI: the openai zone;
    /// AIServices: also cognitiveservices and services.ai.
    pub fn zones(self, ai_services: bool) -> Vec<Zone> {
        let z = |name, documented| Zone { name, documented };
        let (openai, cognitive, services_ai) = match self {
            Cloud::AzureCloud => (
                z("privatelink.openai.azure.com", true),
                z("privatelink.cognitiveservices.azure.com", true),
                z("privatelink.services.ai.azure.com", true),
            ),
            Cloud::AzureUsGovernment => (
                z("privatelink.openai.azure.us", true),
                z("privatelink.cognitiveservices.azure.us", true),
                z("privatelink.services.ai.azure.us", false),
            ),
            Cloud::AzureChinaCloud => (
                z("privatelink.openai.azure.cn", true),
                z("privatelink.cognitiveservices.azure.cn", true),
                z("privatelink.services.ai.azure.cn", false),
            ),
        };
        if ai_services {
            vec![openai, cognitive, services_ai]
        } else {
            vec![openai]
        }
    }

    /// The Microsoft-registered Azure VPN Client app ID (the gateway's `aadAudience`).
    pub fn vpn_audience(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "c632b3df-fb67-4d84-bdcf-b95ad541b5c8",
            Cloud::AzureUsGovernment => "51bb15d4-3a4f-4ebf-9dca-40096fe32426",
            Cloud::AzureChinaCloud => "49f817b6-84ae-4cc0-928c-73f27289b3aa",
        }
    }

    /// Whether the VPN audience is the older, manually registered "Azure VPN" app, which a tenant
    /// administrator must consent to before clients can sign in, and the consent URL when it is.
    /// Source: Microsoft Learn, "Configure P2S VPN Gateway for Microsoft Entra ID authentication –
    /// manually registered client" (the Microsoft-registered Azure VPN Client app is offered in
    /// Azure Public only; in Azure Government and Azure China the manually registered app's IDs
    /// above apply, after a Global Administrator grants consent at the cloud's `authorize`
    /// endpoint with `prompt=admin_consent`).
    pub fn vpn_consent_url(self, audience: &str) -> Option<String> {
        let portal = match self {
            Cloud::AzureCloud => return None,
            Cloud::AzureUsGovernment => "https://portal.azure.us",
            Cloud::AzureChinaCloud => "https://portal.azure.cn",
        };
        Some(format!(
            "https://{}/common/oauth2/authorize?client_id={audience}&response_type=code&redirect_uri={portal}&nonce=1234&prompt=admin_consent",
            self.login_host()
        ))
    }

    /// The Entra ID authority host, for `aadTenant` and `aadIssuer`.
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "login.microsoftonline.com",
            Cloud::AzureUsGovernment => "login.microsoftonline.us",
            Cloud::AzureChinaCloud => "login.chinacloudapi.cn",
        }
    }

    /// The issuer host of Entra ID tokens for the VPN (`aadIssuer` is `https://{host}/{tenant}/`).
    pub fn sts_host(self) -> &'static str {
        match self {
            Cloud::AzureCloud | Cloud::AzureUsGovernment => "sts.windows.net",
            Cloud::AzureChinaCloud => "sts.chinacloudapi.cn",
        }
    }

    /// The public host suffix of an account's endpoint in this cloud, for hosts-file lines.
    pub fn openai_suffix(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "openai.azure.com",
            Cloud::AzureUsGovernment => "openai.azure.us",
            Cloud::AzureChinaCloud => "openai.azure.cn",
        }
    }

    /// The Azure Resource Manager endpoint (`az cloud show`: `endpoints.resourceManager`).
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "https://management.azure.com",
            Cloud::AzureUsGovernment => "https://management.usgovcloudapi.net",
            Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn",
        }
    }

    /// The audience of tokens for Resource Manager (`az cloud show`:
    /// `endpoints.activeDirectoryResourceId`): the `resource` of managed identity and
    /// `az account get-access-token`; the Entra scope is this followed by `/.default`.
    pub fn arm_audience(self) -> &'static str {
        match self {
            Cloud::AzureCloud => "https://management.core.windows.net/",
            Cloud::AzureUsGovernment => "https://management.core.usgovcloudapi.net/",
            Cloud::AzureChinaCloud => "https://management.core.chinacloudapi.cn/",
        }
    }
}

/// The zone-group configuration name for a zone: its dots turned to hyphens, as the portal names
/// it (the guide: "Configurations name: privatelink-openai-azure-com").
pub fn zone_config_name(zone: &str) -> String {
    zone.replace('.', "-")
}
