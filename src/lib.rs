//! aoai-vnet: compiles a topology file into Azure deployment files that put an Azure OpenAI
//! account inside a virtual network.
//!
//! The pipeline: `yaml` (text to a span-aware tree) -> `syntax` (the file as written) -> `check`
//! (the `model`, or diagnostics) -> `lower` (the `ir`) -> `emit` (files). `compile` runs it.

pub mod azure;
pub mod check;
pub mod cli;
pub mod codes;
pub mod deploy;
pub mod diag;
pub mod doctor;
pub mod emit;
pub mod input;
pub mod ir;
pub mod layout;
pub mod lower;
pub mod model;
mod notes;
pub mod output;
pub mod source;
pub mod syntax;
pub mod term;
pub mod tools;
pub mod yaml;

use diag::{Diagnostic, Diagnostics};
use model::Model;
use source::SourceFile;

/// What `build` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `main.json` and `main.parameters.json`.
    Arm,
    /// `main.bicep` and `main.bicepparam`, and the modules in `modules/` when the deployment is
    /// nested.
    Bicep,
    /// Both forms: the ARM files, then the Bicep files.
    All,
}

/// A generated file: its name in the output folder (`main.json`, or one level below it:
/// `modules/contoso-main-1.bicep`) and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug)]
pub struct Compiled {
    pub model: Model,
    pub template: ir::Template,
    pub files: Vec<OutputFile>,
    /// Facts the user needs that are not in the files (hosts lines when DNS is not managed).
    pub notes: Vec<String>,
}

/// Parses and checks a topology, including ARM's template limits on what it would become.
/// Diagnostics come back sorted, with their YAML paths.
pub fn check_source(file: &SourceFile) -> (Option<Model>, Vec<Diagnostic>) {
    let (checked, diags) = analyze(file);
    (checked.map(|c| c.model), diags)
}

/// What a topology that passed every check becomes: the model, the IR and the ARM template.
struct Checked {
    model: Model,
    template: ir::Template,
    layout: layout::Layout,
    arm: serde_json::Value,
}

/// `check_rules`, then lowering and ARM's template limits, which only the emitted template can
/// tell (E0808).
fn analyze(file: &SourceFile) -> (Option<Checked>, Vec<Diagnostic>) {
    let (model, mut diags) = check_rules(file);
    let Some(model) = model else {
        return (None, diags);
    };
    let template = lower::lower(&model);
    // Measured on the ARM template whichever form is written: Bicep compiles to the same one.
    let layout = layout::layout(&template, &template.workload);
    let arm = emit::arm::template_in(&template, &layout);
    let over = emit::limits::scan(&arm);
    if !over.is_empty() {
        let mut d = Diagnostic::error(
            "E0808",
            model.vnets_span,
            format!("the deployment would pass ARM's template limits: {}", over.join("; ")),
        );
        d.path = model.vnets_span.map(|_| "vnets".to_string());
        d.set_help("deploy the estate as several topologies (for example one per hub, each with its own private endpoint), or remove VNets");
        diags.push(d);
        return (None, diags);
    }
    (
        Some(Checked {
            model,
            template,
            layout,
            arm,
        }),
        diags,
    )
}

/// The rules of `check` over the topology text.
fn check_rules(file: &SourceFile) -> (Option<Model>, Vec<Diagnostic>) {
    let root = match yaml::parse(&file.text) {
        Ok(root) => root,
        Err(d) => return (None, vec![d]),
    };
    let mut diags = Diagnostics::default();
    let topology = syntax::decode(&root, &mut diags);
    let model = check::check(&topology, &mut diags);
    let model = if diags.has_errors() { None } else { model };
    let mut out = diags.sorted();
    for d in &mut out {
        if let Some(span) = d.span {
            d.path = Some(yaml::path_at(&root, span.start));
        }
    }
    (model, out)
}

/// The whole pipeline. Files are produced only when there is no error.
pub fn compile(file: &SourceFile, target: Target) -> (Option<Compiled>, Vec<Diagnostic>) {
    let (checked, diags) = analyze(file);
    let Some(Checked {
        model,
        template,
        layout,
        arm,
    }) = checked
    else {
        return (None, diags);
    };
    // The hub owners' side of peerings with existing VNets (`platform/`), after each form's
    // own files: `all` is the ARM files, then the Bicep files.
    let platform = lower::platform::lower(&model, &template);
    let bases: Vec<String> = platform
        .iter()
        .map(|(v, _)| platform_file(&model, *v, platform.len()))
        .collect();
    let mut files = Vec::new();
    if matches!(target, Target::Arm | Target::All) {
        files.push(OutputFile {
            name: "main.json".into(),
            text: emit::arm::template_text(&arm),
        });
        files.push(OutputFile {
            name: "main.parameters.json".into(),
            text: emit::arm::to_text(&emit::arm::parameters(&template)),
        });
        for ((_, t), base) in platform.iter().zip(&bases) {
            files.push(OutputFile {
                name: format!("{base}.json"),
                text: emit::arm::template_text(&emit::arm::template(t)),
            });
            files.push(OutputFile {
                name: format!("{base}.parameters.json"),
                text: emit::arm::to_text(&emit::arm::parameters(t)),
            });
        }
    }
    if matches!(target, Target::Bicep | Target::All) {
        files.extend(emit::bicep::files_in(&template, &layout));
        for ((_, t), base) in platform.iter().zip(&bases) {
            files.extend(emit::bicep::flat_files(t, base));
        }
    }
    let mut notes = notes::notes(&model);
    for ((v, _), base) in platform.iter().zip(&bases) {
        notes.push(notes::platform(&model, *v, base));
    }
    (
        Some(Compiled {
            model,
            template,
            files,
            notes,
        }),
        diags,
    )
}

/// The base name of the platform files of existing VNet `v` (`platform/peerings`, or
/// `platform/peerings-{key}` when several existing VNets have such files).
pub fn platform_file(m: &Model, v: model::VnetId, count: usize) -> String {
    let dir = output::PLATFORM_DIR;
    if count == 1 {
        format!("{dir}/peerings")
    } else {
        format!("{dir}/peerings-{}", m.vnets[v].key)
    }
}

/// The account's host names, one per zone of its kind and cloud (`contoso.openai.azure.com`).
pub fn host_names(m: &Model) -> Vec<String> {
    m.cloud
        .zones(m.openai.kind == model::AccountKind::AiServices)
        .iter()
        .map(|z| {
            format!(
                "{}.{}",
                m.openai.custom_subdomain,
                z.name.trim_start_matches("privatelink.")
            )
        })
        .collect()
}

/// The JSON schema of the topology language (`aoai-vnet schema`).
pub const TOPOLOGY_SCHEMA: &str = include_str!("../schemas/topology.schema.json");
