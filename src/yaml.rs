//! A span-aware YAML tree built from saphyr-parser's events, with the limits that keep hostile
//! input cheap: nesting depth, total nodes (alias expansion included) and input size.
//!
//! JSON is YAML, so JSON topology files come through here too.

use crate::diag::Diagnostic;
use crate::source::{Pos, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deeper nesting than this is refused (a topology is at most about six levels deep).
pub const MAX_DEPTH: usize = 64;
/// More nodes than this, aliases expanded, is refused (a 1,000-spoke topology has ~20,000).
pub const MAX_NODES: usize = 1_000_000;
/// Larger inputs are refused before parsing.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// More scalar text than this, aliases expanded, is refused: a node count alone lets one alias
/// of a long string repeat it thousands of times (a real topology holds well under 1 MB).
pub const MAX_EXPANDED_BYTES: usize = 2 * MAX_BYTES;

#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A plain (unquoted) scalar: `true`, `10`, `null` and `~` keep their YAML meaning.
    Plain(String),
    /// A quoted or block scalar: always a string.
    Quoted(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in file order; keys are scalars.
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

impl Node {
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Map(_) => "a mapping",
            NodeKind::Seq(_) => "a list",
            NodeKind::Scalar(Scalar::Quoted(_)) => "a string",
            NodeKind::Scalar(Scalar::Plain(s)) => match s.as_str() {
                "" | "~" | "null" | "Null" | "NULL" => "null",
                "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => "a boolean",
                _ if s.parse::<f64>().is_ok() => "a number",
                _ => "a string",
            },
        }
    }

    /// The text of a scalar key or value.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(Scalar::Plain(s) | Scalar::Quoted(s)) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.describe() == "null"
    }
}

fn pos(m: &saphyr_parser::Marker) -> Pos {
    Pos {
        line: m.line() as u32,
        col: m.col() as u32 + 1,
    }
}

fn span_of(s: &saphyr_parser::Span) -> Span {
    Span::new(pos(&s.start), pos(&s.end))
}

enum Frame {
    Seq {
        start: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// The keys so far and their lines: duplicates are found in constant time, so a map of
        /// 100,000 keys is not quadratic.
        seen: HashMap<String, u32>,
    },
}

/// What an anchored node costs each time an alias repeats it.
struct Anchored {
    node: Node,
    nodes: usize,
    bytes: usize,
}

/// The size of everything built so far, aliases expanded: nodes and bytes of scalar text.
#[derive(Default)]
struct Budget {
    nodes: usize,
    bytes: usize,
}

impl Budget {
    fn add(&mut self, nodes: usize, bytes: usize, at: Pos) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        let over = if self.nodes > MAX_NODES {
            format!("more than {MAX_NODES} nodes")
        } else if self.bytes > MAX_EXPANDED_BYTES {
            format!("more than {MAX_EXPANDED_BYTES} bytes of text")
        } else {
            return Ok(());
        };
        Err(Diagnostic::error(
            "E0001",
            Some(Span::new(at, at)),
            format!("the document expands to {over} (are YAML aliases repeating large values?)"),
        )
        .with_help("write the values out, or use fewer and smaller aliases"))
    }
}

/// Parses one YAML document. Errors are located diagnostics (code `E0001`); an empty document is
/// an error too, since a topology needs at least `name`.
pub fn parse(text: &str) -> Result<Node, Diagnostic> {
    if text.len() > MAX_BYTES {
        return Err(Diagnostic::error(
            "E0001",
            None,
            format!(
                "the file is {} bytes; topology files are limited to {MAX_BYTES} bytes",
                text.len()
            ),
        ));
    }
    if let Some(i) = text.find('\0') {
        let line = text[..i].matches('\n').count() as u32 + 1;
        let p = Pos { line, col: 1 };
        return Err(Diagnostic::error(
            "E0001",
            Some(Span::new(p, p)),
            "the file contains a NUL byte; is it binary?",
        ));
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Anchored> = HashMap::new();
    let mut docs: Vec<Node> = Vec::new();
    let mut budget = Budget::default();
    while let Some(ev) = parser.next_event() {
        let (event, raw_span) = ev.map_err(|e| {
            let p = pos(e.marker());
            Diagnostic::error("E0001", Some(Span::new(p, p)), format!("invalid YAML: {}", e.info()))
        })?;
        let span = span_of(&raw_span);
        let finished: Option<(Node, usize)> = match event {
            Event::Scalar(value, style, anchor, _tag) => {
                budget.add(0, value.len(), span.start)?;
                let s = match style {
                    ScalarStyle::Plain => Scalar::Plain(value.into_owned()),
                    _ => Scalar::Quoted(value.into_owned()),
                };
                Some((
                    Node {
                        kind: NodeKind::Scalar(s),
                        span,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(a) => {
                    // Charged before it is copied; the alias itself is counted below.
                    budget.add(a.nodes - 1, a.bytes, span.start)?;
                    // The copy keeps the anchored node's spans: diagnostics point at the definition.
                    Some((a.node.clone(), 0))
                }
                None => {
                    return Err(Diagnostic::error(
                        "E0001",
                        Some(span),
                        "invalid YAML: alias to an unknown anchor",
                    ));
                }
            },
            Event::SequenceStart(anchor, _) => {
                push_frame(
                    &mut stack,
                    Frame::Seq {
                        start: span.start,
                        anchor,
                        items: Vec::new(),
                    },
                    span,
                )?;
                None
            }
            Event::MappingStart(anchor, _) => {
                push_frame(
                    &mut stack,
                    Frame::Map {
                        start: span.start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        seen: HashMap::new(),
                    },
                    span,
                )?;
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { start, anchor, items }) => {
                    let end = items.last().map_or(span.end, |n| n.span.end.max(span.start));
                    Some((
                        Node {
                            kind: NodeKind::Seq(items),
                            span: Span::new(start, end),
                        },
                        anchor,
                    ))
                }
                Some(Frame::Map {
                    start, anchor, entries, ..
                }) => {
                    let end = entries.last().map_or(span.end, |(_, v)| v.span.end.max(span.start));
                    Some((
                        Node {
                            kind: NodeKind::Map(entries),
                            span: Span::new(start, end),
                        },
                        anchor,
                    ))
                }
                None => None,
            },
            Event::DocumentStart(_) | Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {
                None
            }
        };
        let Some((node, anchor)) = finished else {
            continue;
        };
        budget.add(1, 0, node.span.start)?;
        if anchor != 0 {
            // The anchor's copy costs as much as an alias of it: nested anchors copy their
            // subtrees again and again.
            let (nodes, bytes) = measure(&node);
            budget.add(nodes, bytes, node.span.start)?;
            anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    nodes,
                    bytes,
                },
            );
        }
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, seen, .. }) => match key.take() {
                None => {
                    if !matches!(node.kind, NodeKind::Scalar(_)) {
                        return Err(Diagnostic::error(
                            "E0001",
                            Some(node.span),
                            "a mapping key must be a plain name",
                        ));
                    }
                    let text = node.scalar_text().unwrap_or_default();
                    if let Some(line) = seen.get(text) {
                        return Err(Diagnostic::error(
                            "E0002",
                            Some(node.span),
                            format!("duplicate key `{text}` (first at line {line})"),
                        ));
                    }
                    seen.insert(text.to_string(), node.span.start.line);
                    *key = Some(node);
                }
                Some(k) => entries.push((k, node)),
            },
            None => docs.push(node),
        }
    }
    match docs.len() {
        0 => Err(Diagnostic::error("E0003", None, "the file is empty").with_help("start from `aoai-vnet init`")),
        1 => Ok(docs.pop().expect("one document")),
        _ => Err(Diagnostic::error(
            "E0001",
            Some(docs[1].span),
            "the file holds more than one YAML document; a topology is one document",
        )),
    }
}

fn push_frame(stack: &mut Vec<Frame>, frame: Frame, span: Span) -> Result<(), Diagnostic> {
    if stack.len() >= MAX_DEPTH {
        return Err(Diagnostic::error(
            "E0001",
            Some(span),
            format!("nesting deeper than {MAX_DEPTH} levels"),
        ));
    }
    stack.push(frame);
    Ok(())
}

/// The nodes and bytes of scalar text of a tree.
fn measure(n: &Node) -> (usize, usize) {
    let add = |(a, b): (usize, usize), (c, d): (usize, usize)| (a + c, b + d);
    match &n.kind {
        NodeKind::Scalar(Scalar::Plain(s) | Scalar::Quoted(s)) => (1, s.len()),
        NodeKind::Seq(items) => items.iter().map(measure).fold((1, 0), add),
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| add(measure(k), measure(v)))
            .fold((1, 0), add),
    }
}

/// The YAML path (`vnets.hub.subnets.default`) of the deepest node at `at`: the path a diagnostic
/// shows next to its line and column.
pub fn path_at(root: &Node, at: Pos) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut node = root;
    'descend: loop {
        match &node.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    if k.span.start == at || (k.span.start <= at && at < k.span.end) || within(v, at) {
                        parts.push(k.scalar_text().unwrap_or_default().to_string());
                        if within(v, at) {
                            node = v;
                            continue 'descend;
                        }
                        break 'descend;
                    }
                }
                break;
            }
            NodeKind::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    if within(v, at) {
                        parts.push(i.to_string());
                        node = v;
                        continue 'descend;
                    }
                }
                break;
            }
            NodeKind::Scalar(_) => break,
        }
    }
    parts.join(".")
}

fn within(n: &Node, at: Pos) -> bool {
    n.span.start <= at && (at < n.span.end || n.span.start == at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_keys(n: &Node) -> Vec<&str> {
        match &n.kind {
            NodeKind::Map(e) => e.iter().map(|(k, _)| k.scalar_text().unwrap()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn keeps_order_and_spans() {
        let n = parse("b: 1\na:\n  x: \"q\"\n").unwrap();
        assert_eq!(map_keys(&n), ["b", "a"]);
        let NodeKind::Map(e) = &n.kind else { panic!() };
        assert_eq!(e[1].0.span.start, Pos { line: 2, col: 1 });
        assert_eq!(path_at(&n, Pos { line: 3, col: 6 }), "a.x");
    }

    #[test]
    fn reads_json() {
        let n = parse(r#"{"name": "x", "vnets": {"a": {"address_space": ["10.0.0.0/16"]}}}"#).unwrap();
        assert_eq!(map_keys(&n), ["name", "vnets"]);
    }

    #[test]
    fn refuses_duplicate_keys_empty_and_junk() {
        assert_eq!(parse("a: 1\na: 2\n").unwrap_err().code, "E0002");
        assert_eq!(parse("").unwrap_err().code, "E0003");
        assert_eq!(parse("# only a comment\n").unwrap_err().code, "E0003");
        assert_eq!(parse("a: [1, 2\n").unwrap_err().code, "E0001");
        assert_eq!(parse("\0\x01\x02").unwrap_err().code, "E0001");
    }

    #[test]
    fn refuses_alias_bombs_and_deep_nesting() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("expands"), "{}", e.message);
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse(&deep).unwrap_err();
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion limit"),
            "{}",
            e.message
        );
        let nested = "a:\n".to_string()
            + &(1..70)
                .map(|i| format!("{}b{i}:\n", "  ".repeat(i)))
                .collect::<String>();
        assert!(parse(&nested).unwrap_err().message.contains("nesting"));
    }
}
