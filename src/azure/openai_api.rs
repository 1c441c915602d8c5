//! The Azure OpenAI data plane, as `doctor --api` calls it.

/// The token audience of Azure OpenAI (and every Cognitive Services account) with Entra ID: the
/// `resource` a managed identity or `az account get-access-token --resource` asks for; the scope
/// is this followed by `/.default`. Source: Microsoft Learn, "How to configure Azure OpenAI in
/// Azure AI Foundry Models with Microsoft Entra ID authentication" (`az account get-access-token
/// --resource https://cognitiveservices.azure.com`) and "Role-based access control for Azure
/// OpenAI". Documented for the public cloud; the sovereign clouds are not covered here.
pub const AUDIENCE: &str = "https://cognitiveservices.azure.com";

/// A request any role that may call the API may make, that needs no deployment name, and that
/// changes nothing: list the models the account can use. Source: Microsoft Learn, "Azure OpenAI
/// REST API reference: Models - List" (`GET {endpoint}/openai/models?api-version=2024-10-21`,
/// a GA version; the Cognitive Services OpenAI User role includes the
/// `Microsoft.CognitiveServices/accounts/OpenAI/*/read` data actions).
pub const MODELS_PATH: &str = "/openai/models?api-version=2024-10-21";

/// What Azure OpenAI answers (403) when a request arrives at the public endpoint of an account
/// whose public network access is disabled: "Public access is disabled. Please configure private
/// endpoint." Not in Microsoft's reference; the service's text as users report it
/// (Azure-Samples/azure-search-openai-demo issue 1157, TabularEditor/TabularEditor3 issue 1557).
pub const PUBLIC_ACCESS_DISABLED: &str = "Public access is disabled";

/// The error code Azure OpenAI gives a valid token whose principal has no role that allows the
/// call: 401 `PermissionDenied`, "Principal does not have access to API/Operation" or "lacks the
/// required data action". Not in Microsoft's reference; as users report it (MicrosoftDocs/azure-docs
/// issue 114370, microsoft/semantic-kernel issue 10020).
pub const PERMISSION_DENIED: &str = "PermissionDenied";
