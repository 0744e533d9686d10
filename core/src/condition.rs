//! Trigger conditions: `&&`, `||` and parentheses over dependency names, compiled once into a
//! truth table over the bitmask of satisfied dependencies.
//!
//! Argo's rule for names (`getDependencyExpression`): a `-` in a dependency name is read as `_`,
//! and the result must be an identifier; nothing but names, `&&`, `||` and parentheses is
//! allowed. An empty `conditions` means "all dependencies of the sensor" (`a && b && …`).

use std::fmt;

/// Why a condition does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("at offset {offset}: {reason}")]
    Syntax { offset: usize, reason: String },
    #[error("`{0}` is not a dependency of this sensor")]
    UnknownDependency(String),
    #[error("a condition may name at most 64 distinct dependencies, this one names {0}")]
    TooMany(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dep(u8),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
}

impl Node {
    fn eval(&self, mask: u64) -> bool {
        match self {
            Node::Dep(i) => mask & (1u64 << i) != 0,
            Node::And(a, b) => a.eval(mask) && b.eval(mask),
            Node::Or(a, b) => a.eval(mask) || b.eval(mask),
        }
    }
}

/// Up to this many dependencies, evaluation is one table lookup.
const TABLE_MAX: usize = 16;

/// A compiled condition. Bit `i` of a mask stands for `deps()[i]`.
#[derive(Debug, Clone)]
pub struct Condition {
    deps: Vec<String>,
    /// Open-addressed name → bit index table (power-of-two size), so a name costs one hash
    /// and one comparison.
    slots: Vec<Option<u8>>,
    ast: Node,
    /// `table[mask / 64] >> (mask % 64) & 1` is the result, when `deps.len() <= TABLE_MAX`.
    table: Option<Vec<u64>>,
    text: String,
}

impl Condition {
    /// Compiles `text` against the sensor's dependency names. Empty text = all dependencies.
    pub fn compile(text: &str, sensor_deps: &[&str]) -> Result<Condition, ConditionError> {
        let (ast, deps, shown) = if text.trim().is_empty() {
            let mut deps: Vec<String> = Vec::new();
            for d in sensor_deps {
                if !deps.iter().any(|x| x == d) {
                    deps.push((*d).to_string());
                }
            }
            if deps.is_empty() {
                return Err(ConditionError::Syntax {
                    offset: 0,
                    reason: "the sensor has no dependencies".into(),
                });
            }
            if deps.len() > 64 {
                return Err(ConditionError::TooMany(deps.len()));
            }
            let mut ast = Node::Dep(0);
            for i in 1..deps.len() {
                ast = Node::And(Box::new(ast), Box::new(Node::Dep(i as u8)));
            }
            (ast, deps.clone(), deps.join(" && "))
        } else {
            let mut p = Parser {
                src: text,
                pos: 0,
                deps: Vec::new(),
                sensor_deps,
            };
            let ast = p.expr()?;
            p.skip_ws();
            if p.pos < text.len() {
                return Err(p.err("unexpected text after the expression"));
            }
            (ast, p.deps, text.to_string())
        };
        let table = (deps.len() <= TABLE_MAX).then(|| {
            let size = 1usize << deps.len();
            let mut t = vec![0u64; size.div_ceil(64)];
            for mask in 0..size {
                if ast.eval(mask as u64) {
                    t[mask / 64] |= 1u64 << (mask % 64);
                }
            }
            t
        });
        let mut slots = vec![None; (deps.len() * 4).next_power_of_two()];
        let mask = slots.len() - 1;
        for (i, d) in deps.iter().enumerate() {
            let mut h = name_hash(d) & mask;
            while slots[h].is_some() {
                h = (h + 1) & mask;
            }
            slots[h] = Some(i as u8);
        }
        Ok(Condition {
            deps,
            slots,
            ast,
            table,
            text: shown,
        })
    }

    /// The dependency names this condition reads, in bit order.
    pub fn deps(&self) -> &[String] {
        &self.deps
    }

    /// The bit of dependency `name`, if the condition reads it.
    #[inline]
    pub fn bit(&self, name: &str) -> Option<u64> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut h = name_hash(name) & mask;
        // The table is at most a quarter full, so probing ends at an empty slot quickly.
        for _ in 0..self.slots.len() {
            let i = (*self.slots.get(h)?)?;
            if self.deps.get(i as usize).is_some_and(|d| d == name) {
                return Some(1u64 << i);
            }
            h = (h + 1) & mask;
        }
        None
    }

    /// Evaluates the condition with the dependencies in `mask` satisfied.
    #[inline]
    pub fn eval(&self, mask: u64) -> bool {
        match &self.table {
            Some(t) => {
                let m = mask as usize;
                t.get(m / 64).is_some_and(|w| (w >> (m % 64)) & 1 == 1)
            }
            None => self.ast.eval(mask),
        }
    }
}

/// FNV-1a over the name's bytes: short dependency names hash in a few cycles.
#[inline]
fn name_hash(name: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h ^ (h >> 29)) as usize
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

struct Parser<'s, 'd> {
    src: &'s str,
    pos: usize,
    deps: Vec<String>,
    sensor_deps: &'d [&'d str],
}

impl Parser<'_, '_> {
    fn err(&self, reason: &str) -> ConditionError {
        ConditionError::Syntax {
            offset: self.pos,
            reason: reason.to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while self.src[self.pos..].starts_with([' ', '\t', '\n', '\r']) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.skip_ws();
        if self.src[self.pos..].starts_with(tok) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    // expr := and ('||' and)*
    fn expr(&mut self) -> Result<Node, ConditionError> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    // and := atom ('&&' atom)*
    fn and(&mut self) -> Result<Node, ConditionError> {
        let mut left = self.atom()?;
        while self.eat("&&") {
            let right = self.atom()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Node, ConditionError> {
        if self.eat("(") {
            let inner = self.expr()?;
            if !self.eat(")") {
                return Err(self.err("expected `)`"));
            }
            return Ok(inner);
        }
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(match rest.chars().next() {
                None => self.err("expected a dependency name, found the end"),
                Some('!') => {
                    self.err("`!` is not allowed in conditions (only &&, || and parentheses)")
                }
                Some(c) => self.err(&format!("expected a dependency name, found `{c}`")),
            });
        }
        let word = &rest[..len];
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(self.err(&format!(
                "`{word}` is not a valid name (starts with a digit)"
            )));
        }
        // Argo reads `-` as `_` on both sides, so `dep-a` and `dep_a` name the same dependency.
        let norm = |s: &str| s.replace('-', "_");
        let wanted = norm(word);
        let Some(name) = self.sensor_deps.iter().find(|d| norm(d) == wanted) else {
            return Err(ConditionError::UnknownDependency(word.to_string()));
        };
        self.pos += len;
        let idx = match self.deps.iter().position(|d| d == name) {
            Some(i) => i,
            None => {
                if self.deps.len() == 64 {
                    return Err(ConditionError::TooMany(65));
                }
                self.deps.push((*name).to_string());
                self.deps.len() - 1
            }
        };
        Ok(Node::Dep(idx as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DEPS: &[&str] = &["d1", "d2", "d3", "d4", "d5", "dep-a"];

    fn mask(c: &Condition, on: &[&str]) -> u64 {
        on.iter().filter_map(|n| c.bit(n)).fold(0, |m, b| m | b)
    }

    #[test]
    fn precedence_and_parentheses() {
        let c = Condition::compile("(d1 && d2) || (d3 && d4 && d5)", DEPS).expect("compiles");
        assert!(c.eval(mask(&c, &["d1", "d2"])));
        assert!(!c.eval(mask(&c, &["d1", "d3", "d4"])));
        assert!(c.eval(mask(&c, &["d3", "d4", "d5"])));
        let c = Condition::compile("d1 || d2 && d3", DEPS).expect("compiles");
        assert!(c.eval(mask(&c, &["d1"])));
        assert!(!c.eval(mask(&c, &["d2"])));
    }

    #[test]
    fn empty_means_all_dependencies() {
        let c = Condition::compile("", &["a", "b"]).expect("compiles");
        assert!(!c.eval(mask(&c, &["a"])));
        assert!(c.eval(mask(&c, &["a", "b"])));
        assert_eq!(c.to_string(), "a && b");
    }

    #[test]
    fn hyphen_and_underscore_name_the_same_dependency() {
        let c = Condition::compile("dep_a && d1", DEPS).expect("compiles");
        assert_eq!(c.deps(), &["dep-a".to_string(), "d1".to_string()]);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = |s| Condition::compile(s, DEPS).expect_err(s).to_string();
        assert!(e("d1 && nope").contains("`nope` is not a dependency"));
        assert!(e("d1 &&").contains("found the end"));
        assert!(e("(d1 || d2").contains("expected `)`"));
        assert!(e("!d1").contains("`!` is not allowed"));
        assert!(e("d1 d2").contains("unexpected text"));
        assert!(e("d1 & d2").contains("unexpected text"));
    }

    #[test]
    fn every_name_resolves_to_its_own_bit() {
        let names: Vec<String> = (0..64).map(|i| format!("dep-{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let c = Condition::compile("", &refs).expect("compiles");
        for (i, n) in names.iter().enumerate() {
            assert_eq!(c.bit(n), Some(1u64 << i), "{n}");
        }
        assert_eq!(c.bit("dep-64"), None);
        assert_eq!(c.bit(""), None);
    }

    proptest! {
        // The table and the tree agree on every mask.
        #[test]
        fn table_matches_tree(ops in proptest::collection::vec(0..2u8, 4), m in 0u64..64) {
            let names = ["d1", "d2", "d3", "d4", "d5"];
            let mut text = names[0].to_string();
            for (i, op) in ops.iter().enumerate() {
                text.push_str(if *op == 0 { " && " } else { " || " });
                text.push_str(names[i + 1]);
            }
            let c = Condition::compile(&text, DEPS).expect("compiles");
            prop_assert_eq!(c.eval(m & 0x1f), c.ast.eval(m & 0x1f));
        }

        // Arbitrary text never panics.
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = Condition::compile(&s, DEPS);
        }
    }
}
