//! Model deployments: the deployment type the cloud offers, the capacity, and the model's format
//! (its publisher), which Azure refuses when it does not match the model.

use super::Ctx;
use crate::azure::{models, naming, skus};
use crate::model::ModelDeployment;
use crate::syntax::{self, Str};

/// Capacity (thousands of tokens per minute) when the topology gives none.
pub const DEFAULT_CAPACITY: u64 = 10;

pub(super) fn check(cx: &mut Ctx, account: &str, key: &Str, d: &syntax::ModelDeployment) -> ModelDeployment {
    cx.name(&naming::MODEL_DEPLOYMENT, account, &key.value, key.span);
    let sku = match &d.sku {
        None => skus::default_deployment_sku(cx.cloud),
        Some(s) => cloud_sku(cx, s).unwrap_or(skus::default_deployment_sku(cx.cloud)),
    };
    let capacity = match &d.capacity {
        Some(c) if c.value == 0 => {
            cx.error("E0007", c.span, "`capacity` must be at least 1");
            1
        }
        Some(c) => c.value,
        None => DEFAULT_CAPACITY,
    };
    let model = d.model.as_ref().map(|m| m.value.clone()).unwrap_or_default();
    let format = d
        .model
        .as_ref()
        .map(|m| format(cx, key, m, d.format.as_ref()))
        .unwrap_or_default();
    ModelDeployment {
        name: key.value.clone(),
        model,
        version: d.version.as_ref().map(|v| v.value.clone()),
        format,
        sku: sku.to_string(),
        capacity,
    }
}

/// A deployment type: one Azure knows, then one the topology's cloud offers.
fn cloud_sku(cx: &mut Ctx, s: &Str) -> Option<&'static str> {
    let sku = cx.one_of(s, skus::DEPLOYMENT_SKUS, "E0007", "deployment SKU")?;
    let (offered, documented) = skus::deployment_skus(cx.cloud);
    if offered.contains(&sku) {
        return Some(sku);
    }
    let cloud = cx.cloud.name();
    let default = skus::default_deployment_sku(cx.cloud);
    if documented {
        cx.error(
            "E0804",
            s.span,
            format!("{cloud} does not offer the deployment type `{sku}`"),
        )
        .set_help(format!(
            "{cloud} offers {}; the default there is `{}`",
            list(offered),
            default
        ));
        None
    } else {
        cx.warning(
            "W0021",
            s.span,
            format!("Azure does not document the deployment type `{sku}` for {cloud}"),
        )
        .set_help(format!(
            "`{default}` is offered in every Azure OpenAI region; check the model's availability in {cloud} before deploying"
        ));
        Some(sku)
    }
}

/// The model's format: the one the table gives for its name, or the one the topology sets
/// (required when the table does not know the model; refused when it contradicts the table).
fn format(cx: &mut Ctx, key: &Str, model: &Str, given: Option<&Str>) -> String {
    let known = models::format_of(&model.value);
    match (known, given) {
        (Some(k), None) => k.to_string(),
        (Some(k), Some(g)) if g.value.eq_ignore_ascii_case(k) => k.to_string(),
        (Some(k), Some(g)) => {
            cx.error(
                "E0805",
                g.span,
                format!("model `{}` is published by {k}, not `{}`", model.value, g.value),
            )
            .set_help(format!("set `format: {k}` or leave `format` out"));
            k.to_string()
        }
        (None, Some(g)) => {
            // Known formats in their canonical spelling; others as written (new publishers).
            match models::KNOWN_FORMATS.iter().find(|f| f.eq_ignore_ascii_case(&g.value)) {
                Some(f) => f.to_string(),
                None => g.value.clone(),
            }
        }
        (None, None) => {
            let d = cx.error(
                "E0805",
                model.span,
                format!(
                    "deployment `{}`: the format (publisher) of model `{}` is not known",
                    key.value, model.value
                ),
            );
            d.set_help(format!(
                "add `format:` with the model's publisher as the Foundry catalog names it: one of {} or another publisher's",
                list(models::KNOWN_FORMATS)
            ));
            String::new()
        }
    }
}

fn list(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}
