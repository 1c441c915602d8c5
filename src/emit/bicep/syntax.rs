//! Bicep's lexical rules: string literals and their escapes, identifiers, property names,
//! property paths, and the hosts the linter's `no-hardcoded-env-urls` rule flags.
//!
//! Source: Microsoft Learn, "Bicep data types" (strings: `'…'`, escapes `\\ \' \n \r \t \$ \u{…}`,
//! `${…}` interpolation) and "Bicep file structure and syntax" (identifiers, property names).

use crate::ir::Seg;
use std::fmt::Write;

/// The text of `s` as a Bicep string literal, quotes included. `${` is escaped so that it is
/// never read as interpolation.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    escape_into(&mut out, s, true);
    out.push('\'');
    out
}

/// Appends `s` escaped for the inside of a Bicep string literal; `closing` when the closing quote
/// follows. A backslash right before the closing quote is written `\u{5C}` rather than `\\`: the
/// same string for Bicep, and pycep (the parser of checkov and of the project's oracle) would
/// otherwise read `\'` as an escaped quote and run past the end of the string.
pub fn escape_into(out: &mut String, s: &str, closing: bool) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if closing && chars.peek().is_none() => out.push_str("\\u{5C}"),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Whether `s` can stand as a bare Bicep identifier (a symbol or a property name).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `.a.b[0]`, with `['odd-key']` for keys that are not identifiers.
pub fn path(segs: &[Seg]) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Key(k) if is_identifier(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Key(k) => {
                let _ = write!(out, "[{}]", string(k));
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// `jumpboxSshPublicKey` -> `JUMPBOX_SSH_PUBLIC_KEY`.
pub fn screaming_snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    out
}

/// The linter rule that flags API versions more than two years old.
pub const RECENT_API_RULE: &str = "use-recent-api-versions";

/// The linter rule that flags hosts of one cloud written into a template.
pub const HOST_RULE: &str = "no-hardcoded-env-urls";

/// The hosts `no-hardcoded-env-urls` flags by default, and the ones it lets through.
/// Source: Azure/bicep, `src/Bicep.Core/Configuration/bicepconfig.json`
/// (`analyzers.core.rules.no-hardcoded-env-urls`).
const DISALLOWED_HOSTS: &[&str] = &[
    "api.loganalytics.io",
    "azuredatalakeanalytics.net",
    "azuredatalakestore.net",
    "batch.core.windows.net",
    "core.windows.net",
    "database.windows.net",
    "datalake.azure.net",
    "gallery.azure.com",
    "graph.windows.net",
    "login.microsoftonline.com",
    "management.azure.com",
    "management.core.windows.net",
    "region.asazure.windows.net",
    "trafficmanager.net",
    "vault.azure.net",
];
const EXCLUDED_HOSTS: &[&str] = &["schema.management.azure.com"];
/// What every host of `DISALLOWED_HOSTS` ends with (a test keeps them in step).
const HOST_ENDINGS: &[&str] = &[".com", ".net", ".io"];

/// Whether the text of a string literal holds a host that `no-hardcoded-env-urls` flags, matched
/// as the rule does (Azure/bicep, `NoHardcodedEnvironmentUrlsRule.cs`): case-insensitively, not
/// inside a longer word, and not within an excluded host.
pub fn has_disallowed_host(text: &str) -> bool {
    // Every flagged host ends in one of `HOST_ENDINGS`: most literals (names, CIDRs) have none,
    // and are answered without a search per host.
    let tail = |t: &[u8]| {
        HOST_ENDINGS
            .iter()
            .any(|e| t.windows(e.len()).any(|w| w.eq_ignore_ascii_case(e.as_bytes())))
    };
    if !tail(text.as_bytes()) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let excluded: Vec<(usize, usize)> = EXCLUDED_HOSTS
        .iter()
        .flat_map(|h| host_matches(&lower, h).map(move |at| (at, at + h.len())))
        .collect();
    DISALLOWED_HOSTS.iter().any(|h| {
        host_matches(&lower, h).any(|at| {
            let end = at + h.len();
            !excluded.iter().any(|&(s, e)| at < e && s < end)
        })
    })
}

/// Start offsets of `host` in `text` that are not part of a longer alphanumeric run.
fn host_matches<'a>(text: &'a str, host: &'a str) -> impl Iterator<Item = usize> + 'a {
    let bytes = text.as_bytes();
    text.match_indices(host).map(|(at, _)| at).filter(move |&at| {
        let end = at + host.len();
        let before = at > 0 && bytes[at - 1].is_ascii_alphanumeric();
        let after = end < bytes.len() && bytes[end].is_ascii_alphanumeric();
        !before && !after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_and_escaped() {
        assert_eq!(string("plain"), "'plain'");
        assert_eq!(string(""), "''");
        assert_eq!(string("it's"), r"'it\'s'");
        assert_eq!(
            string(r"C:\temp\"),
            r"'C:\\temp\u{5C}'",
            "a final backslash pycep can read"
        );
        assert_eq!(string(r"a\'"), r"'a\\\''");
        assert_eq!(string("\\"), r"'\u{5C}'");
        assert_eq!(string("${x}"), r"'\${x}'");
        assert_eq!(
            string("cost: $5 {x}"),
            "'cost: $5 {x}'",
            "a lone `$` or `{{` needs no escape"
        );
        assert_eq!(string("$${"), r"'$\${'");
        assert_eq!(string("a\nb\r\tc"), r"'a\nb\r\tc'");
        assert_eq!(string("bell\u{7}"), r"'bell\u{7}'");
        assert_eq!(string("Zürich – ok"), "'Zürich – ok'", "non-ASCII text stays as it is");
        assert_eq!(string("'''"), r"'\'\'\''", "never a multi-line string opener");
    }

    #[test]
    fn identifiers_and_property_names() {
        for ok in ["a", "vnetHub", "_x", "x1", "A_b"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "cost-center", "a.b", "a b", "é"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn paths_use_brackets_for_odd_keys() {
        let segs = [
            Seg::Key("networkInterfaces".into()),
            Seg::Index(0),
            Seg::Key("id".into()),
            Seg::Key("odd-key".into()),
        ];
        assert_eq!(path(&segs), ".networkInterfaces[0].id['odd-key']");
    }

    #[test]
    fn environment_variable_names() {
        assert_eq!(screaming_snake("jumpboxSshPublicKey"), "JUMPBOX_SSH_PUBLIC_KEY");
        assert_eq!(screaming_snake("jumpboxAdminPassword"), "JUMPBOX_ADMIN_PASSWORD");
        assert_eq!(screaming_snake("vm2Key"), "VM2_KEY");
    }

    #[test]
    fn every_flagged_host_has_a_known_ending() {
        for h in DISALLOWED_HOSTS {
            assert!(HOST_ENDINGS.iter().any(|e| h.ends_with(e)), "{h}");
        }
    }

    #[test]
    fn hosts_are_matched_like_the_linter() {
        assert!(has_disallowed_host("https://login.microsoftonline.com/{0}"));
        assert!(has_disallowed_host("https://LOGIN.microsoftonline.COM/"));
        assert!(has_disallowed_host("x.blob.core.windows.net"));
        assert!(!has_disallowed_host("https://login.microsoftonline.us/"));
        assert!(!has_disallowed_host("https://sts.windows.net/"));
        assert!(!has_disallowed_host("privatelink.openai.azure.com"));
        assert!(
            !has_disallowed_host("xlogin.microsoftonline.com"),
            "inside a longer word"
        );
        assert!(
            !has_disallowed_host("login.microsoftonline.com2"),
            "inside a longer word"
        );
        assert!(
            !has_disallowed_host("https://schema.management.azure.com/schemas/x.json"),
            "excluded host"
        );
        assert!(has_disallowed_host(
            "https://schema.management.azure.com/ and https://management.azure.com/"
        ));
    }
}
