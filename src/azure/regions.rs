//! Azure regions by cloud (short names, as `az account list-locations --query [].name` prints
//! them for physical regions), and the regions that offer Azure OpenAI.
//!
//! Sources: Microsoft Learn, "Azure geographies / regions list" (`az account list-locations`),
//! "Azure Government: compare regions" (learn.microsoft.com/azure/azure-government), "Azure
//! operated by 21Vianet regions" (docs.azure.cn), and "Azure OpenAI model availability"
//! (learn.microsoft.com/azure/ai-foundry/openai/concepts/models, standard deployment regions).

use super::clouds::Cloud;

pub const AZURE_CLOUD: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "chilecentral",
    "denmarkeast",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
];

pub const AZURE_US_GOVERNMENT: &[&str] = &[
    "usdodcentral",
    "usdodeast",
    "usgovarizona",
    "usgovtexas",
    "usgovvirginia",
];

pub const AZURE_CHINA_CLOUD: &[&str] = &[
    "chinaeast",
    "chinaeast2",
    "chinaeast3",
    "chinanorth",
    "chinanorth2",
    "chinanorth3",
];

/// Regions where Azure OpenAI accounts can be created (any deployment type).
pub const OPENAI: &[&str] = &[
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "canadaeast",
    "centralus",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "italynorth",
    "japaneast",
    "koreacentral",
    "northcentralus",
    "norwayeast",
    "polandcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "switzerlandwest",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus",
    "westus3",
    "usgovarizona",
    "usgovvirginia",
    "chinaeast2",
    "chinanorth3",
];

pub fn of(cloud: Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::AzureCloud => AZURE_CLOUD,
        Cloud::AzureUsGovernment => AZURE_US_GOVERNMENT,
        Cloud::AzureChinaCloud => AZURE_CHINA_CLOUD,
    }
}

/// Which cloud a region belongs to, if any.
pub fn cloud_of(region: &str) -> Option<Cloud> {
    [Cloud::AzureCloud, Cloud::AzureUsGovernment, Cloud::AzureChinaCloud]
        .into_iter()
        .find(|c| of(*c).contains(&region))
}

/// Regions with availability zones. Source: Microsoft Learn, "Azure regions list"
/// (learn.microsoft.com/azure/reliability/regions-list, updated 2025-09-23: the "Availability zone
/// support" column) and "Availability zone service and regional support" for the sovereign clouds
/// (US Gov Virginia; China North 3). A resource with `zones` anywhere else is refused by ARM with
/// `LocationNotSupportAvailabilityZones`.
pub const AVAILABILITY_ZONES: &[&str] = &[
    "australiaeast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "chilecentral",
    "denmarkeast",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "koreacentral",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus2",
    "westus3",
    "usgovvirginia",
    "chinanorth3",
];

/// Whether a region has availability zones (so zone-redundant resources can be deployed there).
pub fn has_availability_zones(region: &str) -> bool {
    AVAILABILITY_ZONES.contains(&region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_regions_are_known_regions() {
        for r in AVAILABILITY_ZONES {
            assert!(cloud_of(r).is_some(), "{r} is in no cloud's region list");
        }
        assert!(has_availability_zones("eastus2"));
        for r in ["westus", "northcentralus", "ukwest", "usgovarizona", "chinaeast2"] {
            assert!(!has_availability_zones(r), "{r}");
        }
    }
}
