//! Azure Resource Manager's template limits.

/// ARM's limit of resources in one template. Source: Microsoft Learn, "Resolve errors for job
/// size exceeded" / "Template limits" (800 resources, 256 parameters, 64 outputs, 4 MB).
pub const MAX_RESOURCES: usize = 800;
