//! Mapping of Argo field names (which may contain `-`, `.`, spaces, ...) to CEL identifiers.

/// Words CEL reserves: they can't name a variable.
const CEL_RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Prefix of the identifiers made up for fields whose names are not CEL identifiers.
/// Names starting with it are never used as they are, so made-up ones can't clash.
const MANGLE_PREFIX: &str = "__f";

/// Whether `s` is a CEL identifier (`[_a-zA-Z][_a-zA-Z0-9]*`) that is not reserved.
pub(super) fn is_cel_ident(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) && !CEL_RESERVED.contains(&s)
}

/// The declared fields of an expression, with the CEL identifier each is bound to.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    /// Names as declared (Argo `fields[].name`), in bind order.
    names: Vec<String>,
    /// CEL identifier of each field, same order.
    idents: Vec<String>,
    /// Distinct identifiers and the value index each resolves to. With duplicate
    /// names the last declaration wins, like Argo's parameter map.
    lookup: Vec<(String, usize)>,
}

impl Fields {
    pub(super) fn new(names: &[&str]) -> Fields {
        let idents: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if is_cel_ident(name) && !name.starts_with("__") {
                    (*name).to_string()
                } else {
                    format!("{MANGLE_PREFIX}{i}")
                }
            })
            .collect();
        let mut lookup: Vec<(String, usize)> = Vec::with_capacity(idents.len());
        for (i, ident) in idents.iter().enumerate() {
            match lookup.iter_mut().find(|(id, _)| id == ident) {
                Some(entry) => entry.1 = i,
                None => lookup.push((ident.clone(), i)),
            }
        }
        Fields {
            names: names.iter().map(|s| (*s).to_string()).collect(),
            idents,
            lookup,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of the field declared as `name` (the last one, if repeated).
    pub(super) fn index_of_name(&self, name: &str) -> Option<usize> {
        self.names.iter().rposition(|n| n == name)
    }

    /// CEL identifier of field `index`.
    pub(super) fn ident(&self, index: usize) -> &str {
        self.idents.get(index).map(String::as_str).unwrap_or("")
    }

    /// Distinct identifiers with the value index each resolves to.
    pub(super) fn lookup(&self) -> &[(String, usize)] {
        &self.lookup
    }

    /// Declared names, for error messages.
    pub(super) fn describe(&self) -> String {
        if self.names.is_empty() {
            return "none".to_string();
        }
        self.names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_are_kept_and_others_mangled() {
        let f = Fields::new(&["a", "a-longer-name", "in", "__x", "ok_1", "a.b", "1x", ""]);
        assert_eq!(f.ident(0), "a");
        assert_eq!(f.ident(1), "__f1");
        assert_eq!(f.ident(2), "__f2");
        assert_eq!(f.ident(3), "__f3");
        assert_eq!(f.ident(4), "ok_1");
        assert_eq!(f.ident(5), "__f5");
        assert_eq!(f.ident(6), "__f6");
        assert_eq!(f.ident(7), "__f7");
        assert_eq!(f.ident(99), "");
        assert!(f.lookup().iter().any(|(id, _)| id == "__f1"));
        assert!(!f.lookup().iter().any(|(id, _)| id == "b"));
        assert_eq!(f.index_of_name("a-longer-name"), Some(1));
    }

    #[test]
    fn duplicate_names_resolve_to_the_last() {
        let f = Fields::new(&["a", "b", "a"]);
        assert_eq!(f.index_of_name("a"), Some(2));
        assert_eq!(f.lookup(), &[("a".to_string(), 2), ("b".to_string(), 1)]);
    }

    #[test]
    fn reserved_words_are_not_idents() {
        for w in CEL_RESERVED {
            assert!(!is_cel_ident(w), "{w}");
        }
        assert!(is_cel_ident("_a"));
        assert!(!is_cel_ident("a-b"));
        assert!(!is_cel_ident("é"));
    }
}
