//! Build time and peak memory for a hub with 10, 100 and 500 spokes and an estate of 1,800 VNets
//! (four hubs of 449 spokes in four regions) (`cargo bench`).
//!
//! Targets: 500 spokes in under 50 ms; 1,800 VNets in under 200 ms and 200 MB on one core;
//! growth close to linear. Each size is compiled several times in-process (parse, check, lower, emit ARM and
//! Bicep); the best time is reported, and the peak heap measured by a counting allocator.
//!
//! Then hostile input (issue 11): a map of 100,000 keys (once quadratic: 25 s) and an alias of
//! a 1 MB string repeated 2,000 times (once 8 GB); each must be refused or read in well under a
//! second and a few tens of MB.

use aoai_vnet::{compile, source::SourceFile, Target};
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The binary's allocator (mimalloc, `src/main.rs`), counting the bytes in use.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    // The system's own realloc (growing in place where it can), as the binary has it; the
    // default would allocate, copy and free on every growth of a string or vector.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// `hubs` hubs with `spokes` spokes each (a /24 peered with its hub), each hub and its spokes in
/// a region and resource group of their own, one private endpoint and DNS island per hub, plus
/// Bastion, a jump box and a VPN gateway in the first hub (the shape of
/// `examples/estate-1800.yaml`).
pub fn topology(hubs: usize, spokes: usize) -> String {
    const REGIONS: [&str; 4] = ["westeurope", "northeurope", "swedencentral", "francecentral"];
    let mut s = String::from("name: bench\nlocation: westeurope\nvnets:\n");
    for h in 0..hubs {
        let region = REGIONS[h % REGIONS.len()];
        s.push_str(&format!(
            "  hub{h}:\n    address_space: 10.{h}.0.0/16\n    location: {region}\n    resource_group: rg-hub{h}\n    subnets: {{ default: /24, private-endpoints: /27 }}\n"
        ));
        for i in 0..spokes {
            let n = h * spokes + i;
            s.push_str(&format!(
                "  spoke{h}x{i:03}:\n    address_space: 10.{}.{}.0/24\n    location: {region}\n    resource_group: rg-hub{h}\n    peer: hub{h}\n",
                16 + n / 256,
                n % 256
            ));
        }
    }
    // One endpoint per hub, each with its DNS island (its zone linked to the hub and its spokes).
    s.push_str("openai:\n  private_endpoints:\n");
    for h in 0..hubs {
        s.push_str(&format!("    - {{ vnet: hub{h} }}\n"));
    }
    s.push_str("bastion: { vnet: hub0 }\njumpbox: { vnet: hub0 }\nvpn_gateway: { vnet: hub0, client_address_pool: 172.30.0.0/22 }\n");
    s
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "{:<24} {:>6} {:>10} {:>10} {:>12} {:>10}",
        "topology", "VNets", "resources", "best ms", "peak heap MB", "output MB"
    );
    let mut per_vnet = Vec::new();
    for (name, hubs, spokes) in [
        ("hub, 10 spokes", 1usize, 10usize),
        ("hub, 100 spokes", 1, 100),
        ("hub, 500 spokes", 1, 500),
        ("4 hubs of 449 spokes", 4, 449),
    ] {
        let vnets = hubs * (spokes + 1);
        let file = SourceFile::new(format!("bench-{vnets}.yaml"), topology(hubs, spokes));
        let runs = if quick { 2 } else { 10 };
        let mut best = Duration::MAX;
        let mut resources = 0;
        let mut bytes = 0;
        let mut peak = 0;
        for _ in 0..runs {
            let before = CURRENT.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let start = Instant::now();
            let (c, diags) = compile(&file, Target::All);
            let took = start.elapsed();
            let c = c.unwrap_or_else(|| panic!("{diags:?}"));
            peak = peak.max(PEAK.load(Ordering::Relaxed) - before);
            best = best.min(took);
            resources = c.template.resources.len();
            bytes = c.files.iter().map(|f| f.text.len()).sum();
        }
        let ms = best.as_secs_f64() * 1e3;
        per_vnet.push(format!("{:.3} ms ({vnets})", ms / vnets as f64));
        println!(
            "{name:<24} {vnets:>6} {resources:>10} {ms:>10.1} {:>12.1} {:>10.2}",
            peak as f64 / 1048576.0,
            bytes as f64 / 1048576.0
        );
    }
    println!("time per VNet: {}", per_vnet.join(", "));
    println!("\n{:<34} {:>10} {:>12}", "hostile input", "ms", "peak heap MB");
    let mut wide = String::from("name: bench\ntags:\n");
    for i in 0..100_000 {
        wide.push_str(&format!("  k{i:06}: v\n"));
    }
    let alias = format!(
        "name: bench\na: &s \"{}\"\nb: [{}]\n",
        "x".repeat(1 << 20),
        vec!["*s"; 2000].join(", ")
    );
    for (what, text) in [
        ("map of 100,000 keys", wide),
        ("1 MB alias repeated 2,000 times", alias),
    ] {
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let start = Instant::now();
        let _ = aoai_vnet::yaml::parse(&text);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let peak = (PEAK.load(Ordering::Relaxed) - before) as f64 / 1048576.0;
        println!("{what:<34} {ms:>10.1} {peak:>12.1}");
    }
}
