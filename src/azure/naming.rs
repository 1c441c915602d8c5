//! Resource naming rules.
//!
//! Source: Microsoft Learn, "Naming rules and restrictions for Azure resources"
//! (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules), sections
//! Microsoft.Network, Microsoft.CognitiveServices, Microsoft.Compute and Microsoft.Resources.

/// Which characters a name may hold.
#[derive(Clone, Copy, Debug)]
pub enum Chars {
    /// Letters, digits, underscores, periods and hyphens.
    Network,
    /// Letters, digits and hyphens.
    AlnumHyphen,
    /// Letters, digits, underscores, periods, hyphens and parentheses.
    ResourceGroup,
    /// Anything but `\ / " ' [ ] : | < > + = ; , ? * @ &` and spaces.
    VirtualMachine,
}

#[derive(Clone, Copy, Debug)]
pub struct NameRule {
    pub what: &'static str,
    pub min: usize,
    pub max: usize,
    pub chars: Chars,
}

pub const VIRTUAL_NETWORK: NameRule = NameRule {
    what: "a virtual network",
    min: 2,
    max: 64,
    chars: Chars::Network,
};
pub const SUBNET: NameRule = NameRule {
    what: "a subnet",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const NSG: NameRule = NameRule {
    what: "a network security group",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const NSG_RULE: NameRule = NameRule {
    what: "a security rule",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const PRIVATE_ENDPOINT: NameRule = NameRule {
    what: "a private endpoint",
    min: 2,
    max: 64,
    chars: Chars::Network,
};
pub const NETWORK_INTERFACE: NameRule = NameRule {
    what: "a network interface",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const PUBLIC_IP: NameRule = NameRule {
    what: "a public IP address",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const BASTION: NameRule = NameRule {
    what: "a Bastion host",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const VPN_GATEWAY: NameRule = NameRule {
    what: "a virtual network gateway",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const NAT_GATEWAY: NameRule = NameRule {
    what: "a NAT gateway",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const ROUTE_TABLE: NameRule = NameRule {
    what: "a route table",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const DNS_RESOLVER: NameRule = NameRule {
    what: "a DNS resolver",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const PEERING: NameRule = NameRule {
    what: "a peering",
    min: 1,
    max: 80,
    chars: Chars::Network,
};
pub const COGNITIVE_ACCOUNT: NameRule = NameRule {
    what: "an Azure OpenAI account",
    min: 2,
    max: 64,
    chars: Chars::AlnumHyphen,
};
pub const MODEL_DEPLOYMENT: NameRule = NameRule {
    what: "a model deployment",
    min: 2,
    max: 64,
    chars: Chars::Network,
};
/// Linux VMs allow 64 characters; Windows computer names 15 (checked separately).
pub const VIRTUAL_MACHINE: NameRule = NameRule {
    what: "a virtual machine",
    min: 1,
    max: 64,
    chars: Chars::VirtualMachine,
};
pub const WINDOWS_COMPUTER_NAME_MAX: usize = 15;
pub const RESOURCE_GROUP: NameRule = NameRule {
    what: "a resource group",
    min: 1,
    max: 90,
    chars: Chars::ResourceGroup,
};

/// Source: the official schema of Microsoft.OperationalInsights/workspaces (4 to 63 characters,
/// `^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$`).
pub const LOG_ANALYTICS_WORKSPACE: NameRule = NameRule {
    what: "a Log Analytics workspace",
    min: 4,
    max: 63,
    chars: Chars::AlnumHyphen,
};

/// Checks `name` against `rule`; the error says what is wrong in a sentence.
pub fn check(rule: &NameRule, name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if len < rule.min || len > rule.max {
        return Err(format!(
            "`{name}` has {len} characters; the name of {} must have {} to {}",
            rule.what, rule.min, rule.max
        ));
    }
    let bad = name.chars().find(|&c| !allowed(rule.chars, c));
    if let Some(c) = bad {
        let allowed = match rule.chars {
            Chars::Network => "letters, digits, `_`, `.` and `-`",
            Chars::AlnumHyphen => "letters, digits and `-`",
            Chars::ResourceGroup => "letters, digits, `_`, `.`, `-`, `(` and `)`",
            Chars::VirtualMachine => "letters, digits and `-` (no spaces or punctuation like `@&?*`)",
        };
        return Err(format!(
            "`{name}` contains `{c}`; the name of {} may hold only {allowed}",
            rule.what
        ));
    }
    let first = name.chars().next().expect("non-empty");
    let last = name.chars().last().expect("non-empty");
    let (start_ok, end_ok, ends) = match rule.chars {
        Chars::Network => (
            first.is_ascii_alphanumeric(),
            last.is_ascii_alphanumeric() || last == '_',
            "a letter, digit or `_`",
        ),
        Chars::AlnumHyphen => (
            first.is_ascii_alphanumeric(),
            last.is_ascii_alphanumeric(),
            "a letter or digit",
        ),
        Chars::ResourceGroup => (true, last != '.', "anything but `.`"),
        Chars::VirtualMachine => (first != '_', last != '.' && last != '-', "anything but `.` or `-`"),
    };
    if !start_ok {
        return Err(format!(
            "`{name}` must start with a letter or digit (it names {})",
            rule.what
        ));
    }
    if !end_ok {
        return Err(format!("`{name}` must end with {ends} (it names {})", rule.what));
    }
    Ok(())
}

fn allowed(chars: Chars, c: char) -> bool {
    match chars {
        Chars::Network => c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'),
        Chars::AlnumHyphen => c.is_ascii_alphanumeric() || c == '-',
        Chars::ResourceGroup => c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '(' | ')'),
        Chars::VirtualMachine => {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '\\' | '/'
                        | '"'
                        | '\''
                        | '['
                        | ']'
                        | ':'
                        | '|'
                        | '<'
                        | '>'
                        | '+'
                        | '='
                        | ';'
                        | ','
                        | '?'
                        | '*'
                        | '@'
                        | '&'
                        | '~'
                        | '!'
                        | '#'
                        | '$'
                        | '%'
                        | '^'
                        | '('
                        | ')'
                        | '{'
                        | '}'
                )
        }
    }
}

/// The workload name of a topology: used in every derived name, so it is kept short and plain.
/// Source: TOPOLOGY.md (`^[a-z][a-z0-9-]{1,22}[a-z0-9]$`).
pub fn check_workload(name: &str) -> Result<(), String> {
    let ok = name.len() >= 3
        && name.len() <= 24
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not a valid workload name: use 3 to 24 lowercase letters, digits and `-`, starting with a letter and not ending with `-`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_names() {
        assert!(check(&VIRTUAL_NETWORK, "vnet-contoso-hub").is_ok());
        assert!(check(&VIRTUAL_NETWORK, "v").unwrap_err().contains("2 to 64"));
        assert!(check(&VIRTUAL_NETWORK, "vnet hub")
            .unwrap_err()
            .contains("contains ` `"));
        assert!(check(&VIRTUAL_NETWORK, "vnet-").unwrap_err().contains("must end"));
        assert!(check(&SUBNET, "AzureBastionSubnet").is_ok());
    }

    #[test]
    fn account_and_workload_names() {
        assert!(check(&COGNITIVE_ACCOUNT, "oai-contoso").is_ok());
        assert!(check(&COGNITIVE_ACCOUNT, "oai_contoso").is_err());
        assert!(check_workload("contoso").is_ok());
        assert!(check_workload("Contoso").is_err());
        assert!(check_workload("ab-").is_err());
        assert!(check_workload("x").is_err());
    }
}
