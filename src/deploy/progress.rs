//! The live view of a deployment, on stderr: on a terminal, a line per finished resource and a
//! progress bar redrawn after each poll; otherwise plain lines, one per change of a resource's
//! state (fit for CI logs).

use super::arm::{Operation, Watch};
use crate::term::clean;
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

pub struct Progress {
    terminal: bool,
    color: bool,
    total: usize,
    seen: HashMap<String, String>,
    done: usize,
    started: Instant,
    bar_drawn: bool,
    out: Box<dyn Write + Send>,
}

impl Progress {
    /// `total`: the number of resources the template declares (the bar's end).
    pub fn new(total: usize, terminal: bool, color: bool) -> Progress {
        Progress::to(Box::new(std::io::stderr()), total, terminal, color)
    }

    pub fn to(out: Box<dyn Write + Send>, total: usize, terminal: bool, color: bool) -> Progress {
        Progress {
            terminal,
            color,
            total,
            seen: HashMap::new(),
            done: 0,
            started: Instant::now(),
            bar_drawn: false,
            out,
        }
    }

    /// Clears the bar (before other output, and at the end).
    pub fn finish(&mut self) {
        if self.bar_drawn {
            let _ = write!(self.out, "\r\x1b[2K");
            let _ = self.out.flush();
            self.bar_drawn = false;
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn line(&mut self, text: &str) {
        self.finish();
        let _ = writeln!(self.out, "{text}");
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

impl Watch for Progress {
    fn update(&mut self, state: &str, operations: &[Operation]) {
        for op in operations {
            let previous = self.seen.get(&op.id).cloned();
            if previous.as_deref() == Some(op.state.as_str()) {
                continue;
            }
            self.seen.insert(op.id.clone(), op.state.clone());
            let what = clean(&format!("{} {}", op.resource_type, op.resource_name)).into_owned();
            let took = op.duration.map(|d| format!(" ({})", human(d))).unwrap_or_default();
            let s = op.state.to_ascii_lowercase();
            if s == "succeeded" {
                self.done += 1;
                let mark = if self.terminal {
                    self.paint("32", "✓")
                } else {
                    "done   ".into()
                };
                self.line(&format!("  {mark} {what}{took}"));
            } else if s == "failed" {
                let mark = if self.terminal {
                    self.paint("31", "✗")
                } else {
                    "failed ".into()
                };
                let why = op
                    .error
                    .as_ref()
                    .map(|e| format!(": {}", clean(&e.headline())))
                    .unwrap_or_default();
                self.line(&format!("  {mark} {what}{took}{why}"));
            } else if !self.terminal && previous.is_none() {
                self.line(&format!("  started {what}"));
            }
        }
        if self.terminal {
            let running: Vec<&str> = operations
                .iter()
                .filter(|o| !super::arm::is_terminal(&o.state))
                .map(|o| o.resource_name.as_str())
                .collect();
            let total = self.total.max(self.seen.len()).max(1);
            let width = 24;
            let filled = (self.done.min(total) * width) / total;
            let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
            let mut names = clean(&running.join(", ")).into_owned();
            if names.chars().count() > 50 {
                names = names.chars().take(47).collect::<String>() + "...";
            }
            let tail = if names.is_empty() {
                clean(state).into_owned()
            } else {
                format!("running: {names}")
            };
            let _ = write!(
                self.out,
                "\r\x1b[2K[{bar}] {}/{total} {} {tail}",
                self.done,
                human(self.started.elapsed())
            );
            let _ = self.out.flush();
            self.bar_drawn = true;
        }
    }
}

/// `4s`, `2m 05s`, `1h 02m`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn op(id: &str, state: &str) -> Operation {
        Operation {
            id: id.into(),
            state: state.into(),
            resource_type: "Microsoft.Network/virtualNetworks".into(),
            resource_name: format!("vnet-{id}"),
            resource_id: String::new(),
            duration: Some(Duration::from_secs(75)),
            error: None,
        }
    }

    #[test]
    fn plain_lines_once_per_state_change() {
        let buf = Buf::default();
        let mut p = Progress::to(Box::new(buf.clone()), 2, false, false);
        p.update("Running", &[op("a", "Running")]);
        p.update("Running", &[op("a", "Running"), op("b", "Succeeded")]);
        p.update("Succeeded", &[op("a", "Succeeded"), op("b", "Succeeded")]);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "  started Microsoft.Network/virtualNetworks vnet-a\n  done    Microsoft.Network/virtualNetworks vnet-b (1m 15s)\n  done    Microsoft.Network/virtualNetworks vnet-a (1m 15s)\n"
        );
    }

    #[test]
    fn terminal_bar() {
        let buf = Buf::default();
        let mut p = Progress::to(Box::new(buf.clone()), 4, true, false);
        p.update("Running", &[op("a", "Succeeded"), op("b", "Running")]);
        p.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("✓ Microsoft.Network/virtualNetworks vnet-a (1m 15s)"),
            "{text}"
        );
        assert!(
            text.contains("[######------------------] 1/4 0s running: vnet-b"),
            "{text}"
        );
        assert!(text.ends_with("\r\x1b[2K"), "the bar is cleared at the end");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_secs(4)), "4s");
        assert_eq!(human(Duration::from_secs(125)), "2m 05s");
        assert_eq!(human(Duration::from_secs(3720)), "1h 02m");
    }
}
