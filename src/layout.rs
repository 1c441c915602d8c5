//! How the IR is laid out in deployments. Usually flat: one resource-group template. When some
//! resources live in other resource groups or subscriptions, or the template would pass ARM's
//! resource limit, resources are grouped into nested deployments:
//!
//! - a group holds resources of one scope (subscription + resource group);
//! - a scope with more resources than fit is cut into chunks along VNets (a spoke's VNet, NSGs,
//!   peerings and zone link stay together), so each nested template stays well under the limit;
//!   a VNet with more than a chunk of its own (a hub's peerings) is cut into pieces, in IR order;
//! - slow resources (VPN gateway, Bastion) get a deployment of their own, so what waits for their
//!   VNet does not also wait 30 minutes for them;
//! - a resource that needs one in another unit goes to a later stage; groups are (unit, stage),
//!   which makes the dependencies between groups acyclic (peerings across resource groups come
//!   after both VNets).
//!
//! Every emitter uses the same layout, so ARM's nested deployments and Bicep's modules agree. The
//! layout also names the deployments: unique (ignoring case) and within ARM's 64 characters by
//! construction, however long the workload and resource group names are.

use crate::azure::arm::MAX_DEPLOYMENT_NAME;
pub use crate::azure::arm::MAX_RESOURCES;
use crate::ir::Template;
use crate::model::Scope;
use indexmap::IndexMap;

/// `Layout::group_of` of a resource that exists already: it is deployed by no group.
pub const NO_GROUP: usize = usize::MAX;

/// Chunks are filled up to this many resources, leaving room below the limit.
pub const CHUNK_RESOURCES: usize = 400;

/// Resource types whose deployment takes many minutes (Source: the oracle's deploy-time table and
/// Azure docs: VPN gateways 30 to 45 min, Bastion 5 to 10 min).
const SLOW: &[&str] = &[
    "Microsoft.Network/virtualNetworkGateways",
    "Microsoft.Network/bastionHosts",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The nested deployment's name (unique, at most 64 characters).
    pub name: String,
    pub scope: Scope,
    /// Indices into `Template::resources`, in IR order.
    pub members: Vec<usize>,
    /// Indices of the groups this one waits for.
    pub needs: Vec<usize>,
    /// What the group holds, for readers.
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The outer template deploys at subscription scope (resources in named resource groups).
    pub subscription_scope: bool,
    /// Nested deployments; empty when the template is flat.
    pub groups: Vec<Group>,
    /// Resource groups the subscription-scope template creates, the default one first (not those
    /// that hold a resource that exists already: groups deploy into them without creating them).
    pub resource_groups: Vec<Scope>,
    /// By resource index: the group that holds it (`NO_GROUP` for what exists already; empty when
    /// the layout is flat).
    pub group_of: Vec<usize>,
    /// By resource group (as `resource_groups`): the name of the subscription-level deployment
    /// that creates it, for a resource group in another subscription.
    pub rg_deployments: Vec<Option<String>>,
}

impl Layout {
    pub fn is_flat(&self) -> bool {
        self.groups.is_empty()
    }

    /// Whether the subscription-scope template creates resource group `rg` (it does not create
    /// one that holds what exists already).
    pub fn creates(&self, rg: &Scope) -> bool {
        self.resource_groups.contains(rg)
    }

    /// The subscription-level deployment that creates resource group `rg` (one in another
    /// subscription).
    pub fn rg_deployment(&self, rg: &Scope) -> &str {
        self.resource_groups
            .iter()
            .position(|s| s == rg)
            .and_then(|i| self.rg_deployments[i].as_deref())
            .expect("a resource group in another subscription has its deployment")
    }
}

/// A unit: the scope, the chunk, and the slow resource it is dedicated to (if any).
type Unit = (Scope, usize, Option<usize>);
/// A group: its stage, its unit, and whether it is the unit's tail (what nothing waits for).
/// (stage, unit, piece): piece 0 is the core, 1 the tail that needs nothing of the core, 2 the
/// tail that does.
type GroupKey = (usize, Unit, u8);

pub fn layout(t: &Template, workload: &str) -> Layout {
    let multi = t.is_multi_scope();
    let deployed = (0..t.resources.len()).filter(|&i| t.deployed(i)).count();
    if !multi && deployed <= MAX_RESOURCES {
        return Layout::default();
    }
    let n = t.resources.len();
    let index: IndexMap<&str, usize> = t
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.symbol.as_str(), i))
        .collect();
    let needs: Vec<Vec<usize>> = t
        .resources
        .iter()
        .map(|r| {
            // What exists already is never waited for.
            r.needs()
                .iter()
                .filter_map(|s| index.get(s.as_str()).copied())
                .filter(|&d| t.deployed(d))
                .collect()
        })
        .collect();
    let scopes: Vec<Scope> = t.resources.iter().map(|r| t.scope_of(&r.symbol).clone()).collect();

    // Home VNet of each resource, for chunking: the VNet itself, what it references or is
    // referenced by, or its parent's home.
    let is_vnet = |i: usize| t.resources[i].rtype == "Microsoft.Network/virtualNetworks";
    let mut home: Vec<Option<usize>> = (0..n).map(|i| is_vnet(i).then_some(i)).collect();
    for i in 0..n {
        if home[i].is_none() {
            home[i] = needs[i].iter().copied().find(|&d| is_vnet(d));
        }
    }
    for (i, ns) in needs.iter().enumerate() {
        if is_vnet(i) {
            for &d in ns {
                if home[d].is_none() {
                    home[d] = Some(i);
                }
            }
        }
    }
    for i in 0..n {
        if home[i].is_none() {
            home[i] = needs[i].first().and_then(|&p| home[p]);
        }
    }

    // Chunks per scope: homes packed in order, a home never split.
    let mut chunk = vec![0usize; n];
    let mut per_scope: IndexMap<Scope, Vec<usize>> = IndexMap::new();
    for (i, scope) in scopes.iter().enumerate().filter(|(i, _)| t.deployed(*i)) {
        per_scope.entry(scope.clone()).or_default().push(i);
    }
    for members in per_scope.values() {
        if members.len() <= MAX_RESOURCES {
            continue;
        }
        let mut by_home: IndexMap<Option<usize>, Vec<usize>> = IndexMap::new();
        for &i in members {
            by_home.entry(home[i]).or_default().push(i);
        }
        let (mut current, mut filled) = (0usize, 0usize);
        for (_, rs) in by_home {
            // A home larger than a chunk (a hub with hundreds of peerings) goes in pieces.
            for piece in rs.chunks(CHUNK_RESOURCES) {
                if filled > 0 && filled + piece.len() > CHUNK_RESOURCES {
                    current += 1;
                    filled = 0;
                }
                filled += piece.len();
                for &i in piece {
                    chunk[i] = current;
                }
            }
        }
    }
    let slow = |i: usize| SLOW.contains(&t.resources[i].rtype);
    let unit = |i: usize| (scopes[i].clone(), chunk[i], if slow(i) { Some(i) } else { None });

    // Stages: one more than any need in another unit.
    let mut stage: Vec<Option<usize>> = vec![None; n];
    fn stage_of(
        i: usize,
        needs: &[Vec<usize>],
        unit: &dyn Fn(usize) -> (Scope, usize, Option<usize>),
        stage: &mut Vec<Option<usize>>,
        depth: usize,
    ) -> usize {
        if let Some(s) = stage[i] {
            return s;
        }
        assert!(depth <= needs.len(), "dependency cycle in the IR");
        let mut s = 0;
        for &d in &needs[i] {
            let ds = stage_of(d, needs, unit, stage, depth + 1);
            s = s.max(ds + usize::from(unit(d) != unit(i)));
        }
        stage[i] = Some(s);
        s
    }
    for i in 0..n {
        stage_of(i, &needs, &unit, &mut stage, 0);
    }

    // Within a (unit, stage), the core is what other groups wait for (and what it needs); the
    // rest (a jump box, say) forms a tail group of its own, so nothing waits for it needlessly.
    // An extension resource (a role assignment for the jump box's identity) only attaches to what
    // it names: its group waits for the tail group it needs, which stays a tail (the VPN gateway
    // does not wait for the jump box because of it).
    let stage: Vec<usize> = stage.into_iter().map(|s| s.expect("computed")).collect();
    let mut core = vec![false; n];
    for i in (0..n).filter(|&i| t.resources[i].extends.is_none()) {
        for &d in &needs[i] {
            if unit(d) != unit(i) || stage[d] != stage[i] {
                core[d] = true;
            }
        }
    }
    for i in (0..n).rev() {
        if core[i] {
            let mut todo = vec![i];
            while let Some(x) = todo.pop() {
                for &d in &needs[x] {
                    if !core[d] && unit(d) == unit(x) && stage[d] == stage[x] {
                        core[d] = true;
                        todo.push(d);
                    }
                }
            }
        }
    }
    // The tail splits again: what needs the core (a zone link to the VNet that another group
    // waits for) waits for it; the rest (the account, its endpoint in an existing hub) does not.
    // A resource that needs nothing and that the waiting part needs (the zone a link is made in)
    // joins the core, so that the waiting part does not also wait for the whole other part.
    let same_piece = |a: usize, b: usize| unit(a) == unit(b) && stage[a] == stage[b];
    let waits = |core: &[bool]| {
        let mut w = vec![false; n];
        loop {
            let mut changed = false;
            for i in 0..n {
                if !core[i] && !w[i] && needs[i].iter().any(|&d| same_piece(d, i) && (core[d] || w[d])) {
                    w[i] = true;
                    changed = true;
                }
            }
            if !changed {
                return w;
            }
        }
    };
    let mut waiting = waits(&core);
    let roots: Vec<usize> = (0..n)
        .filter(|&i| waiting[i])
        .flat_map(|i| needs[i].iter().copied().filter(move |&d| same_piece(d, i)))
        .filter(|&d| !core[d] && !waiting[d] && needs[d].is_empty())
        .collect();
    if !roots.is_empty() && core.iter().any(|&c| c) {
        for d in roots {
            core[d] = true;
        }
        waiting = waits(&core);
    }
    let mut keyed: IndexMap<GroupKey, Vec<usize>> = IndexMap::new();
    for i in (0..n).filter(|&i| t.deployed(i)) {
        let piece = if core[i] {
            0
        } else if waiting[i] {
            2
        } else {
            1
        };
        keyed.entry((stage[i], unit(i), piece)).or_default().push(i);
    }
    let mut keys: Vec<_> = keyed.keys().cloned().collect();
    keys.sort_by_key(|k| (k.0, keyed[k][0]));
    let mut groups: Vec<Group> = keys
        .iter()
        .map(|k| {
            let members = keyed[k].clone();
            Group {
                name: String::new(),
                scope: (k.1).0.clone(),
                members,
                needs: Vec::new(),
                description: String::new(),
            }
        })
        .collect();
    // What exists already is in no group (`NO_GROUP`).
    let group_of: Vec<usize> = {
        let mut g = vec![NO_GROUP; n];
        for (gi, grp) in groups.iter().enumerate() {
            for &m in &grp.members {
                g[m] = gi;
            }
        }
        g
    };
    for (gi, group) in groups.iter_mut().enumerate() {
        let mut ns: Vec<usize> = group
            .members
            .iter()
            .flat_map(|&m| needs[m].iter().map(|&d| group_of[d]))
            .filter(|&g| g != gi)
            .collect();
        ns.sort_unstable();
        ns.dedup();
        group.needs = ns;
    }
    // The resource groups to create: the default one, and every other that a group deploys into,
    // except those that hold something that exists already (a platform team's hub): they exist.
    let existing_scopes: Vec<&Scope> = (0..n).filter(|&i| !t.deployed(i)).map(|i| &scopes[i]).collect();
    let mut resource_groups: Vec<Scope> = Vec::new();
    if multi {
        resource_groups.push(Scope::default());
        for s in per_scope.keys() {
            if !s.is_default() && !resource_groups.contains(s) && !existing_scopes.contains(&s) {
                resource_groups.push(s.clone());
            }
        }
    }
    let mut names = Names::default();
    let rg_deployments = resource_groups
        .iter()
        .map(|rg| {
            rg.subscription.as_ref()?;
            let rg_name = rg.resource_group.as_deref().unwrap_or("main");
            Some(names.take(&format!("{workload}-create-{rg_name}"), ""))
        })
        .collect();
    name_groups(t, workload, &mut groups, &mut names);
    Layout {
        subscription_scope: multi,
        groups,
        resource_groups,
        group_of,
        rg_deployments,
    }
}

/// Deployment names handed out so far. A name is its base cut to fit ARM's 64 characters before
/// its suffix (`-2`, `-vpng-x`), so the part that tells groups apart survives; a name taken
/// already (ignoring case) gets a number.
#[derive(Default)]
struct Names {
    taken: std::collections::HashSet<String>,
}

impl Names {
    fn take(&mut self, base: &str, suffix: &str) -> String {
        let mut n = 1;
        loop {
            let tail = if n == 1 {
                suffix.to_string()
            } else {
                format!("{suffix}-{n}")
            };
            let name = fit(base, &tail);
            if self.taken.insert(name.to_ascii_lowercase()) {
                return name;
            }
            n += 1;
        }
    }
}

/// `base` cut so that `base + tail` has at most 64 characters (no `-` or `.` left dangling).
fn fit(base: &str, tail: &str) -> String {
    let tail: String = tail.chars().take(MAX_DEPLOYMENT_NAME / 2).collect();
    let room = MAX_DEPLOYMENT_NAME - tail.chars().count();
    let head: String = base.chars().take(room).collect();
    format!("{}{tail}", head.trim_end_matches(['-', '.']))
}

/// Names like `contoso-rg-spokes-2`: the workload, the resource group (or `main`), and a number
/// when the resource group holds several groups; slow resources are named after themselves.
fn name_groups(t: &Template, workload: &str, groups: &mut [Group], names: &mut Names) {
    let solo = |g: &Group| g.members.len() == 1 && SLOW.contains(&t.resources[g.members[0]].rtype);
    let mut count: IndexMap<Scope, usize> = IndexMap::new();
    for g in groups.iter().filter(|g| !solo(g)) {
        *count.entry(g.scope.clone()).or_default() += 1;
    }
    let mut seen: IndexMap<Scope, usize> = IndexMap::new();
    for g in groups.iter_mut() {
        let rg = g.scope.resource_group.clone().unwrap_or_else(|| "main".into());
        let first = &t.resources[g.members[0]];
        let base = format!("{workload}-{rg}");
        g.name = if solo(g) {
            names.take(&base, &format!("-{}", first.name))
        } else if count[&g.scope] > 1 {
            let k = seen.entry(g.scope.clone()).or_default();
            *k += 1;
            names.take(&base, &format!("-{k}"))
        } else {
            names.take(&base, "")
        };
        let types: Vec<&str> = {
            let mut v: Vec<&str> = g
                .members
                .iter()
                .map(|&m| t.resources[m].rtype.rsplit('/').next().unwrap_or_default())
                .collect();
            v.dedup();
            v
        };
        g.description = format!("{} resource(s): {}", g.members.len(), types.join(", "));
    }
}
