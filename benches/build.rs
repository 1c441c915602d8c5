//! Build time and peak memory for a hub with 10, 100 and 1,000 spokes (`cargo bench`).
//!
//! Targets (issue 6): 1,000 spokes in under 100 ms and 100 MB on one core, growth close to
//! linear. Each size is compiled several times in-process (parse, check, lower, emit ARM and
//! Bicep); the best time is reported, and the peak heap measured by a counting allocator.
//!
//! Then hostile input (issue 11): a map of 100,000 keys (once quadratic: 25 s) and an alias of
//! a 1 MB string repeated 2,000 times (once 8 GB); each must be refused or read in well under a
//! second and a few tens of MB.

use aoai_vnet::{compile, source::SourceFile, Target};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// A hub with `n` spokes, each a /24 peered with the hub, plus Bastion, a jump box and a VPN
/// gateway (the shape of `examples/spokes-300.yaml`).
pub fn topology(n: usize) -> String {
    let mut s = String::from(
        "name: bench\nlocation: westeurope\nvnets:\n  hub:\n    address_space: 10.0.0.0/16\n    subnets: { default: /24, private-endpoints: /27 }\n",
    );
    for i in 1..=n {
        s.push_str(&format!(
            "  spoke{i:04}:\n    address_space: 10.{}.{}.0/24\n    peer: hub\n",
            100 + i / 256,
            i % 256
        ));
    }
    s.push_str("openai: {}\nbastion: { vnet: hub }\njumpbox: { vnet: hub }\nvpn_gateway: { vnet: hub, client_address_pool: 172.30.0.0/22 }\n");
    s
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "{:>7} {:>10} {:>10} {:>12} {:>10}",
        "spokes", "resources", "best ms", "peak heap MB", "output MB"
    );
    let mut per_spoke = Vec::new();
    for n in [10usize, 100, 1000] {
        let file = SourceFile::new(format!("spokes-{n}.yaml"), topology(n));
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
        per_spoke.push(ms / n as f64);
        println!(
            "{n:>7} {resources:>10} {ms:>10.1} {:>12.1} {:>10.2}",
            peak as f64 / 1048576.0,
            bytes as f64 / 1048576.0
        );
    }
    println!(
        "time per spoke: {:.3} ms (10), {:.3} ms (100), {:.3} ms (1000)",
        per_spoke[0], per_spoke[1], per_spoke[2]
    );
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
