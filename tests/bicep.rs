//! The Bicep form says what the ARM form says.
//!
//! A small, strict reader for the Bicep the writer produces turns `main.bicep`, and the modules it
//! calls, back into ARM-shaped facts; the ARM template, nested deployments included, is flattened
//! the same way. Both become one tree: every deployment (a nested deployment, a module) with its
//! name, scope, what it waits for and its description; every resource with the deployment that
//! holds it, its scope, type, API version, full name (`parent` chains joined with `/`),
//! properties and effective dependencies (parent, the resources its properties refer to,
//! `dependsOn`); the parameters; the outputs. Expressions are evaluated where they stand and
//! reduced to one canonical form: a nested template's `parameters('x')` and a module's parameter
//! are what the caller passes; `resourceId(...)`, `sym.id` (of a resource, of an `existing` one
//! with its `scope:`, of a subnet through `vnet::subnet`) and a literal resource ID are one ID
//! with its subscription and resource group; `reference(...)` and `sym.properties`; `format()` and
//! interpolation; a module's outputs; the `tags` variable and its value. Then the two trees are
//! compared, resource by resource.
//!
//! The reader accepts only the layout the writer promises (one entry per line, escapes Bicep
//! defines) and what Bicep and its linter accept: module parameters declared and passed,
//! `@secure()` kept from `main.bicep` into modules, a module's `scope:` of its target scope, no
//! unused parameter, variable or `existing` declaration, no `dependsOn` that a reference already
//! implies, every module file used. So a printer bug (a dropped property, a quote left unescaped,
//! a missing dependency, a module in the wrong resource group) fails the comparison; the
//! `mutations_are_caught` tests show it does.

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

// ------------------------------------------------------------------ the cases

#[test]
fn every_example_says_the_same_in_bicep_and_arm() {
    let (mut compared, mut nested, mut platforms) = (0, 0, 0);
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let name = format!("examples/{stem}.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let (files, platform) = build_all(&name, &text);
        if let Err(e) = equivalent(&files) {
            panic!("{stem}: the Bicep and ARM forms differ:\n{e}");
        }
        for (base, p) in &platform {
            if let Err(e) = equivalent(p) {
                panic!("{stem}: the Bicep and ARM forms of {base} differ:\n{e}");
            }
            platforms += 1;
        }
        compared += 1;
        if !files.modules.is_empty() {
            nested += 1;
        }
    }
    assert!(compared >= 10, "only {compared} examples compared");
    assert!(nested >= 2, "multi-rg and spokes-300 have modules");
    assert!(platforms >= 1, "landing-zone-spoke has the hub owners' files");
}

/// Resource groups in two subscriptions besides the default one, tags (a variable passed into
/// every module), a Windows jump box in another resource group (a secure parameter passed into
/// its module), zones owned elsewhere (`existing` in the module that links them).
const SPREAD: &str = r#"
name: spread
location: eastus
tags: { env: prod, cost-center: "4711" }
vnets:
  hub:
    address_space: 10.0.0.0/16
    subnets: { default: /24, private-endpoints: /27 }
  app:
    address_space: 10.1.0.0/16
    resource_group: rg-spread-app
    peer: hub
  far:
    address_space: 10.2.0.0/16
    location: westus2
    subscription: 33333333-3333-4333-8333-333333333333
    resource_group: rg-spread-far
    peer: hub
openai:
  resource_group: rg-spread-ai
  dns:
    mode: existing
    zone_ids: [/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com]
jumpbox: { vnet: app, image: windows-2022 }
bastion: { vnet: hub }
"#;

#[test]
fn other_resource_groups_and_subscriptions_are_modules_at_subscription_scope() {
    let files = build("spread.yaml", SPREAD);
    equivalent(&files).unwrap_or_else(|e| panic!("{e}"));
    let main = &files.bicep;
    assert!(main.contains("\ntargetScope = 'subscription'\n"), "{main}");
    // The resource groups: here as resources, in another subscription through a module there.
    assert!(main.contains("\nresource rgMain 'Microsoft.Resources/resourceGroups@2025-04-01' = {\n  name: resourceGroupName\n  location: location\n}\n"), "{main}");
    assert!(main.contains("\nmodule rgSpreadFar 'modules/resource-group.bicep' = {\n  name: 'spread-create-rg-spread-far'\n  scope: subscription('33333333-3333-4333-8333-333333333333')\n"), "{main}");
    // A module into a resource group of this subscription waits for it through its symbol; one
    // in the other subscription through dependsOn on the module that creates it.
    assert!(main.contains("  scope: rgSpreadApp\n"), "{main}");
    assert!(main.contains("  scope: resourceGroup('33333333-3333-4333-8333-333333333333', 'rg-spread-far')\n  params: {\n    westus2Location: westus2Location\n    tags: tags\n  }\n  dependsOn: [\n    rgSpreadFar\n  ]\n"), "{main}");
    // The secure parameter stays secure in the module that uses it, without a default.
    let vm = files
        .modules
        .values()
        .find(|m| m.contains("virtualMachines@") && !m.contains("virtualMachines@2025-04-01' existing"))
        .unwrap();
    assert!(vm.contains("\n@secure()\nparam jumpboxAdminPassword string\n"), "{vm}");
    assert!(vm.contains("\nparam tags object\n"), "{vm}");
    // Zones owned elsewhere are declared where they are used, with their scope.
    let links: Vec<&String> = files
        .modules
        .values()
        .filter(|m| m.contains("resource zoneOpenai 'Microsoft.Network/privateDnsZones@2024-06-01' existing"))
        .collect();
    assert_eq!(links.len(), 1);
    assert!(links[0].contains("  scope: resourceGroup('00000000-0000-0000-0000-000000000000', 'rg-dns')\n"));
    // Every module is in `modules/`, named after its deployment.
    for (name, text) in &files.modules {
        assert!(
            name.starts_with("modules/spread-") || name == "modules/resource-group.bicep",
            "{name}"
        );
        assert!(text.starts_with("// Generated by aoai-vnet "), "{name}");
    }
}

#[test]
fn a_split_resource_group_deployment_stays_at_resource_group_scope() {
    let files = example("spokes-300");
    let main = &files.bicep;
    assert!(!main.contains("targetScope"), "resource-group scope is the default");
    assert!(
        !main.contains("  scope: "),
        "modules deploy into the same resource group"
    );
    assert!(!main.contains("Microsoft.Resources/resourceGroups"));
    let deployments = files.arm["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Resources/deployments")
        .count();
    assert_eq!(files.modules.len(), deployments);
    assert_eq!(main.matches("\nmodule ").count(), deployments);
    // An output that spans modules is read key by key.
    assert!(
        main.contains("\noutput vnetIds object = {\n  hub: main1.outputs.vnetIds.hub\n"),
        "{main}"
    );
    // Every module stays well under ARM's limits (the linter's max-resources, max-outputs).
    for (name, text) in &files.modules {
        assert!(text.matches("\nresource ").count() <= 800, "{name}");
        assert!(text.matches("\noutput ").count() <= 64, "{name}");
        assert!(text.matches("\nparam ").count() <= 256, "{name}");
    }
}

#[test]
fn odd_resource_group_names_make_safe_file_names_and_symbols() {
    // Resource group names may hold dots, parentheses, capitals; one is named `main`, like the
    // layout's name for the default resource group.
    let text = r#"
name: odd
location: eastus
vnets:
  main:
    address_space: 10.0.0.0/16
    subnets: { default: /24, private-endpoints: /27 }
  rg-main:
    address_space: 10.1.0.0/16
    resource_group: "Rg.Net(Prod)_1"
    peer: main
  other:
    address_space: 10.2.0.0/16
    resource_group: "rg.net(prod)_1x"
    peer: main
openai: { resource_group: main }
"#;
    let files = build("odd.yaml", text);
    equivalent(&files).unwrap_or_else(|e| panic!("{e}"));
    for name in files.modules.keys() {
        let stem = name.strip_prefix("modules/").unwrap();
        assert!(
            stem.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c)),
            "{name}"
        );
    }
    assert!(files.modules.contains_key("modules/odd-rg.net-prod-_1-1.bicep"));
    assert!(files.bicep.contains(
        "\nresource rgRgNetProd1 'Microsoft.Resources/resourceGroups@2025-04-01' = {\n  name: 'Rg.Net(Prod)_1'\n"
    ));
}

/// Strings that need every escape Bicep has, in tag names and values (which go into every
/// resource, the `tags` variable, and so through the whole printer).
const AWKWARD: &str = r#"
name: quoting
location: westeurope
tags:
  "it's": "a 'quoted' value, a back\\slash and a trailing one\\"
  cost-center: "${notAnExpression} and $ {spaced} and $${double}"
  "${key}": "tab\there, newline\nthere, bell\u0007, Zürich – ok"
  "core.windows.net": "https://login.microsoftonline.com/x"
  plain: "'''"
  "[concat('a')]": "[looks like an expression]"
vnets:
  main:
    address_space: 10.0.0.0/16
openai: {}
jumpbox: { vnet: main, image: windows-2022 }
"#;

#[test]
fn awkward_strings_survive_the_round_trip() {
    let files = build("awkward.yaml", AWKWARD);
    equivalent(&files).unwrap_or_else(|e| panic!("{e}"));
    let bicep = &files.bicep;
    for line in [
        r"  'it\'s': 'a \'quoted\' value, a back\\slash and a trailing one\u{5C}'",
        r"  'cost-center': '\${notAnExpression} and $ {spaced} and $\${double}'",
        r"  '\${key}': 'tab\there, newline\nthere, bell\u{7}, Zürich – ok'",
        r"  plain: '\'\'\''",
        // A host that the linter's no-hardcoded-env-urls flags: the suppression, with its reason.
        "  #disable-next-line no-hardcoded-env-urls\n  'core.windows.net': 'https://login.microsoftonline.com/x'",
    ] {
        assert!(bicep.contains(&format!("\n{line}\n")), "{line} not in:\n{bicep}");
    }
    // ARM evaluates a property name that starts with `[` as it does a value: both are escaped.
    let tags = &files.arm["resources"][0]["tags"];
    assert_eq!(tags["[[concat('a')]"], "[[looks like an expression]", "{tags}");
    assert!(
        bicep.contains("\n  '[concat(\\'a\\')]': '[looks like an expression]'\n"),
        "{bicep}"
    );
}

#[test]
fn unused_parameters_are_left_out() {
    // Every resource has a region of its own, so the default `location` is used by nothing.
    let text = "name: elsewhere\nlocation: eastus\nvnets:\n  main:\n    address_space: 10.0.0.0/16\n    location: westus2\nopenai:\n  location: swedencentral\n";
    let files = build("elsewhere.yaml", text);
    assert!(files.arm["parameters"].get("location").is_some());
    assert!(!files.bicep.contains("param location "), "{}", files.bicep);
    assert!(!files.bicepparam.contains("param location "), "{}", files.bicepparam);
    equivalent(&files).unwrap();
}

#[test]
fn shared_tags_are_one_variable() {
    let files = example("guide");
    assert!(files
        .bicep
        .contains("var tags = {\n  env: 'dev'\n  owner: 'platform'\n}\n"));
    let tagged = files.arm["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("tags").is_some())
        .count();
    assert!(tagged > 0);
    assert_eq!(files.bicep.matches("\n  tags: tags\n").count(), tagged);
    let files = example("minimal");
    assert!(!files.bicep.contains("tags"), "no tags, no variable (no-unused-vars)");
}

/// One edit of one file: `what` it is, in `file` (empty: the first file that has `from`, in the
/// order main.bicep, main.bicepparam, the modules), `from` replaced by `to` once; the comparison
/// must then fail with a message that contains `expect`.
type Mutation<'a> = (&'a str, &'a Files, &'a str, &'a str, &'a str, &'a str);

fn assert_caught(cases: &[Mutation]) {
    for (what, f, file, from, to, expect) in cases {
        let mut m = (*f).clone();
        let target = if file.is_empty() {
            if m.bicep.contains(from) {
                &mut m.bicep
            } else if m.bicepparam.contains(from) {
                &mut m.bicepparam
            } else {
                m.modules
                    .values_mut()
                    .find(|t| t.contains(from))
                    .unwrap_or_else(|| panic!("{what}: `{from}` not found"))
            }
        } else {
            m.modules.get_mut(*file).unwrap_or_else(|| panic!("{what}: no {file}"))
        };
        assert!(target.contains(from), "{what}: `{from}` not found");
        *target = target.replacen(from, to, 1);
        match equivalent(&m) {
            Ok(()) => panic!("{what} went unnoticed"),
            Err(e) => assert!(e.contains(expect), "{what}: no `{expect}` in:\n{e}"),
        }
    }
}

#[test]
fn governance_says_the_same_in_both_forms_and_its_mutations_are_caught() {
    // Governance across resource groups and subscriptions (also run through Microsoft's Bicep
    // CLI by tests/bicep_cli.rs).
    let name = "tests/fixtures/bicep/governed-spread.yaml";
    let spread = build(name, &std::fs::read_to_string(repo().join(name)).unwrap());
    equivalent(&spread).unwrap();
    let ai = spread
        .modules
        .iter()
        .find(|(_, t)| t.contains("resource accountDiagnostics"))
        .map(|(_, t)| t.as_str())
        .expect("the account's module holds its diagnostic setting");
    // It waits for the workspace in the default resource group, which it declares `existing`,
    // and refers to the account, deployed by another module into the same group.
    assert!(
        ai.contains("resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {"),
        "{ai}"
    );
    assert!(
        ai.contains("resource account 'Microsoft.CognitiveServices/accounts@"),
        "{ai}"
    );
    assert!(ai.contains("  scope: account\n  name: 'to-log-audited'\n"), "{ai}");
    assert!(
        spread
            .modules
            .values()
            .any(|t| t
                .contains("resource accountLock 'Microsoft.Authorization/locks@2020-05-01' = {\n  scope: account\n"))
    );
    let far = spread
        .modules
        .values()
        .find(|t| t.contains("resource vnetFarLock"))
        .expect("the far spoke's lock is in its module");
    assert!(!far.contains("Diagnostics"), "{far}");

    let locked = example("logs-and-locks");
    let central = example("central-logs");
    equivalent(&locked).unwrap();
    equivalent(&central).unwrap();
    let setting = "resource main: Microsoft.Insights/diagnosticSettings to-log-fabrikam on";
    assert_caught(&[
        (
            "a lock on another VNet",
            &locked,
            "",
            "  scope: vnetHub\n  name: 'lock-vnet-fabrikam-hub'",
            "  scope: vnetApp\n  name: 'lock-vnet-fabrikam-hub'",
            "resources:",
        ),
        (
            "a dropped log category",
            &locked,
            "",
            "      {\n        category: 'RequestResponse'\n        enabled: true\n      }\n",
            "",
            setting,
        ),
        (
            "logs sent to another resource",
            &central,
            "",
            "    workspaceId: logAnalytics.id\n",
            "    workspaceId: account.id\n",
            "resource main: Microsoft.Insights/diagnosticSettings to-law-platform-central on",
        ),
        (
            "a dependsOn the scope already implies",
            &locked,
            "",
            "  scope: account\n  name: 'to-log-fabrikam'\n",
            "  scope: account\n  name: 'to-log-fabrikam'\n  dependsOn: [\n    account\n  ]\n",
            "already implied",
        ),
        (
            "a suppression of the API-version rule on another resource",
            &locked,
            "",
            "resource vnetHubLock ",
            "#disable-next-line use-recent-api-versions\nresource vnetHubLock ",
            "unexpected suppression of use-recent-api-versions",
        ),
    ]);
}

#[test]
fn mutations_are_caught() {
    let guide = example("guide");
    let hub = example("hub-spoke-vpn");
    let existing = example("existing-dns");
    let no_dns = example("no-dns");
    let awkward = build("awkward.yaml", AWKWARD);
    for f in [&guide, &hub, &existing, &no_dns, &awkward] {
        equivalent(f).unwrap();
    }
    let account = "resource main: Microsoft.CognitiveServices/accounts oai-contoso:";
    let role = "resource main: Microsoft.Authorization/roleAssignments";
    assert_caught(&[
        ("a dropped property", &guide, "", "    disableLocalAuth: true\n", "", account),
        (
            "a role assignment on another resource",
            &guide,
            "",
            "  scope: account\n",
            "  scope: jumpbox\n",
            role,
        ),
        (
            "a role assignment for another identity",
            &guide,
            "",
            "principalId: jumpbox.identity.principalId",
            "principalId: account.identity.principalId",
            role,
        ),
        (
            "another role",
            &guide,
            "",
            "roleDefinitionId: subscriptionResourceId(roleDefinitions, '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd')",
            "roleDefinitionId: subscriptionResourceId(roleDefinitions, 'a97b65f3-24c7-4388-baec-2e87135dc908')",
            role,
        ),
        (
            "a role assignment named from other values",
            &guide,
            "",
            "name: guid(account.id, jumpbox.id,",
            "name: guid(jumpbox.id, account.id,",
            "resources:",
        ),
        (
            "a changed value",
            &guide,
            "",
            "capacity: 20",
            "capacity: 21",
            "resource main: Microsoft.CognitiveServices/accounts/deployments oai-contoso/text-embedding-3-small:",
        ),
        (
            "a wrong API version",
            &guide,
            "",
            "accounts@2025-06-01' = {",
            "accounts@2024-10-01' = {",
            account,
        ),
        (
            "a dropped dependsOn",
            &guide,
            "",
            "  dependsOn: [\n    deploymentGpt4o\n  ]\n",
            "",
            "dependencies of main: Microsoft.CognitiveServices/accounts/deployments oai-contoso/text-embedding-3-small:",
        ),
        (
            "a dropped parent",
            &guide,
            "",
            "  parent: account\n  name: 'gpt-4o'",
            "  name: 'gpt-4o'",
            "resources:",
        ),
        (
            "a wrong subnet",
            &guide,
            "",
            "vnetMain::defaultSubnet.id",
            "vnetMain::privateEndpointsSubnet.id",
            "resource main: Microsoft.Network/networkInterfaces vm-contoso-jump-nic:",
        ),
        (
            "a wrong reference",
            &guide,
            "",
            "account.properties.endpoint",
            "account.properties.endpoints",
            "output openaiEndpoint:",
        ),
        (
            "an unescaped quote",
            &awkward,
            "",
            r"'it\'s'",
            "'it's'",
            "a quoted property name that needs no quotes",
        ),
        (
            "an unescaped interpolation",
            &awkward,
            "",
            r"'\${key}'",
            "'${key}'",
            "an interpolated property name",
        ),
        (
            "a lost escape",
            &awkward,
            "",
            r"newline\nthere",
            "newlinenthere",
            "resource main: Microsoft.Network/networkSecurityGroups nsg-quoting-main-default:",
        ),
        (
            "two entries on one line",
            &guide,
            "",
            "    name: 'S0'\n  }\n  kind:",
            "    name: 'S0'\n  } kind:",
            "expected the end of the line",
        ),
        (
            "a wrong indentation",
            &guide,
            "",
            "\n    disableLocalAuth: true\n",
            "\n     disableLocalAuth: true\n",
            "wrong indentation",
        ),
        (
            "a missing @secure()",
            &no_dns,
            "",
            "@secure()\n",
            "",
            "parameter jumpboxAdminPassword:",
        ),
        (
            "a peering ordering",
            &hub,
            "",
            "    vpnGateway\n    peerHubToWeb\n",
            "    vpnGateway\n",
            "dependencies of main: Microsoft.Network/virtualNetworks/virtualNetworkPeerings vnet-northwind-web/peer-web-to-hub:",
        ),
        (
            "a wrong zone scope",
            &existing,
            "",
            "'rg-dns')",
            "'rg-other')",
            "resource main: Microsoft.Network/privateEndpoints/privateDnsZoneGroups pep-oai-tailspin/default:",
        ),
        (
            "an unused existing resource",
            &existing,
            "",
            "resource zoneOpenai ",
            "resource unused 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {\n  name: 'x'\n}\n\nresource zoneOpenai ",
            "existing resource unused is never used",
        ),
        (
            "a wrong parameter value",
            &guide,
            "",
            "param location = 'eastus'",
            "param location = 'westus'",
            "main.bicepparam location:",
        ),
        (
            "an unset parameter",
            &guide,
            "",
            "param jumpboxSshPublicKey = envJumpboxSshPublicKey\n",
            "",
            "main.bicepparam parameters:",
        ),
        (
            "a wrong variable",
            &guide,
            "",
            "'JUMPBOX_SSH_PUBLIC_KEY'",
            "'SSH_KEY'",
            "reads SSH_KEY, not JUMPBOX_SSH_PUBLIC_KEY",
        ),
        (
            "a dropped output",
            &guide,
            "",
            "@description('Resource ID of the Azure OpenAI account.')\noutput openaiAccountId string = account.id\n",
            "",
            "output names:",
        ),
    ]);
}

#[test]
fn mutations_of_modules_are_caught() {
    let multi = example("multi-rg");
    let spread = build("spread.yaml", SPREAD);
    for f in [&multi, &spread] {
        equivalent(f).unwrap();
    }
    let vm = spread
        .modules
        .iter()
        .find(|(_, t)| t.contains("param jumpboxAdminPassword"))
        .map(|(n, _)| n.as_str())
        .unwrap();
    assert_caught(&[
        (
            "a dropped module dependsOn",
            &multi,
            "",
            "    main1\n    rgLitwareApp1\n    mainVpngLitwareHub\n    main4\n",
            "    main1\n    rgLitwareApp1\n    main4\n",
            "deployment litware-rg-litware-app-2:",
        ),
        (
            "a module in the wrong resource group",
            &multi,
            "",
            "  scope: rgLitwareApp\n",
            "  scope: rgLitwareAi\n",
            "resource litware-rg-litware-app-1: Microsoft.Network/virtualNetworks vnet-litware-app:",
        ),
        (
            "a module in the wrong subscription",
            &multi,
            "",
            "  scope: resourceGroup('22222222-2222-4222-8222-222222222222', 'rg-litware-data')\n",
            "  scope: resourceGroup('rg-litware-data')\n",
            "resource litware-rg-litware-data-1: Microsoft.Network/virtualNetworks vnet-litware-data:",
        ),
        (
            "a module without its scope",
            &multi,
            "",
            "  name: 'litware-rg-litware-ai-1'\n  scope: rgLitwareAi\n",
            "  name: 'litware-rg-litware-ai-1'\n",
            "has targetScope None, deployed to <subscription>/-",
        ),
        (
            "a wrong deployment name",
            &multi,
            "",
            "name: 'litware-main-2'",
            "name: 'litware-main-9'",
            "deployments:",
        ),
        (
            "a resource group in the wrong subscription",
            &multi,
            "",
            "scope: subscription('22222222-2222-4222-8222-222222222222')",
            "scope: subscription('33333333-3333-4333-8333-333333333333')",
            "resource litware-create-rg-litware-data: Microsoft.Resources/resourceGroups rg-litware-data:",
        ),
        (
            "no subscription scope",
            &multi,
            "",
            "targetScope = 'subscription'\n",
            "",
            "resource main: Microsoft.Resources/resourceGroups <resource group>:",
        ),
        (
            "a wrong existing scope",
            &multi,
            "modules/litware-main-3.bicep",
            "scope: resourceGroup('rg-litware-app')",
            "scope: resourceGroup('rg-litware-ai')",
            "resource litware-main-3: Microsoft.Network/privateDnsZones/virtualNetworkLinks privatelink.openai.azure.com/link-app:",
        ),
        (
            "an existing resource in the module's own group",
            &multi,
            "modules/litware-rg-litware-app-2.bicep",
            "  scope: resourceGroup(resourceGroupName)\n",
            "",
            "resource litware-rg-litware-app-2: Microsoft.Network/virtualNetworks/virtualNetworkPeerings vnet-litware-app/peer-app-to-hub:",
        ),
        (
            "a wrong parameter passed",
            &multi,
            "",
            "    centralusLocation: centralusLocation\n",
            "    centralusLocation: location\n",
            "resource litware-rg-litware-data-1: Microsoft.Network/networkSecurityGroups nsg-litware-data-default:",
        ),
        (
            "a parameter not passed",
            &multi,
            "",
            "    jumpboxSshPublicKey: jumpboxSshPublicKey\n",
            "",
            "parameter jumpboxSshPublicKey has no default and is not passed",
        ),
        (
            "an undeclared parameter passed",
            &multi,
            "",
            "    centralusLocation: centralusLocation\n",
            "    centralusLocation: centralusLocation\n    location: location\n",
            "parameter location is passed but modules/litware-rg-litware-data-1.bicep does not declare it",
        ),
        (
            "a wrong module output",
            &multi,
            "",
            "  hub: main1.outputs.vnetIds.hub\n",
            "  hub: rgLitwareApp1.outputs.vnetIds.app\n",
            "output vnetIds:",
        ),
        (
            "a missing module output",
            &multi,
            "modules/litware-main-1.bicep",
            "\n@description('Resource IDs of the VNets, by topology key.')\noutput vnetIds object = {\n  hub: vnetHub.id\n}\n",
            "",
            "module main1 has no output vnetIds",
        ),
        (
            "a dropped resource in a module",
            &multi,
            "modules/litware-main-4.bicep",
            "\nresource peerHubToData 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2025-05-01' = {\n  parent: vnetHub\n  name: 'peer-hub-to-data'\n  properties: {\n    allowVirtualNetworkAccess: true\n    allowForwardedTraffic: true\n    allowGatewayTransit: true\n    useRemoteGateways: false\n    remoteVirtualNetwork: {\n      id: vnetData.id\n    }\n  }\n}\n",
            "",
            "resources:",
        ),
        (
            "a module dependsOn that the scope implies",
            &multi,
            "",
            "  scope: rgLitwareApp\n  params: {\n    location: location\n  }\n}\n",
            "  scope: rgLitwareApp\n  params: {\n    location: location\n  }\n  dependsOn: [\n    rgLitwareApp\n  ]\n}\n",
            "dependsOn rgLitwareApp is already implied",
        ),
        (
            "a missing @secure() in a module",
            &spread,
            vm,
            "@secure()\n",
            "",
            "parameter jumpboxAdminPassword: true string passed into false string",
        ),
        (
            "tags not passed",
            &spread,
            "",
            "    tags: tags\n",
            "",
            "parameter tags has no default and is not passed",
        ),
        (
            "changed tags",
            &spread,
            "",
            "  env: 'prod'\n",
            "  env: 'dev'\n",
            "resource spread-main-1: Microsoft.Network/networkSecurityGroups nsg-spread-hub-default:",
        ),
    ]);
    // A module file missing, or one that nothing uses.
    let mut m = multi.clone();
    m.modules.remove("modules/litware-main-4.bicep");
    let e = equivalent(&m).unwrap_err();
    assert!(e.contains("no file modules/litware-main-4.bicep"), "{e}");
    let mut m = multi.clone();
    m.modules
        .insert("modules/stray.bicep".into(), "metadata description = 'x'\n".into());
    let e = equivalent(&m).unwrap_err();
    assert!(e.contains("modules/stray.bicep: no module declaration uses it"), "{e}");
}

#[test]
fn mutations_of_a_split_deployment_are_caught() {
    let spokes = example("spokes-300");
    // The module that links spoke 101 to the zone (the layout decides which).
    let link_file = spokes
        .modules
        .iter()
        .find(|(_, t)| t.contains("name: 'link-spoke101'"))
        .map(|(n, _)| n.clone())
        .unwrap();
    let link_module = link_file.trim_start_matches("modules/").trim_end_matches(".bicep");
    let expect_link = format!(
        "resource {link_module}: Microsoft.Network/privateDnsZones/virtualNetworkLinks privatelink.openai.azure.com/link-spoke101:"
    );
    assert_caught(&[
        (
            "a dropped wait on the gateway's module",
            &spokes,
            "",
            "  dependsOn: [\n    main1\n    mainVpngTailwindHub\n  ]\n",
            "  dependsOn: [\n    main1\n  ]\n",
            "deployment tailwind-main-",
        ),
        (
            "a spoke link to the wrong VNet",
            &spokes,
            &link_file,
            "      id: vnetSpoke101.id\n",
            "      id: vnetSpoke102.id\n",
            &expect_link,
        ),
    ]);
}

#[test]
fn unnecessary_depends_on_is_refused() {
    let mut files = example("guide");
    // The link refers to the VNet; listing it again is what no-unnecessary-dependson flags.
    files.bicep = files.bicep.replacen(
        "      id: vnetMain.id\n    }\n  }\n}",
        "      id: vnetMain.id\n    }\n  }\n  dependsOn: [\n    vnetMain\n  ]\n}",
        1,
    );
    let e = equivalent(&files).unwrap_err();
    assert!(e.contains("already implied"), "{e}");
}

// ------------------------------------------------------------------ the comparison

#[derive(Clone)]
struct Files {
    arm: Json,
    arm_params: Json,
    bicep: String,
    bicepparam: String,
    /// The template the parameters file is `using`.
    using: String,
    /// The modules, by file name (`modules/x.bicep`).
    modules: BTreeMap<String, String>,
}

/// The files of a topology.
fn build(name: &str, text: &str) -> Files {
    build_all(name, text).0
}

/// The files of a topology, and the hub owners' templates in `platform/` by base name
/// (`platform/peerings`), each as a flat deployment of its own.
fn build_all(name: &str, text: &str) -> (Files, Vec<(String, Files)>) {
    let (c, diags) = compile(&SourceFile::new(name.to_string(), text.to_string()), Target::All);
    let c = c.unwrap_or_else(|| panic!("{name} does not build: {diags:?}"));
    let get = |n: &str| {
        c.files
            .iter()
            .find(|f| f.name == n)
            .map(|f| f.text.clone())
            .unwrap_or_else(|| panic!("{name}: no {n}"))
    };
    let mut modules = BTreeMap::new();
    let mut platform = Vec::new();
    for f in &c.files {
        if let Some(base) = f
            .name
            .strip_suffix(".json")
            .filter(|b| b.starts_with("platform/") && !b.ends_with(".parameters"))
        {
            platform.push((
                base.to_string(),
                Files {
                    arm: serde_json::from_str(&f.text).unwrap(),
                    arm_params: serde_json::from_str(&get(&format!("{base}.parameters.json"))).unwrap(),
                    bicep: get(&format!("{base}.bicep")),
                    bicepparam: get(&format!("{base}.bicepparam")),
                    using: format!("{}.bicep", base.rsplit('/').next().unwrap()),
                    modules: BTreeMap::new(),
                },
            ));
        } else if f.name.starts_with("platform/") {
            // Read with its template above.
        } else if let Some(m) = f.name.strip_prefix("modules/") {
            assert!(m.ends_with(".bicep") && !m.contains('/'), "{name}: {}", f.name);
            modules.insert(f.name.clone(), f.text.clone());
        } else {
            assert!(
                ["main.json", "main.parameters.json", "main.bicep", "main.bicepparam"].contains(&f.name.as_str()),
                "{name}: {}",
                f.name
            );
        }
    }
    let files = Files {
        arm: serde_json::from_str(&get("main.json")).unwrap(),
        arm_params: serde_json::from_str(&get("main.parameters.json")).unwrap(),
        bicep: get("main.bicep"),
        bicepparam: get("main.bicepparam"),
        using: "main.bicep".into(),
        modules,
    };
    (files, platform)
}

/// An example's files.
fn example(stem: &str) -> Files {
    let name = format!("examples/{stem}.yaml");
    let text = std::fs::read_to_string(repo().join(&name)).unwrap();
    build(&name, &text)
}

/// A deployment flattened: what both forms must agree on.
#[derive(Default)]
struct Tree {
    description: Json,
    /// The top-level parameters: name, then `{type, defaultValue, metadata}` as ARM writes them.
    params: Vec<(String, Json)>,
    /// Nested deployments / modules: name, then `{scope, waits, description}`.
    deployments: Vec<(String, Json)>,
    /// `deployment: type name`, the resource (type, API version, name, scope, body) and what it
    /// depends on.
    resources: Vec<(String, Json, BTreeSet<String>)>,
    /// The top-level outputs: name, then `{type, value}`.
    outputs: Vec<(String, Json)>,
    /// What the Bicep linter would flag (reported with the differences, not instead of them).
    problems: Vec<String>,
}

fn equivalent(f: &Files) -> Result<(), String> {
    let arm = arm_tree(&f.arm).map_err(|e| format!("main.json: {e}"))?;
    let (bicep, main) = bicep_tree(f)?;
    let mut errs = bicep.problems.clone();
    check(
        &mut errs,
        "metadata description".into(),
        arm.description.clone(),
        Ok(bicep.description.clone()),
    );

    // Parameters: those main.json uses (Bicep leaves out one nothing refers to, linter rule
    // no-unused-params), in the same order, with the same types, defaults and descriptions.
    let arm_text = format!("{}{}", f.arm["resources"], f.arm["outputs"]);
    let used: Vec<&(String, Json)> = arm
        .params
        .iter()
        .filter(|(k, _)| arm_text.contains(&format!("parameters('{k}')")))
        .collect();
    check(
        &mut errs,
        "parameter names".into(),
        json!(used.iter().map(|p| &p.0).collect::<Vec<_>>()),
        Ok(json!(bicep.params.iter().map(|p| &p.0).collect::<Vec<_>>())),
    );
    for (name, b) in &bicep.params {
        if let Some((_, a)) = used.iter().find(|p| p.0 == *name) {
            check(&mut errs, format!("parameter {name}"), a.clone(), Ok(b.clone()));
        }
    }

    // Nested deployments and modules: the same names, scopes, waits and descriptions.
    let names = |t: &Tree| json!(t.deployments.iter().map(|d| &d.0).collect::<Vec<_>>());
    check(&mut errs, "deployments".into(), names(&arm), Ok(names(&bicep)));
    for ((name, a), (_, b)) in arm.deployments.iter().zip(&bicep.deployments) {
        let mut b = b.clone();
        if a["description"].is_null() {
            // ARM's subscription-level deployment that creates a resource group has none.
            b["description"] = Json::Null;
        }
        check(&mut errs, format!("deployment {name}"), a.clone(), Ok(b));
    }

    // Resources: the same list, each in the same deployment and scope, with the same fields and
    // the same dependencies.
    let labels = |t: &Tree| json!(t.resources.iter().map(|r| &r.0).collect::<Vec<_>>());
    check(&mut errs, "resources".into(), labels(&arm), Ok(labels(&bicep)));
    for ((label, a, ad), (_, b, bd)) in arm.resources.iter().zip(&bicep.resources) {
        check(&mut errs, format!("resource {label}"), a.clone(), Ok(b.clone()));
        check(&mut errs, format!("dependencies of {label}"), json!(ad), Ok(json!(bd)));
    }

    // Outputs: names, types and values.
    let names = |t: &Tree| json!(t.outputs.iter().map(|o| &o.0).collect::<Vec<_>>());
    check(&mut errs, "output names".into(), names(&arm), Ok(names(&bicep)));
    for ((name, a), (_, b)) in arm.outputs.iter().zip(&bicep.outputs) {
        check(&mut errs, format!("output {name}"), a.clone(), Ok(b.clone()));
    }

    // The parameters file: the values of main.parameters.json, and an environment variable for
    // every parameter without a default.
    match Parser::new(&f.bicepparam).file() {
        Err(e) => errs.push(format!("main.bicepparam: {e}")),
        Ok(pdecls) => {
            let penv = Env::new(&pdecls, "main.bicepparam")?;
            if penv.using.as_deref() != Some(f.using.as_str()) {
                errs.push(format!("main.bicepparam: using {:?}", penv.using));
            }
            let set: Vec<&String> = penv.params.iter().map(|p| &p.name).collect();
            check(
                &mut errs,
                "main.bicepparam parameters".into(),
                json!(main.params.iter().map(|p| &p.name).collect::<Vec<_>>()),
                Ok(json!(set)),
            );
            let values = f.arm_params["parameters"].as_object().unwrap();
            for p in &penv.params {
                let v = p.default.as_ref().expect("param x = value");
                let declared = main.params.iter().find(|q| q.name == p.name);
                match (values.get(&p.name), declared.and_then(|d| d.default.as_ref())) {
                    (Some(a), Some(_)) => check(
                        &mut errs,
                        format!("main.bicepparam {}", p.name),
                        a["value"].clone(),
                        penv.json(v),
                    ),
                    (None, None) => match penv.env_var(v) {
                        Some(var) => {
                            let want = screaming_snake(&p.name);
                            if var != want {
                                errs.push(format!("main.bicepparam {}: reads {var}, not {want}", p.name));
                            }
                        }
                        None => errs.push(format!("main.bicepparam {}: not read from the environment", p.name)),
                    },
                    _ => errs.push(format!("main.bicepparam {}: not a parameter with a default", p.name)),
                }
            }
        }
    }

    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

fn check(errs: &mut Vec<String>, what: String, arm: Json, bicep: Result<Json, String>) {
    match bicep {
        Ok(b) if b == arm => {}
        Ok(b) => errs.push(format!("{what}:\n  ARM:   {arm}\n  Bicep: {b}")),
        Err(e) => errs.push(format!("{what}: {e}")),
    }
}

fn screaming_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

// ------------------------------------------------------------------ the canonical form

/// The deploying subscription and the default resource group, whose names are known only at
/// deployment time.
const SUB: &str = "<subscription>";
const RG: &str = "<resource group>";
/// The parameter that names the default resource group at subscription scope.
const RG_PARAM: &str = "resourceGroupName";
const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

/// Where something is deployed: a subscription, and a resource group (none at subscription
/// scope).
type Scope = (String, Option<String>);

fn scope_text(s: &Scope) -> String {
    format!("{}/{}", s.0, s.1.as_deref().unwrap_or("-"))
}

/// An expression of either language, reduced to one form.
#[derive(Clone, Debug, PartialEq)]
enum C {
    Lit(Json),
    Param(String),
    /// The ID of a resource whose subscription or resource group is known at deployment only:
    /// scope, type, names. (With both known it is the literal ID string.)
    Id(String, Option<String>, String, Vec<String>),
    /// A subscription's ID (`subscription().subscriptionId` where it is evaluated).
    SubId(String),
    /// `reference(target, apiVersion)`.
    Ref(Box<C>, String),
    /// `reference(target, apiVersion, 'full')`: the whole resource (its `identity` too).
    Full(Box<C>, String),
    Member(Box<C>, String),
    Index(Box<C>, i64),
    Call(String, Vec<C>),
    Concat(Vec<C>),
}

impl C {
    fn json(self) -> Json {
        match self {
            C::Lit(j) => j,
            other => json!({ "$expr": format!("{other:?}") }),
        }
    }
}

/// The ID of a resource: the literal string when its subscription and resource group are known.
fn make_id(scope: &Scope, ty: &str, names: Vec<String>) -> C {
    let unknown = |s: &str| s.starts_with('<');
    if unknown(&scope.0) || scope.1.as_deref().is_some_and(unknown) {
        return C::Id(scope.0.clone(), scope.1.clone(), ty.into(), names);
    }
    let mut s = format!("/subscriptions/{}", scope.0);
    if let Some(rg) = &scope.1 {
        s.push_str(&format!("/resourceGroups/{rg}"));
    }
    let (ns, types) = ty.split_once('/').unwrap_or((ty, ""));
    s.push_str(&format!("/providers/{ns}"));
    for (t, n) in types.split('/').zip(&names) {
        s.push_str(&format!("/{t}/{n}"));
    }
    C::Lit(json!(s))
}

fn sub_text(c: &C) -> Result<String, String> {
    match c {
        C::Lit(Json::String(s)) | C::SubId(s) => Ok(s.clone()),
        // A subscription a parameter names (the hub owners' template): the same text both sides.
        C::Param(p) => Ok(format!("{{{p}}}")),
        other => Err(format!("not a subscription: {other:?}")),
    }
}

/// A resource's own name: a literal, or an expression the deployment computes (a role
/// assignment's `guid(…)`) as its canonical text.
fn own_name(c: C) -> String {
    match name_text(&c) {
        Ok(n) => n,
        Err(_) => expr_text(c.json()),
    }
}

/// The ID of what an ARM extension resource's `scope` names, relative to where it is deployed
/// (`Microsoft.CognitiveServices/accounts/oai-x`).
fn relative_id(scope: &Scope, relative: &str) -> Result<C, String> {
    let parts: Vec<&str> = relative.split('/').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return Err(format!("scope `{relative}` is not `namespace/type/name`"));
    }
    let mut ty = parts[0].to_string();
    let mut names = Vec::new();
    for pair in parts[1..].chunks(2) {
        ty.push('/');
        ty.push_str(pair[0]);
        names.push(pair[1].to_string());
    }
    Ok(make_id(scope, &ty, names))
}

/// A resource group's or resource's name: a literal, or the default resource group's parameter.
fn name_text(c: &C) -> Result<String, String> {
    match c {
        C::Lit(Json::String(s)) => Ok(s.clone()),
        C::Param(p) if p == RG_PARAM => Ok(RG.into()),
        C::Param(p) => Ok(format!("{{{p}}}")),
        other => Err(format!("not a name: {other:?}")),
    }
}

/// `base.field`; of an object literal, its entry.
fn member(base: C, field: &str) -> Result<C, String> {
    match base {
        C::Lit(Json::Object(m)) => m
            .get(field)
            .cloned()
            .map(C::Lit)
            .ok_or(format!("no `{field}` in the object")),
        other => Ok(C::Member(Box::new(other), field.into())),
    }
}

/// The canonical text of an expression (for sets and messages).
fn expr_text(j: Json) -> String {
    match j.get("$expr") {
        Some(Json::String(s)) => s.clone(),
        _ => j.to_string(),
    }
}

/// Adjacent literals merged; one part is that part.
fn concat(parts: Vec<C>) -> C {
    let mut out: Vec<C> = Vec::new();
    for p in parts.into_iter().filter(|p| *p != C::Lit(json!(""))) {
        match (out.last_mut(), p) {
            (Some(C::Lit(Json::String(a))), C::Lit(Json::String(b))) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    match out.len() {
        0 => C::Lit(json!("")),
        1 => out.pop().unwrap(),
        _ => C::Concat(out),
    }
}

/// ARM `format()` text split at its placeholders.
fn split_format(text: &str, args: Vec<C>) -> Result<C, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
                lit.push(c);
            }
            ('{', _) => {
                let n: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let n: usize = n.parse().map_err(|_| format!("bad placeholder in {text}"))?;
                parts.push(C::Lit(json!(std::mem::take(&mut lit))));
                parts.push(args.get(n).cloned().ok_or("missing format argument")?);
            }
            _ => lit.push(c),
        }
    }
    parts.push(C::Lit(json!(lit)));
    Ok(concat(parts))
}

// ------------------------------------------------------------------ ARM, flattened

/// Where an ARM template is evaluated: its scope and the values of its parameters.
struct ArmCx {
    scope: Scope,
    params: HashMap<String, C>,
}

fn arm_tree(t: &Json) -> Result<Tree, String> {
    let schema = t["$schema"].as_str().unwrap_or_default();
    let scope = if schema.contains("subscriptionDeploymentTemplate") {
        (SUB.to_string(), None)
    } else {
        (SUB.to_string(), Some(RG.to_string()))
    };
    let declared = t["parameters"].as_object().ok_or("no parameters")?;
    let cx = ArmCx {
        scope,
        params: declared.keys().map(|k| (k.clone(), C::Param(k.clone()))).collect(),
    };
    let mut tree = Tree {
        description: t["metadata"]["description"].clone(),
        ..Tree::default()
    };
    for (k, p) in declared {
        tree.params.push((k.clone(), canon_arm(p, &cx)?));
    }
    arm_template(t, &cx, "main", &mut tree)?;
    for (k, o) in t["outputs"].as_object().ok_or("no outputs")? {
        tree.outputs.push((k.clone(), canon_arm(o, &cx)?));
    }
    Ok(tree)
}

/// The resources of template `t`, deployed as `deployment`; nested deployments recursively.
fn arm_template(t: &Json, cx: &ArmCx, deployment: &str, tree: &mut Tree) -> Result<(), String> {
    for r in t["resources"].as_array().ok_or("no resources")? {
        let ty = r["type"].as_str().ok_or("a resource without a type")?;
        let deps: BTreeSet<String> = r["dependsOn"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| arm_value(d, cx).map(|c| expr_text(c.json())))
            .collect::<Result<_, _>>()?;
        let name = if ty == DEPLOYMENTS {
            name_text(&arm_value(&r["name"], cx)?)?
        } else {
            own_name(arm_value(&r["name"], cx)?)
        };
        let inner = &r["properties"]["template"];
        if ty == DEPLOYMENTS && inner.is_object() {
            if r["properties"]["expressionEvaluationOptions"]["scope"] != "inner" {
                return Err(format!("{name}: not evaluated in its own scope"));
            }
            let sub = match r.get("subscriptionId") {
                Some(v) => sub_text(&arm_value(v, cx)?)?,
                None => cx.scope.0.clone(),
            };
            let at_subscription = inner["$schema"]
                .as_str()
                .is_some_and(|s| s.contains("subscriptionDeploymentTemplate"));
            let rg = match r.get("resourceGroup") {
                Some(v) => Some(name_text(&arm_value(v, cx)?)?),
                None if at_subscription => None,
                None => cx.scope.1.clone(),
            };
            let mut params = HashMap::new();
            if let Some(passed) = r["properties"]["parameters"].as_object() {
                for (k, v) in passed {
                    params.insert(k.clone(), arm_value(&v["value"], cx)?);
                }
            }
            for k in inner["parameters"].as_object().into_iter().flatten().map(|p| p.0) {
                if !params.contains_key(k) {
                    return Err(format!("{name}: parameter {k} is not passed"));
                }
            }
            let scope = (sub, rg);
            tree.deployments.push((
                name.clone(),
                json!({
                    "scope": scope_text(&scope),
                    "waits": deps,
                    "description": inner["metadata"]["description"],
                }),
            ));
            arm_template(inner, &ArmCx { scope, params }, &name, tree)?;
            continue;
        }
        let mut body = canon_arm(r, cx)?;
        let o = body.as_object_mut().unwrap();
        o.remove("dependsOn");
        let mut label = format!("{deployment}: {ty} {name}");
        // An extension resource: `scope` names the resource it applies to, relative to the
        // resource group it is deployed into.
        if let Some(target) = o.remove("scope") {
            let relative = target.as_str().ok_or(format!("{name}: scope {target}"))?;
            let id = relative_id(&cx.scope, relative)?.json();
            label = format!("{label} on {}", expr_text(id.clone()));
            o.insert("extends".into(), id);
        }
        o.insert("name".into(), json!(name));
        o.insert("scope".into(), json!(scope_text(&cx.scope)));
        tree.resources.push((label, body, deps));
    }
    Ok(())
}

/// One ARM template value as a canonical expression.
fn arm_value(v: &Json, cx: &ArmCx) -> Result<C, String> {
    match v {
        Json::String(s) if s.starts_with("[[") => Ok(C::Lit(json!(s[1..]))),
        Json::String(s) if s.starts_with('[') && s.ends_with(']') => {
            let mut p = ArmParser {
                s: &s.as_bytes()[1..s.len() - 1],
                i: 0,
            };
            let e = p.expr()?;
            if p.i != p.s.len() {
                return Err(format!("ARM expression {s}: trailing text"));
            }
            arm_canon(e, cx).map_err(|e| format!("ARM expression {s}: {e}"))
        }
        Json::String(_) => Ok(C::Lit(v.clone())),
        other => Ok(C::Lit(canon_arm(other, cx)?)),
    }
}

/// An ARM template value with its expressions in canonical form.
fn canon_arm(v: &Json, cx: &ArmCx) -> Result<Json, String> {
    Ok(match v {
        Json::String(_) => arm_value(v, cx)?.json(),
        Json::Array(items) => Json::Array(items.iter().map(|i| canon_arm(i, cx)).collect::<Result<_, _>>()?),
        Json::Object(map) => Json::Object(
            map.iter()
                // A name that starts with `[[` is the literal that starts with `[`, as for values.
                .map(|(k, v)| {
                    let k = k.strip_prefix('[').filter(|r| r.starts_with('[')).unwrap_or(k);
                    Ok((k.to_string(), canon_arm(v, cx)?))
                })
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn arm_canon(a: A, cx: &ArmCx) -> Result<C, String> {
    Ok(match a {
        A::Str(s) => C::Lit(json!(s)),
        A::Int(i) => C::Lit(json!(i)),
        A::Member(b, f) => match (*b, f.as_str()) {
            (A::Call(n, args), "subscriptionId") if n == "subscription" && args.is_empty() => {
                C::SubId(cx.scope.0.clone())
            }
            (A::Call(n, args), "name") if n == "resourceGroup" && args.is_empty() => match &cx.scope.1 {
                Some(rg) if rg == RG => C::Param(RG_PARAM.into()),
                Some(rg) => C::Lit(json!(rg)),
                None => return Err("resourceGroup() at subscription scope".into()),
            },
            (b, _) => member(arm_canon(b, cx)?, &f)?,
        },
        A::Index(b, i) => match *i {
            A::Int(n) => C::Index(Box::new(arm_canon(*b, cx)?), n),
            other => return Err(format!("index {other:?}")),
        },
        A::Call(name, args) => {
            let mut args = args.into_iter();
            match name.as_str() {
                "parameters" => match args.next() {
                    Some(A::Str(p)) => cx
                        .params
                        .get(&p)
                        .cloned()
                        .ok_or(format!("parameters('{p}') has no value here"))?,
                    _ => return Err("parameters()".into()),
                },
                "resourceId" | "subscriptionResourceId" => {
                    let args: Vec<C> = args.map(|a| arm_canon(a, cx)).collect::<Result<_, _>>()?;
                    let ti = args
                        .iter()
                        .position(|c| matches!(c, C::Lit(Json::String(s)) if s.contains('/')))
                        .ok_or("no resource type")?;
                    let C::Lit(Json::String(ty)) = &args[ti] else {
                        unreachable!()
                    };
                    let names: Vec<String> = args[ti + 1..].iter().map(name_text).collect::<Result<_, _>>()?;
                    let scope = match (name.as_str(), ti) {
                        ("subscriptionResourceId", 0) => (cx.scope.0.clone(), None),
                        ("subscriptionResourceId", 1) => (sub_text(&args[0])?, None),
                        ("resourceId", 0) => cx.scope.clone(),
                        ("resourceId", 1) => (cx.scope.0.clone(), Some(name_text(&args[0])?)),
                        ("resourceId", 2) => (sub_text(&args[0])?, Some(name_text(&args[1])?)),
                        _ => return Err(format!("{name}() arguments")),
                    };
                    make_id(&scope, ty, names)
                }
                "reference" => {
                    let target = arm_canon(args.next().ok_or("reference()")?, cx)?;
                    match (args.next(), args.next()) {
                        (Some(A::Str(api)), None) => C::Ref(Box::new(target), api),
                        (Some(A::Str(api)), Some(A::Str(full))) if full == "full" => C::Full(Box::new(target), api),
                        _ => return Err("reference() without an API version".into()),
                    }
                }
                "format" => {
                    let Some(A::Str(text)) = args.next() else {
                        return Err("format()".into());
                    };
                    split_format(&text, args.map(|a| arm_canon(a, cx)).collect::<Result<_, _>>()?)?
                }
                _ => C::Call(name, args.map(|a| arm_canon(a, cx)).collect::<Result<_, _>>()?),
            }
        }
    })
}

#[derive(Debug)]
enum A {
    Str(String),
    Int(i64),
    Call(String, Vec<A>),
    Member(Box<A>, String),
    Index(Box<A>, Box<A>),
}

struct ArmParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl ArmParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at {}", c as char, self.i))
        }
    }
    fn ident(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.i += 1;
        }
        String::from_utf8(self.s[start..self.i].to_vec()).unwrap()
    }
    fn expr(&mut self) -> Result<A, String> {
        let mut e = match self.peek() {
            Some(b'\'') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err("unterminated string".into()),
                        Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                            out.push(b'\'');
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            break;
                        }
                        Some(c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
                A::Str(String::from_utf8(out).unwrap())
            }
            Some(c) if c.is_ascii_digit() => A::Int(self.ident().parse().map_err(|_| "bad number")?),
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.ident();
                self.expect(b'(')?;
                let mut args = Vec::new();
                while self.peek() != Some(b')') {
                    if !args.is_empty() {
                        self.expect(b',')?;
                        self.expect(b' ')?;
                    }
                    args.push(self.expr()?);
                }
                self.i += 1;
                A::Call(name, args)
            }
            _ => return Err(format!("unexpected text at {}", self.i)),
        };
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    e = A::Member(Box::new(e), self.ident());
                }
                Some(b'[') => {
                    self.i += 1;
                    let idx = self.expr()?;
                    self.expect(b']')?;
                    e = A::Index(Box::new(e), Box::new(idx));
                }
                _ => return Ok(e),
            }
        }
    }
}

// ------------------------------------------------------------------ the Bicep reader

#[derive(Clone, Debug)]
enum B {
    Str(Vec<Part>),
    Int(i64),
    Bool(bool),
    Ident(String),
    Call(String, Vec<B>),
    Member(Box<B>, String),
    /// `parent::child`
    Nested(Box<B>, String),
    Index(Box<B>, Box<B>),
    Array(Vec<B>),
    Object(Vec<(String, B)>),
}

#[derive(Clone, Debug)]
enum Part {
    Lit(String),
    Expr(B),
}

#[derive(Debug)]
struct Decl {
    keyword: String,
    decorators: Vec<(String, Vec<B>)>,
    name: String,
    /// The type of a param or output; `type@apiVersion` of a resource.
    ty: Option<String>,
    existing: bool,
    value: Option<B>,
    /// Resources declared inside a resource.
    children: Vec<Decl>,
}

struct Parser {
    s: Vec<char>,
    i: usize,
}

type R<T> = Result<T, String>;

impl Parser {
    fn new(text: &str) -> Self {
        Parser {
            s: text.chars().collect(),
            i: 0,
        }
    }

    fn err<T>(&self, msg: &str) -> R<T> {
        let before: String = self.s[..self.i.min(self.s.len())].iter().collect();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let text: String = before.rsplit('\n').next().unwrap_or("").to_string()
            + &self.s[self.i.min(self.s.len())..]
                .iter()
                .take_while(|c| **c != '\n')
                .collect::<String>();
        Err(format!("{line}:{col}: {msg} | {text}"))
    }
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn at(&self, t: &str) -> bool {
        t.chars().enumerate().all(|(k, c)| self.s.get(self.i + k) == Some(&c))
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.at(t) {
            self.i += t.chars().count();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: &str) -> R<()> {
        if self.eat(t) {
            Ok(())
        } else {
            self.err(&format!("expected `{t}`"))
        }
    }
    fn ident(&mut self) -> R<String> {
        let start = self.i;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
            return self.err("expected an identifier");
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.i += 1;
        }
        Ok(self.s[start..self.i].iter().collect())
    }
    /// The end of a line: nothing else may follow (bar a comment).
    fn end_line(&mut self) -> R<()> {
        if self.eat(" //") {
            while self.peek().is_some_and(|c| c != '\n') {
                self.i += 1;
            }
        }
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.i += 1;
                Ok(())
            }
            _ => self.err("expected the end of the line"),
        }
    }
    /// Blank lines, comment lines and `#disable-next-line` directives, at any indentation.
    fn skip_trivia(&mut self) -> R<()> {
        loop {
            let start = self.i;
            while self.peek() == Some(' ') {
                self.i += 1;
            }
            if self.eat("\n") {
                continue;
            }
            if self.at("//") {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                continue;
            }
            if self.eat("#disable-next-line ") {
                let rule = self.ident_with_dashes();
                self.end_line()?;
                let allowed = match rule.as_str() {
                    "no-hardcoded-env-urls" => true,
                    // Only right before a resource of a type whose API version is a recorded
                    // exception (`azure::api_versions::lint_exception`).
                    "use-recent-api-versions" => {
                        let next: String = self.s[self.i..].iter().take_while(|c| **c != '\n').collect();
                        next.strip_prefix("resource ")
                            .and_then(|r| r.split('\'').nth(1))
                            .and_then(|t| t.split_once('@'))
                            .is_some_and(|(t, _)| aoai_vnet::azure::api_versions::lint_exception(t).is_some())
                    }
                    _ => false,
                };
                if !allowed {
                    return self.err(&format!("unexpected suppression of {rule}"));
                }
                continue;
            }
            self.i = start;
            return Ok(());
        }
    }
    fn ident_with_dashes(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '-') {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }
    fn indent(&mut self, depth: usize) -> R<()> {
        for _ in 0..depth * 2 {
            self.expect(" ")?;
        }
        if self.peek() == Some(' ') {
            return self.err("wrong indentation");
        }
        Ok(())
    }

    fn file(&mut self) -> R<Vec<Decl>> {
        let mut out = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek().is_none() {
                return Ok(out);
            }
            out.push(self.decl(0)?);
        }
    }

    fn decl(&mut self, depth: usize) -> R<Decl> {
        let mut decorators = Vec::new();
        self.indent(depth)?;
        while self.eat("@") {
            let name = self.ident()?;
            self.expect("(")?;
            let mut args = Vec::new();
            while !self.eat(")") {
                if !args.is_empty() {
                    self.expect(", ")?;
                }
                args.push(self.expr(depth)?);
            }
            decorators.push((name, args));
            self.end_line()?;
            self.skip_trivia()?;
            self.indent(depth)?;
        }
        let keyword = self.ident()?;
        self.expect(" ")?;
        let mut d = Decl {
            keyword: keyword.clone(),
            decorators,
            name: String::new(),
            ty: None,
            existing: false,
            value: None,
            children: Vec::new(),
        };
        match keyword.as_str() {
            "using" => d.value = Some(self.expr(depth)?),
            "targetScope" if depth == 0 => {
                self.expect("= ")?;
                d.value = Some(self.expr(depth)?);
            }
            "metadata" | "var" => {
                d.name = self.ident()?;
                self.expect(" = ")?;
                d.value = Some(self.expr(depth)?);
            }
            "param" | "output" => {
                d.name = self.ident()?;
                if !self.eat(" = ") {
                    self.expect(" ")?;
                    d.ty = Some(self.ident()?);
                    if self.eat(" = ") {
                        d.value = Some(self.expr(depth)?);
                    } else if keyword == "output" {
                        return self.err("an output needs a value");
                    }
                } else {
                    d.value = Some(self.expr(depth)?);
                }
            }
            // A module's "type" is its file.
            "resource" | "module" => {
                d.name = self.ident()?;
                self.expect(" ")?;
                let ty = match self.string(depth)? {
                    B::Str(parts) => match parts.as_slice() {
                        [Part::Lit(t)] => t.clone(),
                        _ => return self.err("a resource type or module path is a plain string"),
                    },
                    _ => unreachable!(),
                };
                d.ty = Some(ty);
                d.existing = keyword == "resource" && self.eat(" existing");
                self.expect(" = {")?;
                self.end_line()?;
                let mut props = Vec::new();
                loop {
                    self.skip_trivia()?;
                    if self.at(&format!("{}}}", "  ".repeat(depth))) {
                        self.indent(depth)?;
                        self.expect("}")?;
                        break;
                    }
                    let save = self.i;
                    self.indent(depth + 1)?;
                    if keyword == "resource" && self.at("resource ") {
                        self.i = save;
                        d.children.push(self.decl(depth + 1)?);
                        continue;
                    }
                    let k = self.key()?;
                    self.expect(": ")?;
                    props.push((k, self.expr(depth + 1)?));
                    self.end_line()?;
                }
                d.value = Some(B::Object(props));
            }
            other => return self.err(&format!("unknown declaration `{other}`")),
        }
        self.end_line()?;
        Ok(d)
    }

    fn key(&mut self) -> R<String> {
        if self.peek() == Some('\'') {
            let save = self.i;
            match self.string(0)? {
                B::Str(parts) => match parts.as_slice() {
                    [Part::Lit(k)] if !is_identifier(k) => Ok(k.clone()),
                    [Part::Lit(_)] => {
                        self.i = save;
                        self.err("a quoted property name that needs no quotes (prefer-unquoted-property-names)")
                    }
                    _ => self.err("an interpolated property name"),
                },
                _ => unreachable!(),
            }
        } else {
            self.ident()
        }
    }

    /// An expression that starts on a line indented at `depth` (multi-line values close there).
    fn expr(&mut self, depth: usize) -> R<B> {
        let mut e = match self.peek() {
            Some('\'') => self.string(depth)?,
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let text: String = self.s[start..self.i].iter().collect();
                B::Int(text.parse().map_err(|_| format!("bad number {text}"))?)
            }
            Some('[') => {
                self.i += 1;
                let mut items = Vec::new();
                if !self.eat("]") {
                    self.end_line()?;
                    loop {
                        self.skip_trivia()?;
                        if self.at(&format!("{}]", "  ".repeat(depth))) {
                            self.indent(depth)?;
                            self.expect("]")?;
                            break;
                        }
                        self.indent(depth + 1)?;
                        items.push(self.expr(depth + 1)?);
                        self.end_line()?;
                    }
                }
                B::Array(items)
            }
            Some('{') => {
                self.i += 1;
                let mut props = Vec::new();
                if !self.eat("}") {
                    self.end_line()?;
                    loop {
                        self.skip_trivia()?;
                        if self.at(&format!("{}}}", "  ".repeat(depth))) {
                            self.indent(depth)?;
                            self.expect("}")?;
                            break;
                        }
                        self.indent(depth + 1)?;
                        let k = self.key()?;
                        self.expect(": ")?;
                        props.push((k, self.expr(depth + 1)?));
                        self.end_line()?;
                    }
                }
                B::Object(props)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.ident()?;
                match name.as_str() {
                    "true" => B::Bool(true),
                    "false" => B::Bool(false),
                    _ if self.eat("(") => {
                        let mut args = Vec::new();
                        while !self.eat(")") {
                            if !args.is_empty() {
                                self.expect(", ")?;
                            }
                            args.push(self.expr(depth)?);
                        }
                        B::Call(name, args)
                    }
                    _ => B::Ident(name),
                }
            }
            _ => return self.err("expected a value"),
        };
        loop {
            if self.eat("::") {
                e = B::Nested(Box::new(e), self.ident()?);
            } else if self.eat(".") {
                e = B::Member(Box::new(e), self.ident()?);
            } else if self.peek() == Some('[') && !matches!(e, B::Array(_)) {
                self.i += 1;
                let idx = self.expr(depth)?;
                self.expect("]")?;
                e = B::Index(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }

    /// A string literal with Bicep's escapes and `${…}` interpolation.
    fn string(&mut self, depth: usize) -> R<B> {
        self.expect("'")?;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return self.err("unterminated string"),
                Some('\'') => {
                    self.i += 1;
                    break;
                }
                Some('\\') => {
                    self.i += 1;
                    let c = match self.peek() {
                        Some('\\') => '\\',
                        Some('\'') => '\'',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('$') => '$',
                        Some('u') => {
                            self.i += 1;
                            self.expect("{")?;
                            let start = self.i;
                            while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                                self.i += 1;
                            }
                            let hex: String = self.s[start..self.i].iter().collect();
                            if self.peek() != Some('}') {
                                return self.err("bad \\u{…} escape");
                            }
                            char::from_u32(u32::from_str_radix(&hex, 16).map_err(|_| "bad \\u{…}")?)
                                .ok_or("bad \\u{…}")?
                        }
                        _ => return self.err("unknown escape"),
                    };
                    self.i += 1;
                    lit.push(c);
                }
                Some('$') if self.at("${") => {
                    self.i += 2;
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                    parts.push(Part::Expr(self.expr(depth)?));
                    self.expect("}")?;
                }
                Some(c) => {
                    self.i += 1;
                    lit.push(c);
                }
            }
        }
        parts.push(Part::Lit(lit));
        parts.retain(|p| !matches!(p, Part::Lit(s) if s.is_empty()));
        if parts.is_empty() {
            parts.push(Part::Lit(String::new()));
        }
        Ok(B::Str(parts))
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

// ------------------------------------------------------------------ Bicep semantics

#[derive(Clone)]
struct ParamDecl {
    name: String,
    ty: String,
    secure: bool,
    default: Option<B>,
    description: String,
}

struct Res {
    sym: String,
    rtype: String,
    api: String,
    name: B,
    parent: Option<String>,
    existing: bool,
    scope: Option<B>,
    /// The resource an extension resource applies to (`scope: sym` of a resource deployed here).
    extends: Option<String>,
    depends_on: Vec<String>,
    body: Vec<(String, B)>,
}

#[derive(Clone)]
struct ModDecl {
    sym: String,
    path: String,
    body: Vec<(String, B)>,
}

/// A declaration that deploys something, in file order.
#[derive(Clone, Copy)]
enum Item {
    Res(usize),
    Mod(usize),
}

/// One Bicep file: its declarations, and where it is evaluated (its scope, the values of its
/// parameters, the modules read so far).
struct Env {
    file: String,
    target_scope: Option<String>,
    metadata: HashMap<String, B>,
    params: Vec<ParamDecl>,
    vars: HashMap<String, B>,
    resources: Vec<Res>,
    modules: Vec<ModDecl>,
    order: Vec<Item>,
    outputs: Vec<(String, String, B, Option<String>)>,
    using: Option<String>,
    scope: Scope,
    args: HashMap<String, C>,
    /// By module symbol: the ID of its deployment and its outputs.
    mods: HashMap<String, (C, Vec<(String, C)>)>,
}

fn description(d: &Decl) -> Option<String> {
    d.decorators
        .iter()
        .find(|(n, _)| n == "description")
        .and_then(|(_, a)| match a.as_slice() {
            [B::Str(parts)] => match parts.as_slice() {
                [Part::Lit(s)] => Some(s.clone()),
                _ => None,
            },
            _ => None,
        })
}

fn plain_string(b: &B) -> Option<String> {
    match b {
        B::Str(p) => match p.as_slice() {
            [Part::Lit(s)] => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The Bicep files of a deployment flattened, and the environment of `main.bicep`.
fn bicep_tree(f: &Files) -> R<(Tree, Env)> {
    let decls = Parser::new(&f.bicep).file().map_err(|e| format!("main.bicep: {e}"))?;
    let mut env = Env::new(&decls, "main.bicep")?;
    env.scope = match env.target_scope.as_deref() {
        Some("subscription") => (SUB.into(), None),
        None => (SUB.into(), Some(RG.into())),
        Some(other) => return Err(format!("main.bicep: targetScope {other}")),
    };
    env.args = env
        .params
        .iter()
        .map(|p| (p.name.clone(), C::Param(p.name.clone())))
        .collect();
    let mut tree = Tree {
        description: env
            .metadata
            .get("description")
            .map(|b| env.json(b))
            .unwrap_or(Err("no metadata description".into()))?,
        ..Tree::default()
    };
    for p in &env.params {
        let mut o = Map::new();
        o.insert(
            "type".into(),
            json!(if p.secure { "securestring" } else { p.ty.as_str() }),
        );
        if let Some(d) = &p.default {
            o.insert("defaultValue".into(), env.json(d)?);
        }
        o.insert("metadata".into(), json!({ "description": p.description }));
        if p.secure && p.default.is_some() {
            return Err(format!("parameter {}: a secure parameter with a default", p.name));
        }
        tree.params.push((p.name.clone(), Json::Object(o)));
    }
    let mut read = BTreeSet::new();
    let outputs = bicep_file(f, &mut env, "main", &mut tree, &mut read)?;
    tree.outputs = outputs
        .into_iter()
        .map(|(n, ty, c)| (n, json!({ "type": ty, "value": c.json() })))
        .collect();
    for m in f.modules.keys() {
        if !read.contains(m) {
            return Err(format!("{m}: no module declaration uses it"));
        }
    }
    Ok((tree, env))
}

/// The resources and modules of one file into `tree`, as deployment `deployment`; its outputs.
fn bicep_file(
    f: &Files,
    env: &mut Env,
    deployment: &str,
    tree: &mut Tree,
    read: &mut BTreeSet<String>,
) -> R<Vec<(String, String, C)>> {
    let file = env.file.clone();
    tree.problems
        .extend(env.lint().into_iter().map(|e| format!("{file}: {e}")));
    for item in env.order.clone() {
        match item {
            Item::Res(i) => {
                let r = &env.resources[i];
                if r.existing {
                    continue;
                }
                let mut label = format!("{deployment}: {} {}", r.rtype, env.full_name(r)?.join("/"));
                if let Some(t) = &r.extends {
                    label = format!("{label} on {}", expr_text(env.id(env.res(t)?)?.json()));
                }
                let body = env.resource_json(r).map_err(|e| format!("{file}: {}: {e}", r.sym))?;
                let deps = env
                    .dependencies(r)
                    .map_err(|e| format!("{file}: dependencies of {}: {e}", r.sym))?;
                tree.resources.push((label, body, deps));
            }
            Item::Mod(i) => {
                let m = env.modules[i].clone();
                module(f, env, &m, tree, read).map_err(|e| format!("{file}: module {}: {e}", m.sym))?;
            }
        }
    }
    let mut out = Vec::new();
    for (name, ty, value, description) in &env.outputs {
        if description.as_deref().unwrap_or("").is_empty() {
            tree.problems.push(format!("{file}: output {name} has no description"));
        }
        let c = env.value(value).map_err(|e| format!("{file}: output {name}: {e}"))?;
        out.push((name.clone(), ty.clone(), c));
    }
    Ok(out)
}

/// A module: its deployment, then its file, evaluated with what `env` passes it.
fn module(f: &Files, env: &mut Env, m: &ModDecl, tree: &mut Tree, read: &mut BTreeSet<String>) -> R<()> {
    let get = |k: &str| m.body.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    for (k, _) in &m.body {
        if !["name", "scope", "params", "dependsOn"].contains(&k.as_str()) {
            return Err(format!("unexpected {k}"));
        }
    }
    let dir = env.file.rsplit_once('/').map_or("", |(d, _)| d);
    if m.path.split('/').any(|s| s == ".." || s == "." || s.is_empty()) {
        return Err(format!("path {}", m.path));
    }
    let path = if dir.is_empty() {
        m.path.clone()
    } else {
        format!("{dir}/{}", m.path)
    };
    let text = f.modules.get(&path).ok_or(format!("no file {path}"))?;
    read.insert(path.clone());
    let decls = Parser::new(text).file().map_err(|e| format!("{path}: {e}"))?;
    let mut menv = Env::new(&decls, &path)?;
    let name = name_text(&env.canon(get("name").ok_or("no name")?)?)?;
    let scope = match get("scope") {
        Some(b) => env.eval_scope(b)?,
        None => env.scope.clone(),
    };
    match (menv.target_scope.as_deref(), &scope.1) {
        (Some("subscription"), None) | (None, Some(_)) => {}
        (t, _) => {
            return Err(format!(
                "{path} has targetScope {t:?}, deployed to {}",
                scope_text(&scope)
            ))
        }
    }
    menv.scope = scope.clone();
    // Parameters: each passed one declared there (with `@secure()` where the value is secure),
    // each one without a default passed.
    let passed: Vec<(String, B)> = match get("params") {
        None => Vec::new(),
        Some(B::Object(p)) => p.clone(),
        Some(other) => return Err(format!("params {other:?}")),
    };
    for (k, v) in &passed {
        let decl = menv
            .params
            .iter()
            .find(|p| p.name == *k)
            .ok_or(format!("parameter {k} is passed but {path} does not declare it"))?;
        let source = match v {
            B::Ident(x) => env.params.iter().find(|p| p.name == *x),
            _ => None,
        };
        match source {
            Some(s) if s.secure != decl.secure || s.ty != decl.ty => {
                return Err(format!(
                    "parameter {k}: {} {} passed into {} {}",
                    s.secure, s.ty, decl.secure, decl.ty
                ))
            }
            None if decl.secure => return Err(format!("parameter {k}: a secure parameter given a value")),
            _ => {}
        }
        menv.args.insert(k.clone(), env.canon(v)?);
    }
    for p in menv.params.clone() {
        if menv.args.contains_key(&p.name) {
            continue;
        }
        let d = p
            .default
            .as_ref()
            .ok_or(format!("{path} parameter {} has no default and is not passed", p.name))?;
        let v = menv.value(d)?;
        menv.args.insert(p.name.clone(), v);
    }
    let waits = env.module_dependencies(m)?;
    let description = match menv.metadata.get("description") {
        Some(b) => menv.json(b)?,
        None => Json::Null,
    };
    tree.deployments.push((
        name.clone(),
        json!({ "scope": scope_text(&scope), "waits": waits, "description": description }),
    ));
    let outputs = bicep_file(f, &mut menv, &name, tree, read)?;
    let outputs = outputs.into_iter().map(|(n, _, c)| (n, c)).collect();
    env.mods
        .insert(m.sym.clone(), (make_id(&scope, DEPLOYMENTS, vec![name]), outputs));
    Ok(())
}

impl Env {
    fn new(decls: &[Decl], file: &str) -> R<Env> {
        let mut env = Env {
            file: file.into(),
            target_scope: None,
            metadata: Default::default(),
            params: Vec::new(),
            vars: Default::default(),
            resources: Vec::new(),
            modules: Vec::new(),
            order: Vec::new(),
            outputs: Vec::new(),
            using: None,
            scope: (SUB.into(), Some(RG.into())),
            args: HashMap::new(),
            mods: HashMap::new(),
        };
        for d in decls {
            for (name, _) in &d.decorators {
                let ok = match d.keyword.as_str() {
                    "param" => ["description", "secure"].contains(&name.as_str()),
                    "var" | "output" => name == "description",
                    _ => false,
                };
                if !ok {
                    return Err(format!("{file}: decorator @{name} on {} {}", d.keyword, d.name));
                }
            }
            let value = d.value.clone();
            match d.keyword.as_str() {
                "targetScope" => env.target_scope = value.as_ref().and_then(plain_string),
                "metadata" => {
                    env.metadata.insert(d.name.clone(), value.unwrap());
                }
                "using" => env.using = value.as_ref().and_then(plain_string),
                "param" => {
                    let secure = d.decorators.iter().any(|(n, _)| n == "secure");
                    if d.ty.is_some() && description(d).is_none() {
                        return Err(format!("{file}: parameter {} has no @description", d.name));
                    }
                    env.params.push(ParamDecl {
                        name: d.name.clone(),
                        ty: d.ty.clone().unwrap_or_default(),
                        secure,
                        default: value,
                        description: description(d).unwrap_or_default(),
                    });
                }
                "var" => {
                    env.vars.insert(d.name.clone(), value.unwrap());
                }
                "output" => env
                    .outputs
                    .push((d.name.clone(), d.ty.clone().unwrap(), value.unwrap(), description(d))),
                "resource" => env.resource(d, None).map_err(|e| format!("{file}: {e}"))?,
                "module" => {
                    let Some(B::Object(body)) = value else {
                        return Err(format!("{file}: module {}: no body", d.name));
                    };
                    env.order.push(Item::Mod(env.modules.len()));
                    env.modules.push(ModDecl {
                        sym: d.name.clone(),
                        path: d.ty.clone().unwrap(),
                        body,
                    });
                }
                other => return Err(format!("{file}: unexpected {other}")),
            }
        }
        Ok(env)
    }

    /// A resource declaration; `nested_in` is the (symbol, type, API version) of the resource
    /// it is declared in.
    fn resource(&mut self, d: &Decl, nested_in: Option<(String, String, String)>) -> R<()> {
        let ty = d.ty.as_deref().unwrap();
        let (rtype, api) = match (ty.split_once('@'), &nested_in) {
            (Some((t, a)), _) => (t.to_string(), a.to_string()),
            (None, Some((_, pt, pa))) => (format!("{pt}/{ty}"), pa.clone()),
            (None, None) => return Err(format!("resource {}: no API version", d.name)),
        };
        let Some(B::Object(props)) = &d.value else {
            return Err(format!("resource {}: no body", d.name));
        };
        let mut r = Res {
            sym: d.name.clone(),
            rtype,
            api,
            name: B::Str(Vec::new()),
            parent: nested_in.as_ref().map(|p| p.0.clone()),
            existing: d.existing,
            scope: None,
            extends: None,
            depends_on: Vec::new(),
            body: Vec::new(),
        };
        let mut named = false;
        for (k, v) in props {
            match (k.as_str(), v) {
                ("name", v) => {
                    r.name = v.clone();
                    named = true;
                }
                ("parent", B::Ident(p)) if nested_in.is_none() => r.parent = Some(p.clone()),
                ("scope", v) if d.existing && nested_in.is_none() => r.scope = Some(v.clone()),
                ("scope", B::Ident(x)) if !d.existing && nested_in.is_none() => r.extends = Some(x.clone()),
                ("dependsOn", B::Array(items)) => {
                    for i in items {
                        match i {
                            B::Ident(s) => r.depends_on.push(s.clone()),
                            other => return Err(format!("resource {}: dependsOn {other:?}", d.name)),
                        }
                    }
                }
                ("parent" | "scope" | "dependsOn", _) => return Err(format!("resource {}: odd {k}", d.name)),
                _ if d.existing => return Err(format!("existing resource {} with {k}", d.name)),
                _ => r.body.push((k.clone(), v.clone())),
            }
        }
        if !named {
            return Err(format!("resource {}: no name", d.name));
        }
        if let Some((p, _, _)) = &nested_in {
            r.sym = format!("{p}::{}", d.name);
        }
        let me = (r.sym.clone(), r.rtype.clone(), r.api.clone());
        self.order.push(Item::Res(self.resources.len()));
        self.resources.push(r);
        for c in &d.children {
            self.resource(c, Some(me.clone()))?;
        }
        Ok(())
    }

    /// What the linter's no-unused-params, no-unused-vars and no-unused-existing-resources rules
    /// check: every parameter, variable and `existing` resource is referred to.
    fn lint(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut used: Vec<String> = Vec::new();
        let mut all: Vec<&B> = Vec::new();
        for r in &self.resources {
            all.push(&r.name);
            all.extend(&r.scope);
            all.extend(r.body.iter().map(|(_, v)| v));
            used.extend(r.parent.iter().cloned());
            used.extend(r.extends.iter().cloned());
            used.extend(r.depends_on.iter().cloned());
        }
        for m in &self.modules {
            all.extend(m.body.iter().map(|(_, v)| v));
        }
        all.extend(self.vars.values());
        all.extend(self.outputs.iter().map(|o| &o.2));
        for b in all {
            names_in(b, &mut used);
        }
        for p in &self.params {
            if !used.contains(&p.name) && self.using.is_none() {
                problems.push(format!("parameter {} is never used", p.name));
            }
        }
        for v in self.vars.keys() {
            if !used.contains(v) && self.using.is_none() {
                problems.push(format!("variable {v} is never used"));
            }
        }
        for r in self.resources.iter().filter(|r| r.existing) {
            // A child is used through `parent::child`; a parent through its children too.
            let child_used = self
                .resources
                .iter()
                .any(|c| c.sym.starts_with(&format!("{}::", r.sym)) && used.contains(&c.sym));
            if !used.contains(&r.sym) && !child_used {
                problems.push(format!("existing resource {} is never used", r.sym));
            }
        }
        problems
    }

    fn res(&self, sym: &str) -> R<&Res> {
        self.resources
            .iter()
            .find(|r| r.sym == sym)
            .ok_or(format!("no resource `{sym}`"))
    }

    fn lit_string(&self, b: &B) -> R<String> {
        match self.json(b)? {
            Json::String(s) => Ok(s),
            other => Err(format!("not a literal string: {other}")),
        }
    }

    fn full_name(&self, r: &Res) -> R<Vec<String>> {
        let mut names = match &r.parent {
            Some(p) => self.full_name(self.res(p)?)?,
            None => Vec::new(),
        };
        names.push(own_name(self.canon(&r.name)?));
        Ok(names)
    }

    /// Where a resource lives: its `scope:` (an `existing` one), its parent's, the resource it
    /// extends, or the file's.
    fn res_scope(&self, r: &Res) -> R<Scope> {
        match (&r.scope, r.parent.as_ref().or(r.extends.as_ref())) {
            (Some(s), _) => self.eval_scope(s),
            (None, Some(p)) => self.res_scope(self.res(p)?),
            (None, None) => Ok(self.scope.clone()),
        }
    }

    /// A `scope:` value: `resourceGroup(…)`, `subscription(…)` or a resource group's symbol.
    fn eval_scope(&self, b: &B) -> R<Scope> {
        Ok(match b {
            B::Call(f, args) if f == "resourceGroup" => match args.as_slice() {
                [rg] => (self.scope.0.clone(), Some(name_text(&self.canon(rg)?)?)),
                [sub, rg] => (sub_text(&self.canon(sub)?)?, Some(name_text(&self.canon(rg)?)?)),
                _ => return Err("resourceGroup() arguments".into()),
            },
            B::Call(f, args) if f == "subscription" => match args.as_slice() {
                [sub] => (sub_text(&self.canon(sub)?)?, None),
                _ => return Err("subscription() arguments".into()),
            },
            B::Ident(s) => {
                let r = self.res(s)?;
                if r.rtype != "Microsoft.Resources/resourceGroups" {
                    return Err(format!("scope {s} is not a resource group"));
                }
                (self.res_scope(r)?.0, Some(name_text(&self.canon(&r.name)?)?))
            }
            other => return Err(format!("scope {other:?}")),
        })
    }

    /// The canonical ID of a resource.
    fn id(&self, r: &Res) -> R<C> {
        Ok(make_id(&self.res_scope(r)?, &r.rtype, self.full_name(r)?))
    }

    fn json(&self, b: &B) -> R<Json> {
        Ok(match b {
            B::Array(items) => Json::Array(items.iter().map(|i| self.json(i)).collect::<R<_>>()?),
            B::Object(props) => {
                let mut m = Map::new();
                for (k, v) in props {
                    if m.insert(k.clone(), self.json(v)?).is_some() {
                        return Err(format!("duplicate property {k}"));
                    }
                }
                Json::Object(m)
            }
            other => self.canon(other)?.json(),
        })
    }

    /// Any value as a canonical expression (objects and arrays as literals).
    fn value(&self, b: &B) -> R<C> {
        match b {
            B::Array(_) | B::Object(_) => Ok(C::Lit(self.json(b)?)),
            other => self.canon(other),
        }
    }

    fn canon(&self, b: &B) -> R<C> {
        Ok(match b {
            B::Int(i) => C::Lit(json!(i)),
            B::Bool(v) => C::Lit(json!(v)),
            B::Str(parts) => concat(
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) => Ok(C::Lit(json!(s))),
                        Part::Expr(e) => self.canon(e),
                    })
                    .collect::<R<_>>()?,
            ),
            B::Array(_) | B::Object(_) => C::Lit(self.json(b)?),
            B::Ident(x) => {
                if self.params.iter().any(|p| p.name == *x) {
                    self.args.get(x).cloned().ok_or(format!("parameter {x} has no value"))?
                } else if let Some(v) = self.vars.get(x) {
                    C::Lit(self.json(v)?)
                } else {
                    return Err(format!("`{x}` alone is not a value"));
                }
            }
            B::Member(base, field) => match (&**base, field.as_str()) {
                (B::Ident(s), "id") if self.res(s).is_ok() => self.id(self.res(s)?)?,
                (B::Nested(p, c), "id") => match &**p {
                    B::Ident(p) => self.id(self.res(&format!("{p}::{c}"))?)?,
                    other => return Err(format!("nested access on {other:?}")),
                },
                (B::Ident(s), "properties") if self.res(s).is_ok() => {
                    let r = self.res(s)?;
                    C::Ref(Box::new(self.id(r)?), r.api.clone())
                }
                (B::Ident(s), "identity") if self.res(s).is_ok() => {
                    let r = self.res(s)?;
                    member(C::Full(Box::new(self.id(r)?), r.api.clone()), "identity")?
                }
                (B::Ident(s), f) if self.res(s).is_ok() => return Err(format!("{s}.{f}")),
                (B::Member(m, outputs), name) if outputs == "outputs" => match &**m {
                    B::Ident(m) => {
                        let (_, outs) = self.mods.get(m).ok_or(format!("{m} is not a module read before"))?;
                        outs.iter()
                            .find(|o| o.0 == name)
                            .map(|o| o.1.clone())
                            .ok_or(format!("module {m} has no output {name}"))?
                    }
                    other => return Err(format!("outputs of {other:?}")),
                },
                (B::Call(f, args), "subscriptionId") if f == "subscription" && args.is_empty() => {
                    C::SubId(self.scope.0.clone())
                }
                _ => member(self.canon(base)?, field)?,
            },
            B::Index(base, idx) => match &**idx {
                B::Int(i) => C::Index(Box::new(self.canon(base)?), *i),
                // `x['odd-key']`: the same as `x.key` for a key that is not an identifier.
                key => match plain_string(key) {
                    Some(k) if !is_identifier(&k) => member(self.canon(base)?, &k)?,
                    _ => return Err(format!("index {key:?}")),
                },
            },
            B::Call(f, args) if f == "reference" => match args.as_slice() {
                [target, api] => C::Ref(Box::new(self.canon(target)?), self.lit_string(api)?),
                _ => return Err("reference() needs a target and an API version".into()),
            },
            B::Call(f, args) if (f == "subscription" || f == "environment") && args.is_empty() => {
                C::Call(f.clone(), Vec::new())
            }
            B::Call(f, args) if f == "guid" => {
                C::Call(f.clone(), args.iter().map(|a| self.canon(a)).collect::<R<_>>()?)
            }
            B::Call(f, args) if f == "resourceId" => match args.as_slice() {
                [sub, rg, ty, name] => make_id(
                    &(sub_text(&self.canon(sub)?)?, Some(name_text(&self.canon(rg)?)?)),
                    &self.lit_string(ty)?,
                    vec![self.lit_string(name)?],
                ),
                _ => return Err("resourceId() needs a subscription, a resource group, a type and a name".into()),
            },
            B::Call(f, args) if f == "subscriptionResourceId" => match args.as_slice() {
                [ty, name] => make_id(
                    &(self.scope.0.clone(), None),
                    &self.lit_string(ty)?,
                    vec![self.lit_string(name)?],
                ),
                _ => return Err("subscriptionResourceId() needs a type and a name".into()),
            },
            other => return Err(format!("unexpected {other:?}")),
        })
    }

    /// A resource as ARM writes it: type, apiVersion, full name, its scope, then its body.
    fn resource_json(&self, r: &Res) -> R<Json> {
        let mut m = Map::new();
        m.insert("type".into(), json!(r.rtype));
        m.insert("apiVersion".into(), json!(r.api));
        m.insert("name".into(), json!(self.full_name(r)?.join("/")));
        for (k, v) in &r.body {
            if m.insert(k.clone(), self.json(v)?).is_some() {
                return Err(format!("duplicate property {k}"));
            }
        }
        if let Some(x) = &r.extends {
            m.insert("extends".into(), self.id(self.res(x)?)?.json());
        }
        m.insert("scope".into(), json!(scope_text(&self.res_scope(r)?)));
        Ok(Json::Object(m))
    }

    /// What Bicep makes a resource depend on: its parent, every resource of this file its body
    /// refers to (through an `existing` child, that child's parent), and `dependsOn`, which must
    /// not repeat any of those (no-unnecessary-dependson). As canonical IDs, like ARM's
    /// `dependsOn` (which lists only resources of the same template: an `existing` resource is
    /// deployed elsewhere, and its deployment is waited for as a whole).
    fn dependencies(&self, r: &Res) -> R<BTreeSet<String>> {
        let mut implied: Vec<String> = r.extends.iter().cloned().collect();
        let mut p = r.parent.clone();
        while let Some(s) = p {
            p = self.res(&s)?.parent.clone();
            implied.push(s);
        }
        implied.extend(r.extends.iter().cloned());
        self.refs(&r.name, &mut implied);
        for (_, v) in &r.body {
            self.refs(v, &mut implied);
        }
        let mut out = BTreeSet::new();
        for s in &r.depends_on {
            if implied.contains(s) {
                return Err(format!("dependsOn {s} is already implied"));
            }
        }
        for s in implied.iter().chain(&r.depends_on) {
            let mut d = self.res(s)?;
            while d.existing {
                match &d.parent {
                    Some(p) => d = self.res(p)?,
                    None => break,
                }
            }
            if !d.existing {
                out.insert(expr_text(self.id(d)?.json()));
            }
        }
        Ok(out)
    }

    /// What a module waits for: what its `scope:` and `params` refer to (a resource group, the
    /// outputs of another module), and `dependsOn`, which must not repeat any of those.
    fn module_dependencies(&self, m: &ModDecl) -> R<BTreeSet<String>> {
        let mut implied: Vec<String> = Vec::new();
        let mut explicit: Vec<String> = Vec::new();
        for (k, v) in &m.body {
            match (k.as_str(), v) {
                ("dependsOn", B::Array(items)) => {
                    for i in items {
                        match i {
                            B::Ident(s) => explicit.push(s.clone()),
                            other => return Err(format!("dependsOn {other:?}")),
                        }
                    }
                }
                ("dependsOn", other) => return Err(format!("dependsOn {other:?}")),
                _ => self.refs(v, &mut implied),
            }
        }
        let mut out = BTreeSet::new();
        for s in &explicit {
            if implied.contains(s) {
                return Err(format!("dependsOn {s} is already implied"));
            }
        }
        for s in implied.iter().chain(&explicit) {
            if let Some((id, _)) = self.mods.get(s) {
                out.insert(expr_text(id.clone().json()));
            } else {
                let r = self.res(s)?;
                if !r.existing {
                    out.insert(expr_text(self.id(r)?.json()));
                }
            }
        }
        Ok(out)
    }

    /// The resources and modules `b` refers to.
    fn refs(&self, b: &B, out: &mut Vec<String>) {
        match b {
            B::Ident(s) if self.res(s).is_ok() || self.modules.iter().any(|m| m.sym == *s) => out.push(s.clone()),
            B::Nested(p, c) => {
                if let B::Ident(p) = &**p {
                    out.push(format!("{p}::{c}"));
                }
            }
            B::Member(x, _) => self.refs(x, out),
            B::Index(x, i) => {
                self.refs(x, out);
                self.refs(i, out);
            }
            B::Call(_, args) | B::Array(args) => args.iter().for_each(|a| self.refs(a, out)),
            B::Object(props) => props.iter().for_each(|(_, v)| self.refs(v, out)),
            B::Str(parts) => parts.iter().for_each(|p| {
                if let Part::Expr(e) = p {
                    self.refs(e, out)
                }
            }),
            B::Ident(_) | B::Int(_) | B::Bool(_) => {}
        }
    }

    /// In a parameters file: the environment variable a value is read from, through a variable.
    fn env_var(&self, v: &B) -> Option<String> {
        let B::Ident(var) = v else { return None };
        match self.vars.get(var)? {
            B::Call(f, args) if f == "readEnvironmentVariable" => match args.as_slice() {
                [arg] => plain_string(arg),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Every name `b` mentions (identifiers, `parent::child`).
fn names_in(b: &B, out: &mut Vec<String>) {
    match b {
        B::Ident(s) => out.push(s.clone()),
        B::Nested(p, c) => {
            if let B::Ident(p) = &**p {
                out.push(p.clone());
                out.push(format!("{p}::{c}"));
            }
        }
        B::Member(x, _) => names_in(x, out),
        B::Index(x, i) => {
            names_in(x, out);
            names_in(i, out);
        }
        B::Call(_, args) | B::Array(args) => args.iter().for_each(|a| names_in(a, out)),
        B::Object(props) => props.iter().for_each(|(_, v)| names_in(v, out)),
        B::Str(parts) => parts.iter().for_each(|p| {
            if let Part::Expr(e) = p {
                names_in(e, out)
            }
        }),
        B::Int(_) | B::Bool(_) => {}
    }
}
