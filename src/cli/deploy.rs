//! `aoai-vnet deploy`: compile the topology, then deploy its ARM template through the Resource
//! Manager REST API (`crate::deploy`): create the resource group if missing, validate, then
//! what-if (quiet: `deploy::noise`; or all of it) or deploy and follow the deployment to its end;
//! print and save the outputs. `--stack` deploys the same template as a deployment stack.
//!
//! Exit codes: 0 deployed (or validated, or what-if shown, or the user declined); 1 the topology
//! has errors; 2 usage (a missing parameter, no `--yes` when not interactive, a bad endpoint);
//! 4 Azure refused or failed the deployment (or no credential could sign in); 5 the network or a
//! file failed; 130 interrupted.

use super::hosts::DEFAULT_OUTPUTS;
use super::{read, report, DEFAULT_FILE, EXIT_AZURE, EXIT_IO, EXIT_OK, EXIT_TOPOLOGY, EXIT_USAGE};
use crate::deploy::credentials::{self, AuthMode, CloudAuth};
use crate::deploy::error::{hints, ArmError, Error};
use crate::deploy::params::{self, Assignment};
use crate::deploy::progress::{human, Progress};
use crate::deploy::{self as dep, noise, whatif, Arm, Client, Deployable, Deployment, Scope, TemplateScope};
use crate::{compile, Target};
use clap::ValueEnum;
use serde_json::Value;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// The resource group to deploy into; created in the topology's `location` when missing.
    /// Default: the topology's `resource_group`. With resources in several groups (a
    /// subscription-scope template), the group of those that name none.
    #[arg(long, short = 'g', value_name = "RG")]
    pub resource_group: Option<String>,
    /// The subscription ID. Default: AZURE_SUBSCRIPTION_ID, else the Azure CLI's current one.
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
    /// The deployment's name in Azure. Default: `aoai-vnet-{name}` (the topology's `name`).
    #[arg(long, short = 'n')]
    pub name: Option<String>,
    /// Validate, show what would change (ARM what-if), and deploy nothing. Changes Azure's
    /// what-if reports that are not changes (properties Azure fills in, the resources it creates
    /// for a private endpoint) are hidden and counted.
    #[arg(long, conflicts_with = "validate_only")]
    pub what_if: bool,
    /// As --what-if, showing everything Azure's what-if reports, the changes that are not changes
    /// included.
    #[arg(long, conflicts_with = "validate_only")]
    pub what_if_all: bool,
    /// Validate the deployment with Azure Resource Manager and deploy nothing.
    #[arg(long)]
    pub validate_only: bool,
    /// Deploy as a deployment stack of the same name and scope: deny settings
    /// (denyWriteAndDelete, child scopes included) keep everyone but the deploying principal from
    /// changing or deleting what it deploys and what lies below it (re-opening the account's
    /// network, removing a subnet's NSG), and a resource the topology no longer holds is
    /// detached, left in Azure unprotected, never deleted (actionOnUnmanage detach). Needs
    /// permission to manage deny settings (Owner, or Azure Deployment Stack Owner).
    #[arg(long)]
    pub stack: bool,
    /// Deploy without showing the what-if and asking; required when not interactive (CI set,
    /// or standard input is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// A template parameter: `KEY=VALUE`, or `KEY=@FILE` for a file's content (repeatable).
    #[arg(long = "parameter", short = 'p', value_name = "KEY=VALUE|KEY=@FILE")]
    pub parameters: Vec<Assignment>,
    /// The Resource Manager endpoint (also AOAI_VNET_ARM_ENDPOINT). Default: the topology's
    /// cloud's. Plain http:// only for loopback addresses.
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<String>,
    /// Where the token comes from; `auto`: service principal, workload identity, managed identity
    /// (only with IDENTITY_ENDPOINT), then the Azure CLI.
    #[arg(long, value_enum, default_value_t = AuthArg::Auto)]
    pub auth: AuthArg,
    /// Where to write the deployment's outputs (read by `aoai-vnet hosts`).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_OUTPUTS)]
    pub outputs_file: PathBuf,
    /// How long to wait for Azure to finish validating, the what-if and the deployment before
    /// this command stops waiting (the deployment goes on in Azure): minutes, or a number with
    /// `s`, `m` or `h`.
    #[arg(long, value_name = "DURATION", default_value = "180m", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
}

fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().last() {
        Some((i, 's')) => (&t[..i], 1.0),
        Some((i, 'm')) => (&t[..i], 60.0),
        Some((i, 'h')) => (&t[..i], 3600.0),
        _ => (t, 60.0),
    };
    match num.trim().parse::<f64>() {
        Ok(n) if n > 0.0 => std::time::Duration::try_from_secs_f64(n * unit).map_err(|_| format!("`{s}` is too long")),
        _ => Err(format!("`{s}` is not a duration such as 90m, 2h or 45s")),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AuthArg {
    Auto,
    Cli,
    Env,
    Workload,
    ManagedIdentity,
}

/// The parameter of a subscription-scope template that names the default resource group.
const RG_PARAMETER: &str = "resourceGroupName";

/// What Ctrl-C prints: updated as the run goes (nothing done yet, group created, deploying).
static INTERRUPT_NOTE: Mutex<String> = Mutex::new(String::new());

fn set_interrupt_note(s: String) {
    *INTERRUPT_NOTE.lock().unwrap_or_else(|e| e.into_inner()) = s;
}

pub(super) fn run(a: &DeployArgs) -> u8 {
    match deploy(a) {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            exit_code(&e)
        }
    }
}

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Usage(_) => EXIT_USAGE,
        Error::Azure(_) | Error::Failed(_) | Error::Credential(_) => EXIT_AZURE,
        Error::Network(_) | Error::File(_) => EXIT_IO,
    }
}

fn env(name: &str) -> Option<String> {
    credentials::process_env(name)
}

/// CI systems set `CI` (GitHub Actions, Azure Pipelines' `TF_BUILD` aside, GitLab, ...).
fn in_ci() -> bool {
    env("CI").is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "false" | "0"))
}

fn deploy(a: &DeployArgs) -> Result<u8, Error> {
    // 1. Compile: the same template `build --target arm` writes.
    let file = match read(&a.file) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let (compiled, diags) = compile(&file, Target::Arm);
    report(&file, &diags, false);
    let Some(c) = compiled else {
        return Ok(EXIT_TOPOLOGY);
    };
    // What `build` would say beside the files: the hub owners' side of peerings (`platform/`,
    // which this command does not deploy), who adds the zone group, the hosts lines.
    for n in &c.notes {
        eprintln!("note: {n}");
    }
    let main = c
        .files
        .iter()
        .find(|f| f.name == "main.json")
        .expect("the ARM target always produces main.json");
    let template: Value = serde_json::from_str(&main.text).expect("the emitter writes valid JSON");
    let model = &c.model;

    // 2. Everything that can be checked without the network.
    let name = a.name.clone().unwrap_or_else(|| format!("aoai-vnet-{}", model.name));
    dep::check_deployment_name(&name)?;
    let kind = dep::template_scope(&template)?;
    let mut given = a.parameters.clone();
    let resource_group = match kind {
        TemplateScope::ResourceGroup => {
            let Some(rg) = a.resource_group.clone().or_else(|| model.resource_group.clone()) else {
                return Err(Error::Usage(
                    "no resource group: pass --resource-group RG (or set `resource_group` in the topology)".into(),
                ));
            };
            dep::check_resource_group(&rg)?;
            Some(rg)
        }
        TemplateScope::Subscription => {
            // A subscription-scope template creates its resource groups; the default one (for
            // what names none) is its `resourceGroupName` parameter, which --resource-group sets.
            if let Some(rg) = &a.resource_group {
                dep::check_resource_group(rg)?;
                let declared = template.get("parameters").and_then(|p| p.get(RG_PARAMETER)).is_some();
                if !declared {
                    eprintln!("note: --resource-group is not used: this subscription-scope template creates its own resource groups");
                } else if given.iter().any(|p| p.name.eq_ignore_ascii_case(RG_PARAMETER)) {
                    return Err(Error::Usage(format!(
                        "--resource-group and --parameter {RG_PARAMETER}=... both set the default resource group: pass one"
                    )));
                } else {
                    given.push(Assignment {
                        name: RG_PARAMETER.into(),
                        value: params::Source::Literal(rg.clone()),
                    });
                }
            }
            None
        }
    };
    let parameters = params::resolve(&template, &given)?;
    let interactive = std::io::stdin().is_terminal() && !in_ci();
    let what_if = a.what_if || a.what_if_all;
    let dry = what_if || a.validate_only;
    if !interactive && !a.yes && !dry {
        let why = if in_ci() {
            "CI is set"
        } else {
            "standard input is not a terminal"
        };
        return Err(Error::Usage(format!(
            "not interactive ({why}): pass --yes to deploy without confirmation, or --what-if to preview"
        )));
    }
    let cloud = model.cloud;
    let endpoint = a
        .arm_endpoint
        .clone()
        .or_else(|| env("AOAI_VNET_ARM_ENDPOINT"))
        .unwrap_or_else(|| cloud.arm_endpoint().to_string());
    dep::client::check_url(&endpoint).map_err(|e| Error::Usage(format!("Resource Manager endpoint: {e}")))?;
    let http = Client::from_env()?;
    let subscription = match a.subscription.clone().or_else(|| env("AZURE_SUBSCRIPTION_ID")) {
        Some(s) => s,
        None => credentials::cli_subscription().map_err(|e| {
            Error::Usage(format!(
                "no subscription: pass --subscription ID or set AZURE_SUBSCRIPTION_ID (the Azure CLI's current subscription is unknown: {e})"
            ))
        })?,
    };
    dep::check_subscription(&subscription)?;
    let mode = match a.auth {
        AuthArg::Auto => AuthMode::Auto,
        AuthArg::Cli => AuthMode::Cli,
        AuthArg::Env => AuthMode::Env,
        AuthArg::Workload => AuthMode::Workload,
        AuthArg::ManagedIdentity => AuthMode::ManagedIdentity,
    };
    let auth = CloudAuth {
        authority: format!("https://{}", cloud.login_host()),
        audience: cloud.arm_audience().to_string(),
    };
    let (credential, notes) = credentials::select(mode, &env, &auth, Some(&subscription))?;
    for n in notes {
        eprintln!("note: {n}");
    }
    let mut arm = Arm::new(&endpoint, credential, http)?;
    arm.set_deadline(a.timeout);
    let scope = match &resource_group {
        Some(rg) => Scope::ResourceGroup {
            subscription: subscription.clone(),
            resource_group: rg.clone(),
        },
        None => Scope::Subscription {
            subscription: subscription.clone(),
        },
    };
    let d = Deployment {
        scope,
        name: name.clone(),
        location: model.location.clone(),
        template,
        parameters,
    };
    let target = match &resource_group {
        Some(rg) => format!("resource group {rg}"),
        None => format!("subscription scope ({})", model.location),
    };
    let kind = if a.stack { "deployment stack" } else { "deployment" };
    eprintln!("{kind} {name} -> {target}, subscription {subscription}");
    eprintln!("  Resource Manager: {}", arm.endpoint());
    eprintln!("  credential: {}", arm.credential());

    // 3. Talk to Azure.
    set_interrupt_note("nothing was deployed".into());
    install_interrupt_handler();
    arm.sign_in()?;
    // A stack: the deploying principal, excluded from its deny settings.
    let stack = if a.stack {
        let principal = arm.principal_id()?;
        eprintln!("  deny settings: denyWriteAndDelete on what the stack deploys and below it, except for the deploying principal {principal}");
        eprintln!("  resources the topology no longer holds are detached (left in Azure), never deleted");
        Some(dep::Stack {
            deployment: d.clone(),
            excluded_principal: principal,
        })
    } else {
        None
    };
    if let Some(rg) = &resource_group {
        if arm.resource_group_exists(&subscription, rg)? {
            eprintln!("resource group {rg} exists");
        } else {
            arm.create_resource_group(&subscription, rg, &model.location)?;
            eprintln!("created resource group {rg} in {}", model.location);
            set_interrupt_note(format!(
                "nothing was deployed (the resource group {rg} was created and is empty)"
            ));
        }
    }
    match &stack {
        Some(s) => arm.validate(s)?,
        None => arm.validate(&d)?,
    };
    eprintln!("validation passed");
    if a.validate_only {
        return Ok(EXIT_OK);
    }
    if what_if || (interactive && !a.yes) {
        let reported = crate::term::clean_json(&arm.what_if(&d)?);
        let (result, hidden) = if a.what_if_all {
            (reported, String::new())
        } else {
            let q = noise::quiet(&reported);
            let note = whatif::hidden_note(&q);
            (q.result, note)
        };
        let color = std::io::stdout().is_terminal() && env("NO_COLOR").is_none();
        print!(
            "{}{hidden}",
            whatif::render_expecting(&result, color, &expected_by_policy(model))
        );
        if stack.is_some() {
            println!("(The what-if of the template as a deployment: the stack deploys the same resources and adds its deny assignments.)");
        }
        let _ = std::io::stdout().flush();
        if what_if {
            return Ok(EXIT_OK);
        }
        let question = if whatif::has_changes(&result) {
            format!("Deploy these changes to {target}? [y/N] ")
        } else {
            "Nothing would change. Deploy anyway? [y/N] ".to_string()
        };
        if !confirm(&question) {
            eprintln!("nothing was deployed");
            return Ok(EXIT_OK);
        }
    }

    // 4. Deploy and follow.
    set_interrupt_note(follow_note(&d, a.stack, true));
    let terminal = std::io::stderr().is_terminal();
    let color = terminal && env("NO_COLOR").is_none();
    let mut progress = Progress::new(dep::resource_count(&d.template), terminal, color);
    eprintln!("deploying {name} (Ctrl-C stops following it; the {kind} goes on in Azure)");
    let mut following = false;
    let result = match &stack {
        Some(s) => start_and_follow(&arm, s, &mut progress, &mut following),
        None => start_and_follow(&arm, &d, &mut progress, &mut following),
    };
    progress.finish();
    let took = human(progress.elapsed());
    set_interrupt_note(format!("the deployment {name} has ended"));
    let outputs = match result {
        Ok(o) => o,
        Err(Error::Failed(f)) => {
            print_failure(&name, &took, &f);
            return Ok(EXIT_AZURE);
        }
        Err(e) if following => {
            // Azure accepted the deployment: whatever failed here, it may still be running.
            print_error(&e);
            eprintln!("note: {}", follow_note(&d, a.stack, false));
            return Ok(exit_code(&e));
        }
        Err(e) => return Err(e),
    };
    eprintln!("{kind} {name} succeeded in {took}");
    print_outputs(&outputs);
    match dep::write_outputs(&a.outputs_file, &outputs) {
        Ok(()) => {
            eprintln!("wrote {}", a.outputs_file.display());
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("error: the deployment succeeded, but its outputs could not be saved: {e}");
            Ok(EXIT_IO)
        }
    }
}

/// PUTs `d` and follows it; `following` is set once Azure accepted it.
fn start_and_follow(
    arm: &Arm,
    d: &impl Deployable,
    progress: &mut Progress,
    following: &mut bool,
) -> Result<Value, Error> {
    let started = arm.start(d)?;
    *following = true;
    arm.follow(d, started, progress)
}

fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// How to follow or cancel a deployment that goes on after this command stopped.
/// `interrupted`: the user stopped this command (else it failed while following).
fn follow_note(d: &Deployment, stack: bool, interrupted: bool) -> String {
    if stack {
        return stack_follow_note(d, interrupted);
    }
    let (show, ops, cancel) = match &d.scope {
        Scope::ResourceGroup {
            subscription,
            resource_group,
        } => {
            let at = format!("-g {resource_group} -n {} --subscription {subscription}", d.name);
            (
                format!("az deployment group show {at} --query properties.provisioningState"),
                format!("az deployment operation group list {at} -o table"),
                format!("az deployment group cancel {at}"),
            )
        }
        Scope::Subscription { subscription } => {
            let at = format!("-n {} --subscription {subscription}", d.name);
            (
                format!("az deployment sub show {at} --query properties.provisioningState"),
                format!("az deployment operation sub list {at} -o table"),
                format!("az deployment sub cancel {at}"),
            )
        }
    };
    let status = if interrupted {
        "goes on in Azure; this command only stopped following it"
    } else {
        "may still be running in Azure; this command could not follow it to its end"
    };
    format!(
        "the deployment {} {status}.\n  follow it:  {show}\n  operations: {ops}\n  cancel it:  {cancel}\n  (or the Deployments page of the resource group or subscription in the portal)",
        d.name
    )
}

/// `follow_note` for a deployment stack: `az stack` shows it; what runs is the stack's deployment.
fn stack_follow_note(d: &Deployment, interrupted: bool) -> String {
    let at = match &d.scope {
        Scope::ResourceGroup {
            subscription,
            resource_group,
        } => format!(
            "group show -g {resource_group} -n {} --subscription {subscription}",
            d.name
        ),
        Scope::Subscription { subscription } => format!("sub show -n {} --subscription {subscription}", d.name),
    };
    let status = if interrupted {
        "goes on in Azure; this command only stopped following it"
    } else {
        "may still be running in Azure; this command could not follow it to its end"
    };
    format!(
        "the deployment stack {} {status}.\n  follow it:  az stack {at} --query provisioningState\n  its deployment: az stack {at} --query deploymentId (cancel that deployment to stop it)",
        d.name
    )
}

fn install_interrupt_handler() {
    // Also SIGTERM (the `termination` feature): CI systems stop a cancelled job with it.
    let result = ctrlc::set_handler(|| {
        // An outputs file being written is left as it was.
        crate::output::abandon();
        let note = INTERRUPT_NOTE.lock().map(|n| n.clone()).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        if err.is_terminal() {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "\ninterrupted: {note}");
        let _ = err.flush();
        std::process::exit(130);
    });
    if let Err(e) = result {
        eprintln!("note: Ctrl-C cannot be handled ({e})");
    }
}

fn print_outputs(outputs: &Value) {
    let Some(map) = outputs.as_object() else {
        return;
    };
    let mut out = std::io::stdout().lock();
    for (k, v) in map {
        let shown = match v.get("value") {
            _ if dep::is_secure_output(v) => "(secure value, not shown)".into(),
            Some(Value::String(s)) => crate::term::clean(s).into_owned(),
            Some(other) => crate::term::clean(&other.to_string()).into_owned(),
            None => "(no value)".into(),
        };
        let _ = writeln!(out, "{}: {shown}", crate::term::clean(k));
    }
}

fn print_error(e: &Error) {
    match e {
        Error::Azure(x) => {
            eprintln!("error: {} failed: Azure answered HTTP {}", x.during, x.status);
            let mut s = String::new();
            x.error.render(2, &mut s);
            eprint!("{s}");
            print_hints(&[&x.error]);
            if let Some(id) = &x.correlation_id {
                eprintln!("  = correlation id: {}", crate::term::clean(id));
            }
        }
        Error::Failed(f) => print_failure("", "", f),
        Error::Credential(m) => eprintln!("error: cannot sign in to Azure: {}", crate::term::clean(m)),
        Error::Usage(m) | Error::Network(m) | Error::File(m) => eprintln!("error: {}", crate::term::clean(m)),
    }
}

fn print_failure(name: &str, took: &str, f: &dep::error::Failure) {
    let after = if took.is_empty() {
        String::new()
    } else {
        format!(" after {took}")
    };
    let which = if name.is_empty() {
        String::new()
    } else {
        format!(" {name}")
    };
    eprintln!(
        "error: the deployment{which} ended {}{after}",
        crate::term::clean(&f.state)
    );
    let mut s = String::new();
    if let Some(e) = &f.error {
        e.render(2, &mut s);
    }
    if !f.failed.is_empty() {
        s.push_str("  failed operations:\n");
        for op in &f.failed {
            s.push_str(&format!(
                "  - {} {}\n",
                crate::term::clean(&op.resource_type),
                crate::term::clean(&op.resource_name)
            ));
            if let Some(e) = &op.error {
                e.render(6, &mut s);
            }
        }
    }
    eprint!("{s}");
    let mut all: Vec<&ArmError> = f.error.iter().collect();
    all.extend(f.failed.iter().filter_map(|o| o.error.as_ref()));
    print_hints(&all);
}

fn print_hints(errors: &[&ArmError]) {
    for h in hints(errors) {
        eprintln!("  = help: {h}");
    }
}

/// Under `dns.mode: policy`, the zone group that Azure Policy adds to each endpoint: what-if
/// lists it as a resource the template ignores, which is what the topology asked for.
fn expected_by_policy(m: &crate::model::Model) -> Vec<whatif::Expected> {
    if !matches!(m.openai.dns, crate::model::Dns::Policy { .. }) {
        return Vec::new();
    }
    m.openai
        .endpoints
        .iter()
        .map(|e| whatif::Expected {
            id_part: format!(
                "/providers/Microsoft.Network/privateEndpoints/{}/privateDnsZoneGroups/",
                e.name
            ),
            why: format!(
                "Azure Policy adds the DNS zone group of `{}` (`dns.mode: policy`)",
                e.name
            ),
        })
        .collect()
}
