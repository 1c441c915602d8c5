//! `aoai-vnet build`: compile and write (or compare, or print) the deployment files.

use super::{read, report, BuildArgs, TargetArg, EXIT_IO, EXIT_OK, EXIT_STALE, EXIT_TOPOLOGY, EXIT_USAGE};
use crate::{compile, output, Target};

pub(super) fn run(a: &BuildArgs) -> u8 {
    let target = match a.target {
        TargetArg::Arm => Target::Arm,
        TargetArg::Bicep => Target::Bicep,
        TargetArg::All => Target::All,
    };
    if a.stdout && target == Target::All {
        eprintln!("error: --stdout prints one template; choose it with `--target arm` (main.json) or `--target bicep` (main.bicep)");
        return EXIT_USAGE;
    }
    let file = match read(&a.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (compiled, diags) = compile(&file, target);
    report(&file, &diags, !a.check && !a.stdout);
    let Some(c) = compiled else {
        return EXIT_TOPOLOGY;
    };
    for n in &c.notes {
        eprintln!("note: {n}");
    }
    if a.stdout {
        // One template on standard output: a Bicep deployment split into modules is several
        // files, and main.bicep alone would not deploy.
        let modules = format!("{}/", crate::emit::bicep::MODULES_DIR);
        if c.files.iter().any(|f| f.name.starts_with(&modules)) {
            eprintln!(
                "error: the Bicep form of this topology is main.bicep and its modules in `{}/`; write them with `--out-dir`, or print main.json with `--target arm`",
                crate::emit::bicep::MODULES_DIR
            );
            return EXIT_USAGE;
        }
        let platform = format!("{}/", output::PLATFORM_DIR);
        if c.files.iter().any(|f| f.name.starts_with(&platform)) {
            eprintln!(
                "note: the hub owners' files in `{}/` are not printed; write them with `--out-dir`",
                output::PLATFORM_DIR
            );
        }
        print!("{}", c.files[0].text);
        return EXIT_OK;
    }
    if a.check {
        return match output::drift(&a.out_dir, &c.files) {
            Ok(d) if d.is_clean() => {
                eprintln!("{} is up to date", a.out_dir.display());
                EXIT_OK
            }
            Ok(d) => {
                for f in &d.missing {
                    eprintln!("missing: {}", a.out_dir.join(f).display());
                }
                for f in &d.different {
                    eprintln!("stale: {}", a.out_dir.join(f).display());
                }
                for f in &d.extra {
                    eprintln!(
                        "extra: {} (generated earlier, no longer produced)",
                        a.out_dir.join(f).display()
                    );
                }
                let target = match a.target {
                    TargetArg::Arm => " --target arm",
                    TargetArg::Bicep => " --target bicep",
                    TargetArg::All => "",
                };
                eprintln!(
                    "run `aoai-vnet build {} --out-dir {}{target}` and commit the result",
                    a.file.display(),
                    a.out_dir.display()
                );
                EXIT_STALE
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", a.out_dir.display());
                EXIT_IO
            }
        };
    }
    // main.bicep owns its modules' folder: modules an earlier build generated and this one does
    // not are removed with it.
    // So does the platform folder, for the kinds of file this target writes.
    let owned: &[&str] = match target {
        Target::Bicep | Target::All => &[crate::emit::bicep::MODULES_DIR, output::PLATFORM_DIR],
        Target::Arm => &[output::PLATFORM_DIR],
    };
    install_interrupt_handler();
    match output::write_all(&a.out_dir, &c.files, owned) {
        Ok(removed) => {
            for f in &c.files {
                eprintln!("wrote {}", a.out_dir.join(&f.name).display());
            }
            for f in &removed {
                eprintln!(
                    "removed {} (generated earlier, no longer produced)",
                    a.out_dir.join(f).display()
                );
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: cannot write the generated files: {e}");
            if e.partial {
                eprintln!(
                    "  = note: some files in {} may have been replaced; build again",
                    a.out_dir.display()
                );
            } else {
                eprintln!("  = note: nothing was written; {} is as it was", a.out_dir.display());
            }
            EXIT_IO
        }
    }
}

/// Ctrl-C or SIGTERM while writing removes what was staged: the folder is left as it was, or
/// (when the signal came during the final renames, which it waits for) fully written.
fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        let written = output::abandon();
        if written {
            eprintln!("\ninterrupted after the files were written");
        } else {
            eprintln!("\ninterrupted: nothing was written");
        }
        std::process::exit(130);
    });
}
