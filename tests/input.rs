//! Hostile and unlucky input through the real binary: files that are not files, aliases that
//! expand to gigabytes, huge maps, control characters and very long names.

mod common;
use common::*;
use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary; kills it and fails after a generous bound (a hang is the bug, not slowness).
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("`aoai-vnet {}` did not finish", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn things_that_are_not_regular_files_are_refused_with_exit_5() {
    let dir = scratch("input-special");
    let fifo = dir.join("fifo.yaml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    fs::create_dir(dir.join("folder.yaml")).unwrap();
    for (file, what) in [
        ("/dev/zero", "a character device"),
        ("fifo.yaml", "a named pipe (FIFO)"),
        ("folder.yaml", "a directory"),
    ] {
        for cmd in ["check", "build", "plan"] {
            let o = run_bounded(&dir, &[cmd, file]);
            assert_eq!(o.status.code(), Some(5), "{cmd} {file}: {}", stderr(&o));
            assert!(
                stderr(&o).contains(&format!("cannot read {file}: it is {what}, not a regular file")),
                "{}",
                stderr(&o)
            );
        }
    }
    assert!(!dir.join("infra").exists());
}

#[test]
fn an_alias_of_a_long_string_cannot_expand_to_gigabytes() {
    let dir = scratch("input-alias-bytes");
    let long = "x".repeat(1024 * 1024);
    let refs = vec!["*s"; 40].join(", ");
    fs::write(
        dir.join("bomb.yaml"),
        format!("name: demo\na: &s \"{long}\"\nb: [{refs}]\n"),
    )
    .unwrap();
    let o = run_bounded(&dir, &["check", "bomb.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("error[E0001]: the document expands to more than 33554432 bytes of text"),
        "{e}"
    );
    assert!(
        e.contains("--> bomb.yaml:3:"),
        "located at the alias that goes over: {e}"
    );
}

#[test]
fn nested_anchors_cannot_copy_a_large_list_again_and_again() {
    let dir = scratch("input-alias-nested");
    let items = vec!["1"; 40_000].join(", ");
    let mut text = format!("[{items}]");
    for i in (1..=30).rev() {
        text = format!("&a{i} [{text}]");
    }
    fs::write(dir.join("nested.yaml"), format!("name: demo\nx: {text}\n")).unwrap();
    let o = run_bounded(&dir, &["check", "nested.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[E0001]: the document expands to more than 1000000 nodes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_map_of_100000_keys_is_read_and_a_late_duplicate_found() {
    let dir = scratch("input-wide-map");
    let mut text = String::from("name: demo\ntags:\n");
    for i in 0..100_000 {
        text.push_str(&format!("  k{i:06}: v\n"));
    }
    text.push_str("  k000000: again\n");
    fs::write(dir.join("wide.yaml"), &text).unwrap();
    let o = run_bounded(&dir, &["check", "wide.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[E0002]: duplicate key `k000000` (first at line 3)"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--> wide.yaml:100003:3"), "{}", stderr(&o));
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = scratch("input-controls");
    fs::write(
        dir.join("t.yaml"),
        "name: \"x\\e[2Jy\\u202Ez\"\nlocation: \"east\\e]0;pwned\\u0007us\"\nvnets:\n  \"hub\\e[31m\": { address_space: 10.0.0.0/16 }\nopenai: {}\n",
    )
    .unwrap();
    let o = run_bounded(&dir, &["check", "t.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!e.contains(c), "{c:?} printed raw:\n{e}");
    }
    assert!(e.contains("`x\\u{1b}[2Jy\\u{202e}z`"), "{e}");
    // Raw control characters in the file: the source line is shown escaped too.
    fs::write(
        dir.join("raw.yaml"),
        "name: demo\u{1b}[2J\u{202e}\nlocation: [\u{1b}]0;x\u{7}\n",
    )
    .unwrap();
    let o = run_bounded(&dir, &["check", "raw.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!e.contains(c), "{c:?} printed raw:\n{e}");
    }
    assert!(e.contains("\\u{1b}"), "{e}");
}

#[test]
fn very_long_names_are_shortened_in_messages() {
    let dir = scratch("input-long-names");
    let long = "n".repeat(10_000);
    fs::write(
        dir.join("t.yaml"),
        format!("name: demo\nlocation: eastus\nvnets:\n  hub: {{ address_space: 10.0.0.0/16, name: {long} }}\n  spoke: {{ address_space: 10.1.0.0/16, name: {long} }}\nopenai: {{}}\n"),
    )
    .unwrap();
    let o = run_bounded(&dir, &["check", "t.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("(10000 characters)`"), "{e}");
    assert!(e.len() < 3000, "{} bytes of messages:\n{e}", e.len());
}
