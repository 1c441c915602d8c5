//! Azure Resource Manager's template limits. Source: Microsoft Learn, "Resolve errors for job size
//! exceeded" and "ARM template best practices" (Template limits): a template holds at most 800
//! resources (copies counted), 256 parameters, 64 outputs and 4 MB (after expansion, nested inline
//! templates included), each resource definition at most 1 MB; a template expression at most
//! 24,576 characters. Deployment names: "Naming rules and restrictions for Azure resources"
//! (Microsoft.Resources/deployments: 1 to 64 characters, alphanumerics, underscores, parentheses,
//! hyphens and periods).

pub const MAX_RESOURCES: usize = 800;
pub const MAX_PARAMETERS: usize = 256;
pub const MAX_OUTPUTS: usize = 64;
/// The template's size as ARM receives it (`az` and the REST API send it without indentation).
/// "4 MB" is read as 4,000,000 bytes, the smaller of its two readings.
pub const MAX_TEMPLATE_BYTES: usize = 4_000_000;
/// One resource definition (a nested deployment with its inline template is one).
pub const MAX_RESOURCE_BYTES: usize = 1_000_000;
pub const MAX_EXPRESSION_CHARS: usize = 24_576;
pub const MAX_DEPLOYMENT_NAME: usize = 64;
