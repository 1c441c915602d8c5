//! Text shown on a terminal. Names from a topology and texts from Azure are not ours: an escape
//! sequence in them (`ESC [2J` clears the screen) or a right-to-left override (which reorders
//! what is displayed) would act on the user's terminal. They are shown escaped, as Rust writes
//! them (`\u{1b}`), and a very long quoted value is shortened so that one name cannot fill a
//! screen.

use std::borrow::Cow;

/// Whether a character must not reach a terminal as is: C0 and C1 controls, DEL, and the
/// Unicode bidirectional formatting characters (the "Trojan Source" set).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The text with every unsafe character escaped, line breaks and tabs included: for one value
/// (a name, a message) printed within a line.
pub fn clean(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// As [`clean`], but line breaks and tabs are kept: for a text of several lines.
pub fn clean_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

/// One character as shown: itself, or its escape.
pub fn escape_char(c: char) -> String {
    if is_unsafe(c) {
        c.escape_default().to_string()
    } else {
        c.to_string()
    }
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A JSON value from outside (Azure's what-if) with every string and key escaped, before it
/// is rendered with colours of our own.
pub fn clean_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(clean(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(clean_json).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (clean(k).into_owned(), clean_json(v))).collect()),
        other => other.clone(),
    }
}

/// Longest value quoted in full in a message; longer ones show their start and end.
pub const MAX_QUOTED: usize = 80;

/// A value cut to `MAX_QUOTED` characters: its start, `…`, its end, and its length.
pub fn shorten(s: &str) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= MAX_QUOTED {
        return Cow::Borrowed(s);
    }
    let head: String = s.chars().take(MAX_QUOTED - 20).collect();
    let tail: String = s.chars().skip(n - 12).collect();
    Cow::Owned(format!("{head}…{tail} ({n} characters)"))
}

/// A message with every `` `quoted` `` value over `MAX_QUOTED` characters shortened, and
/// unsafe characters escaped.
pub fn message(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        out.push_str(&rest[..=open]);
        out.push_str(&shorten(&rest[open + 1..open + 1 + len]));
        out.push('`');
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    clean(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_overrides() {
        assert_eq!(clean("plain name"), "plain name");
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(clean("l1\nl2"), "l1\\nl2");
        assert_eq!(clean_lines("l1\nl2\u{7}"), "l1\nl2\\u{7}");
        assert_eq!(clean("\u{9b}"), "\\u{9b}");
    }

    #[test]
    fn long_quoted_values_are_shortened() {
        let long = "n".repeat(10_000);
        let m = message(&format!("`{long}` is already the name of `x`"));
        assert!(m.len() < 200, "{m}");
        assert!(m.contains("(10000 characters)` is already the name of `x`"), "{m}");
        assert_eq!(message("no `quote"), "no `quote");
        assert_eq!(message("`a` and `b\u{1b}`"), "`a` and `b\\u{1b}`");
    }
}
