//! The human rendering: `error[CODE]: message`, the location, the YAML path, the line with a
//! marker, and the help line. Colour only when asked (on a terminal).

use super::Diagnostic;
use crate::source::SourceFile;
use crate::term;
use std::fmt::Write as _;

/// Renders one diagnostic for a person:
///
/// ```text
/// error[E0201]: `10.0.0.1/16` is not a network address
///   --> topology.yaml:4:20
///    = at vnets.hub.address_space
///    |
///  4 |     address_space: 10.0.0.1/16
///    |                    ^^^^^^^^^^^
///    = help: use `10.0.0.0/16`
/// ```
pub fn render(d: &Diagnostic, file: &SourceFile, color: bool) -> String {
    let (bold, red, yellow, blue, reset) = if color {
        ("\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[0m")
    } else {
        ("", "", "", "", "")
    };
    let sev_color = if d.is_error() { red } else { yellow };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{bold}{sev_color}{}[{}]{reset}{bold}: {}{reset}",
        d.severity.as_str(),
        d.code,
        term::message(&d.message)
    );
    match d.span {
        Some(span) => {
            let line_no = span.start.line;
            let gutter = " ".repeat(line_no.to_string().len());
            let _ = writeln!(
                out,
                "{gutter}{blue}-->{reset} {}:{}:{}",
                term::clean(&file.name),
                span.start.line,
                span.start.col
            );
            if let Some(path) = &d.path {
                if !path.is_empty() {
                    let path = term::shorten(path);
                    let _ = writeln!(out, "{gutter} {blue}={reset} at {}", term::clean(&path));
                }
            }
            if let Some(text) = file.line(line_no) {
                let (text, start, width) = excerpt(text, span);
                let _ = writeln!(out, "{gutter} {blue}|{reset}");
                let _ = writeln!(out, "{blue}{line_no} |{reset} {text}");
                let pad: String = text
                    .chars()
                    .take(start)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(
                    out,
                    "{gutter} {blue}|{reset} {pad}{sev_color}{}{reset}",
                    "^".repeat(width)
                );
            }
            if let Some(help) = &d.help {
                let _ = writeln!(
                    out,
                    "{gutter} {blue}={reset} {bold}help{reset}: {}",
                    term::message(help)
                );
            }
        }
        None => {
            let _ = writeln!(out, " {blue}-->{reset} {}", term::clean(&file.name));
            if let Some(help) = &d.help {
                let _ = writeln!(out, "  {blue}={reset} {bold}help{reset}: {}", term::message(help));
            }
        }
    }
    out
}

/// Longest source excerpt shown; longer lines (minified JSON, junk) show a window around the
/// position, so a diagnostic stays readable and small.
const MAX_EXCERPT: usize = 120;

/// The part of `line` to show (unsafe characters escaped), the marker's start column in it, and
/// the marker's width, both in characters as shown.
fn excerpt(line: &str, span: crate::source::Span) -> (String, usize, usize) {
    let (text, at, width) = window(line, span);
    // Escapes are wider than the characters they stand for: the marker moves with them.
    let mut shown = String::with_capacity(text.len());
    let (mut new_at, mut new_width) = (0, 0);
    for (i, c) in text.chars().enumerate() {
        let e = if c == '\t' { c.to_string() } else { term::escape_char(c) };
        let n = e.chars().count();
        if i < at {
            new_at += n;
        } else if i < at + width {
            new_width += n;
        }
        shown.push_str(&e);
    }
    (shown, new_at, new_width.max(1))
}

/// The part of `line` to show, the marker's start column in it, and the marker's width.
fn window(line: &str, span: crate::source::Span) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let start = (span.start.col.max(1) as usize - 1).min(chars.len());
    let width = if span.end.line == span.start.line && span.end.col > span.start.col {
        (span.end.col - span.start.col) as usize
    } else {
        chars.len().saturating_sub(start)
    }
    .max(1);
    if chars.len() <= MAX_EXCERPT {
        return (line.to_string(), start, width);
    }
    let from = start.saturating_sub(MAX_EXCERPT / 3);
    let to = (from + MAX_EXCERPT).min(chars.len());
    let mut shown: String = chars[from..to].iter().collect();
    let mut at = start - from;
    if from > 0 {
        shown.insert(0, '…');
        at += 1;
    }
    if to < chars.len() {
        shown.push('…');
    }
    let width = width.min(to.saturating_sub(start)).max(1);
    (shown, at, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Pos, Span};

    #[test]
    fn long_lines_show_a_window_around_the_position() {
        let line = format!("{}bad{}", "x".repeat(5000), "y".repeat(5000));
        let at = Span::new(Pos { line: 1, col: 5001 }, Pos { line: 1, col: 5004 });
        let (shown, col, width) = excerpt(&line, at);
        assert!(shown.chars().count() <= MAX_EXCERPT + 2);
        assert_eq!(shown.chars().skip(col).take(width).collect::<String>(), "bad");
    }

    #[test]
    fn control_characters_are_escaped_and_the_marker_follows() {
        let file = SourceFile::new("t.yaml", "name: \"\u{1b}[2Jx\u{202e}\"\n");
        let d = Diagnostic::error(
            "E0101",
            Some(Span::new(Pos { line: 1, col: 7 }, Pos { line: 1, col: 14 })),
            "`\u{1b}[2Jx\u{202e}` is not a valid name",
        );
        let text = render(&d, &file, false);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'), "{text}");
        assert!(
            text.contains("1 | name: \"\\u{1b}[2Jx\\u{202e}\"\n  |       ^^^^^^^^^^^^^^^^^^^\n"),
            "{text}"
        );
        assert!(
            text.starts_with("error[E0101]: `\\u{1b}[2Jx\\u{202e}` is not"),
            "{text}"
        );
    }

    #[test]
    fn renders_location_excerpt_and_help() {
        let file = SourceFile::new("t.yaml", "name: x\nlocation: eastuss\n");
        let mut d = Diagnostic::error(
            "E0001",
            Some(Span::new(Pos { line: 2, col: 11 }, Pos { line: 2, col: 18 })),
            "unknown region `eastuss`",
        )
        .with_help("did you mean `eastus`?");
        d.path = Some("location".into());
        let text = render(&d, &file, false);
        assert_eq!(
            text,
            "error[E0001]: unknown region `eastuss`\n --> t.yaml:2:11\n  = at location\n  |\n2 | location: eastuss\n  |           ^^^^^^^\n  = help: did you mean `eastus`?\n"
        );
    }
}
