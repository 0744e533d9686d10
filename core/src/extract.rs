//! One pass over an event's JSON that finds many plain gjson paths at once.
//!
//! gjson walks the document from the start for every path; with several filters per sensor
//! (or many sensors) that is the hot spot. Paths made only of plain keys (`body.pull_request.
//! additions`, `headers.X-Github-Event`, `items.0.name`) are compiled into a trie and located in
//! a single walk that skips every subtree no path enters. Anything else (wildcards, `#`,
//! modifiers, escapes) is left to gjson. Inputs are already-validated JSON; on anything odd the
//! walk stops early and the remaining paths fall back to gjson, so results never differ.

/// Whether gjson would read `path` as a chain of literal keys (and array indexes).
pub fn is_plain(path: &str) -> bool {
    !path.is_empty()
        && path.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// Keys one trie level may hold (the walk tracks them in a 128-bit mask).
const MAX_CHILDREN: usize = 128;

#[derive(Debug, Default)]
struct Node {
    children: Vec<(Box<[u8]>, Node)>,
    /// The ids of the paths that end here.
    terminal: Vec<usize>,
}

impl Node {
    fn child(&self, key: &[u8]) -> Option<&Node> {
        self.children
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, n)| n)
    }
}

/// A trie of plain paths.
#[derive(Debug, Default)]
pub struct Extractor {
    root: Node,
    count: usize,
}

/// Where each path's value lies in the document: `(start, end)` byte offsets.
pub type Spans = Vec<Option<(usize, usize)>>;

impl Extractor {
    /// Adds a plain path with its id; `false` (and nothing added) when a key level already
    /// holds [`MAX_CHILDREN`] keys, in which case gjson serves that path.
    pub fn add(&mut self, path: &str, id: usize) -> bool {
        let mut probe = &self.root;
        for seg in path.split('.') {
            match probe.child(seg.as_bytes()) {
                Some(n) => probe = n,
                None if probe.children.len() >= MAX_CHILDREN => return false,
                None => break,
            }
        }
        let mut node = &mut self.root;
        for seg in path.split('.') {
            let pos = match node
                .children
                .iter()
                .position(|(k, _)| &**k == seg.as_bytes())
            {
                Some(p) => p,
                None => {
                    node.children
                        .push((seg.as_bytes().to_vec().into_boxed_slice(), Node::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[pos].1;
        }
        node.terminal.push(id);
        self.count += 1;
        true
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Locates every path in `json`; `spans[id]` is set for the ones found. `false` when the
    /// walk gave up (the caller then asks gjson for the paths not found).
    pub fn run(&self, json: &str, spans: &mut Spans) -> bool {
        let b = json.as_bytes();
        let mut s = Scanner {
            b,
            i: 0,
            remaining: self.count,
        };
        s.ws();
        s.value(&self.root, spans).is_some()
    }
}

pub(crate) struct Scanner<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
    /// Paths still to find: the walk stops as soon as none is left.
    pub(crate) remaining: usize,
}

impl Scanner<'_> {
    pub(crate) fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips a string starting at `"`; returns the span of its contents and whether it holds
    /// escapes.
    pub(crate) fn string(&mut self) -> Option<(usize, usize, bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            // Most strings are short keys: look at a few bytes directly, then let memchr jump
            // through long values.
            let rest = self.b.get(self.i..)?;
            let near = rest.iter().take(16).position(|&c| c == b'"' || c == b'\\');
            self.i += match near {
                Some(n) => n,
                None => memchr::memchr2(b'"', b'\\', rest)?,
            };
            match *self.b.get(self.i)? {
                b'"' => {
                    let end = self.i;
                    self.i += 1;
                    return Some((start, end, escaped));
                }
                _ => {
                    escaped = true;
                    self.i += 2;
                }
            }
        }
    }

    /// Skips any value.
    pub(crate) fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                // One tight pass over the bytes: payload containers are mostly many short
                // strings, where per-string searches cost more than they save.
                let rest = self.b.get(self.i..)?;
                let mut depth = 0usize;
                let mut in_str = false;
                let mut escaped = false;
                for (n, &c) in rest.iter().enumerate() {
                    if in_str {
                        if escaped {
                            escaped = false;
                        } else if c == b'\\' {
                            escaped = true;
                        } else if c == b'"' {
                            in_str = false;
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += n + 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                }
                None
            }
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// Walks the value at the cursor with `node`'s children; records terminals of children.
    fn value(&mut self, node: &Node, spans: &mut Spans) -> Option<()> {
        if node.children.is_empty() {
            return self.skip();
        }
        match self.peek()? {
            b'{' => {
                self.i += 1;
                // Which children were met already (gjson keeps the first of duplicate keys).
                let mut seen: u128 = 0;
                loop {
                    if self.remaining == 0 {
                        return Some(());
                    }
                    self.ws();
                    match self.peek()? {
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let (ks, ke, esc) = self.string()?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    self.ws();
                    if esc {
                        // A key with escapes could still equal a plain key: let gjson decide.
                        return None;
                    }
                    let key = self.b.get(ks..ke)?;
                    let pos = node.children.iter().position(|(k, _)| &**k == key);
                    match pos {
                        Some(p) if seen & (1u128 << p) == 0 => {
                            seen |= 1u128 << p;
                            let child = &node.children[p].1;
                            self.enter(child, spans)?;
                        }
                        _ => self.skip()?,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut index = 0usize;
                loop {
                    if self.remaining == 0 {
                        return Some(());
                    }
                    self.ws();
                    match self.peek()? {
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let key = index.to_string();
                    match node.child(key.as_bytes()) {
                        Some(child) => self.enter(child, spans)?,
                        None => self.skip()?,
                    }
                    index += 1;
                }
            }
            _ => self.skip(),
        }
    }

    /// Records `child`'s terminal span for the value at the cursor and walks into it.
    fn enter(&mut self, child: &Node, spans: &mut Spans) -> Option<()> {
        let start = self.i;
        self.value(child, spans)?;
        for &id in &child.terminal {
            if let Some(slot) = spans.get_mut(id) {
                *slot = Some((start, self.i));
                self.remaining = self.remaining.saturating_sub(1);
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans_of(json: &str, paths: &[&str]) -> Vec<Option<String>> {
        let mut ex = Extractor::default();
        for (i, p) in paths.iter().enumerate() {
            ex.add(p, i);
        }
        let mut spans = vec![None; paths.len()];
        assert!(ex.run(json, &mut spans));
        spans
            .into_iter()
            .map(|s| s.map(|(a, b)| json[a..b].to_string()))
            .collect()
    }

    #[test]
    fn finds_many_paths_in_one_pass() {
        let doc = r#"{"h":{"X-Event":["push"]},"body":{"a":"x\"y","skip":{"deep":[1,{"a":2}]},"n":-1.5e3,"arr":[{"k":1},{"k":2}],"t":true}}"#;
        let got = spans_of(
            doc,
            &[
                "body.a",
                "body.n",
                "body.arr.1.k",
                "h.X-Event",
                "body.t",
                "body.missing",
                "body",
            ],
        );
        assert_eq!(got[0].as_deref(), Some(r#""x\"y""#));
        assert_eq!(got[1].as_deref(), Some("-1.5e3"));
        assert_eq!(got[2].as_deref(), Some("2"));
        assert_eq!(got[3].as_deref(), Some(r#"["push"]"#));
        assert_eq!(got[4].as_deref(), Some("true"));
        assert_eq!(got[5], None);
        assert!(got[6].as_deref().is_some_and(|s| s.starts_with("{\"a\"")));
    }

    #[test]
    fn first_duplicate_key_wins_like_gjson() {
        let got = spans_of(r#"{"a":1,"a":2}"#, &["a"]);
        assert_eq!(got[0].as_deref(), Some("1"));
        assert_eq!(gjson::get(r#"{"a":1,"a":2}"#, "a").json(), "1");
    }

    #[test]
    fn wide_levels_are_left_to_gjson() {
        let mut ex = Extractor::default();
        let added = (0..200).filter(|i| ex.add(&format!("k{i}"), *i)).count();
        assert_eq!(added, MAX_CHILDREN);
        // Deeper keys under an existing child still fit.
        assert!(ex.add("k0.x", 500));
    }

    #[test]
    fn plain_paths_only() {
        assert!(is_plain("body.pull_request.additions"));
        assert!(is_plain("headers.X-Github-Event"));
        assert!(!is_plain("body.*"));
        assert!(!is_plain("items.#.name"));
        assert!(!is_plain("a\\.b"));
        assert!(!is_plain(""));
    }

    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            (-1000i64..1000).prop_map(serde_json::Value::from),
            "[a-z\\\"é ]{0,6}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[ab0-2]{1}", inner, 0..4).prop_map(|kv| {
                    // Objects are rendered by hand below (odd spacing included).
                    serde_json::Value::Array(
                        kv.into_iter()
                            .map(|(k, v)| serde_json::json!([k, v]))
                            .collect(),
                    )
                }),
            ]
        })
    }

    /// Renders arrays of [key, value] pairs tagged at build time as objects (with duplicates).
    fn render(v: &serde_json::Value, objects: bool, out: &mut String) {
        match v {
            serde_json::Value::Array(items)
                if objects
                    && !items.is_empty()
                    && items.iter().all(|i| {
                        i.as_array()
                            .is_some_and(|p| p.len() == 2 && p[0].is_string())
                    }) =>
            {
                out.push('{');
                for (n, p) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(" , ");
                    }
                    out.push_str(&p[0].to_string());
                    out.push_str(": ");
                    render(&p[1], objects, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (n, i) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    render(i, objects, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_tree_walk(v in json_value(), paths in proptest::collection::vec("[ab0-2]{1}(\\.[ab0-2]{1}){0,3}", 1..6)) {
            let mut text = String::new();
            render(&v, true, &mut text);
            let mut ex = Extractor::default();
            for (i, p) in paths.iter().enumerate() {
                ex.add(p, i);
            }
            let mut spans = vec![None; paths.len()];
            // The oracle walks serde_json's tree (gjson-rs itself mis-resolves `a.b` in
            // `{"a":{"a":{"b":1}}}`, which Go's gjson does not).
            let tree: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            if !ex.run(&text, &mut spans) {
                // The walk only gives up on keys with escapes (gjson decides those).
                prop_assert!(text.contains('\\'));
                return Ok(());
            }
            for (i, p) in paths.iter().enumerate() {
                let mut cur = Some(&tree);
                for seg in p.split('.') {
                    cur = match cur {
                        Some(serde_json::Value::Object(m)) => m.get(seg),
                        Some(serde_json::Value::Array(a)) => seg.parse::<usize>().ok().and_then(|n| a.get(n)),
                        _ => None,
                    };
                }
                let mine: Option<serde_json::Value> = spans[i]
                    .map(|(a, b)| serde_json::from_str(&text[a..b]).expect("span is JSON"));
                prop_assert_eq!(mine.as_ref(), cur, "path {} in {}", p, text);
            }
        }
    }
}
