//! Tests of the whole: compile, translate, evaluate.

use super::*;
use serde_json::{json, Value as Json};

fn compile(expr: &str, fields: &[&str]) -> CompiledExpr {
    match CompiledExpr::compile(expr, fields) {
        Ok(c) => c,
        Err(e) => panic!("{expr}: {e}"),
    }
}

/// The CEL a govaluate expression translates to.
fn cel(expr: &str, fields: &[&str]) -> String {
    let c = compile(expr, fields);
    assert_eq!(c.dialect(), Dialect::Govaluate, "{expr}");
    c.cel_source().to_string()
}

/// Evaluates `expr` with `fields` bound to `values`.
fn eval(expr: &str, bindings: &[(&str, Json)]) -> Result<bool, ExprError> {
    let names: Vec<&str> = bindings.iter().map(|(n, _)| *n).collect();
    let values: Vec<Option<&Json>> = bindings.iter().map(|(_, v)| Some(v)).collect();
    CompiledExpr::compile(expr, &names)?.eval(&values)
}

fn is_true(expr: &str, bindings: &[(&str, Json)]) -> bool {
    match eval(expr, bindings) {
        Ok(b) => b,
        Err(e) => panic!("{expr}: {e}"),
    }
}

fn compile_err(expr: &str, fields: &[&str]) -> ExprError {
    match CompiledExpr::compile(expr, fields) {
        Ok(c) => panic!("{expr} compiled to {}", c.cel_source()),
        Err(e) => e,
    }
}

fn eval_err(expr: &str, bindings: &[(&str, Json)]) -> ExprError {
    match eval(expr, bindings) {
        Ok(b) => panic!("{expr} evaluated to {b}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------
// Argo's example sensors

/// examples/sensors/filter-with-expressions.yaml (and the `multiple-filters`
/// examples, whose exprs are the same).
#[test]
fn argo_filter_with_expressions() {
    let payload = json!({
        "a": "b",
        "a-longer-name": 10,
        "nested": {"path": {"can-get": {"longer": false}}}
    });
    let a = &payload["a"];
    let c = &payload["a-longer-name"];
    let e = &payload["nested"]["path"]["can-get"]["longer"];

    let first = compile(r#"a == "b" || c == 10"#, &["a", "c"]);
    assert_eq!(first.cel_source(), r#"a == "b" || c == 10.0"#);
    assert_eq!(first.eval(&[Some(a), Some(c)]), Ok(true));

    let second = compile("e == false", &["e"]);
    assert_eq!(second.cel_source(), "e == false");
    assert_eq!(second.eval(&[Some(e)]), Ok(true));
}

/// examples/sensors/filter-with-multiple-expr-filters-in-or.yaml. The example's
/// comment marks the first expr FALSE, but `a == "b"` holds for its payload, so
/// it is true, in govaluate as here; the filter passes either way.
#[test]
fn argo_filter_with_multiple_expr_filters_in_or() {
    let payload = json!({
        "a": "b",
        "a-longer-name": 10,
        "nested": {"path": {"can-get": {"longer": false}}}
    });
    let first = compile(r#"a == "b" || c != 10"#, &["a", "c"]);
    assert_eq!(first.cel_source(), r#"a == "b" || c != 10.0"#);
    assert_eq!(
        first.eval(&[Some(&payload["a"]), Some(&payload["a-longer-name"])]),
        Ok(true)
    );
    let b_not_matching = json!("x");
    assert_eq!(
        first.eval(&[Some(&b_not_matching), Some(&payload["a-longer-name"])]),
        Ok(false)
    );
    let second = compile("e == false", &["e"]);
    assert_eq!(
        second.eval(&[Some(&payload["nested"]["path"]["can-get"]["longer"])]),
        Ok(true)
    );
}

/// The W1 benchmark expression.
#[test]
fn w1_benchmark_expression() {
    let c = compile(
        r#"action == "opened" && additions > 5"#,
        &["action", "additions"],
    );
    assert_eq!(c.cel_source(), r#"action == "opened" && additions > 5.0"#);
    let opened = json!("opened");
    let closed = json!("closed");
    let (many, few) = (json!(12), json!(5));
    assert_eq!(c.eval(&[Some(&opened), Some(&many)]), Ok(true));
    assert_eq!(c.eval(&[Some(&opened), Some(&few)]), Ok(false));
    assert_eq!(c.eval(&[Some(&closed), Some(&many)]), Ok(false));
}

// ---------------------------------------------------------------------------
// Literals

#[test]
fn numbers_are_doubles() {
    assert_eq!(cel("n == 5", &["n"]), "n == 5.0");
    assert_eq!(cel("n == 1.25", &["n"]), "n == 1.25");
    assert_eq!(cel("n == .5", &["n"]), "n == 0.5");
    assert_eq!(cel("n == 5.", &["n"]), "n == 5.0");
    assert_eq!(cel("n == 10000000000000000000000", &["n"]), "n == 1e22");
    assert!(is_true("n == 5", &[("n", json!(5))]));
    assert!(is_true("n == 5", &[("n", json!(5.0))]));
    assert!(is_true("n > 4.5", &[("n", json!(5u64))]));
    assert!(is_true("n < 0", &[("n", json!(-3))]));
    assert!(is_true("n == 1", &[("n", json!(1.0))]));
    // large integers are float64 in govaluate too
    assert!(is_true(
        "n == 9007199254740993",
        &[("n", json!(9007199254740992u64))]
    ));
}

#[test]
fn invalid_numbers() {
    assert!(matches!(
        compile_err("n == 1.2.3", &["n"]),
        ExprError::Syntax { column: 6, .. }
    ));
    let long = format!("n == {}", "9".repeat(400));
    assert!(matches!(
        compile_err(&long, &["n"]),
        ExprError::Syntax { .. }
    ));
}

#[test]
fn strings_in_either_quote() {
    assert_eq!(cel("s == 'a'", &["s"]), r#"s == "a""#);
    assert_eq!(cel(r#"s == "a""#, &["s"]), r#"s == "a""#);
    assert!(is_true("s == 'a b'", &[("s", json!("a b"))]));
    assert!(is_true(r#"s == "é✓""#, &[("s", json!("é✓"))]));
}

#[test]
fn string_escapes_follow_govaluate() {
    // a backslash escapes the next character, whatever it is: "\n" is "n"
    assert_eq!(cel(r#"s == "a\"b""#, &["s"]), r#"s == "a\"b""#);
    assert_eq!(cel(r"s == 'it\'s'", &["s"]), r#"s == "it's""#);
    assert_eq!(cel(r#"s == "\n""#, &["s"]), r#"s == "n""#);
    assert_eq!(cel(r#"s == "a\\b""#, &["s"]), r#"s == "a\\b""#);
    assert!(is_true(r#"s == "a\\b""#, &[("s", json!(r"a\b"))]));
    // raw control characters survive the round trip
    assert!(is_true("s == \"a\tb\u{1}\"", &[("s", json!("a\tb\u{1}"))]));
}

#[test]
fn strings_end_at_either_quote_like_govaluate() {
    // govaluate reads "it's" as "it" followed by garbage; CEL reads it fine
    let c = compile(r#"s == "it's""#, &["s"]);
    assert_eq!(c.dialect(), Dialect::Cel);
    let v = json!("it's");
    assert_eq!(c.eval(&[Some(&v)]), Ok(true));
}

#[test]
fn booleans() {
    assert_eq!(cel("b == true", &["b"]), "b == true");
    assert!(is_true("b", &[("b", json!(true))]));
    assert!(!is_true("b", &[("b", json!(false))]));
    assert!(is_true("!b", &[("b", json!(false))]));
    assert!(is_true("true", &[]));
}

#[test]
fn date_literals_are_unix_seconds() {
    assert_eq!(cel("t > '2024-01-01'", &["t"]), "t > 1704067200.0");
    assert_eq!(
        cel("t < '2024-01-01T10:30:15Z'", &["t"]),
        "t < 1704105015.0"
    );
    assert!(is_true("t > '2024-01-01'", &[("t", json!(1_704_067_201))]));
    // as in govaluate, a date-looking literal is no longer a string
    assert!(!is_true("d == '2024-01-01'", &[("d", json!("2024-01-01"))]));
    assert!(eval("d > '2024-01-01'", &[("d", json!("2024-01-02"))]).is_err());
    assert_eq!(cel("t == '3:04PM'", &["t"]), "t == -62167164960.0");
    assert!(is_true(
        "t == '3:04PM'",
        &[("t", json!(-62_167_164_960i64))]
    ));
}

#[test]
fn null_is_cel() {
    let c = compile("a == null", &["a"]);
    assert_eq!(c.dialect(), Dialect::Cel);
    let v = json!(null);
    assert_eq!(c.eval(&[Some(&v)]), Ok(true));
}

// ---------------------------------------------------------------------------
// Variables

#[test]
fn bracketed_and_mangled_names() {
    assert_eq!(
        cel("[a-longer-name] == 10", &["a-longer-name"]),
        "__f0 == 10.0"
    );
    assert_eq!(
        cel("[name with spaces] > 1", &["x", "name with spaces"]),
        "__f1 > 1.0"
    );
    assert_eq!(cel(r"[a\]b] == 1", &["a]b"]), "__f0 == 1.0");
    assert_eq!(cel("[in] == 1", &["in"]), "__f0 == 1.0");
    assert_eq!(cel("[x] == 1", &["x"]), "x == 1.0");
    assert!(is_true(
        "[a-b] + [c d] == 3",
        &[("a-b", json!(1)), ("c d", json!(2))]
    ));
    // a made-up identifier never collides with a field of that name
    assert!(is_true(
        "[a-b] == 1 && [__f0] == 2",
        &[("a-b", json!(1)), ("__f0", json!(2))]
    ));
}

#[test]
fn dotted_field_names_and_accessors() {
    // a field named "a.b": govaluate reads `a.b` as an accessor, Tripline as the field
    assert_eq!(cel("a.b == 1", &["a.b"]), "__f0 == 1.0");
    assert_eq!(cel("[a.b] == 1", &["a.b"]), "__f0 == 1.0");
    // an accessor on a JSON object is member access in CEL
    assert_eq!(cel("pr.number > 5", &["pr"]), "pr.number > 5.0");
    assert_eq!(
        cel("pr.head.ref == 'main'", &["pr"]),
        r#"pr.head.ref == "main""#
    );
    assert_eq!(cel("p.in == 1", &["p"]), r#"p["in"] == 1.0"#);
    assert_eq!(cel("p.0 == 1", &["p"]), r#"p["0"] == 1.0"#);
    let pr = json!({"number": 7, "head": {"ref": "main"}});
    assert!(is_true(
        "pr.number > 5 && pr.head.ref == 'main'",
        &[("pr", pr.clone())]
    ));
    assert!(matches!(
        eval_err("pr.missing == 1", &[("pr", pr)]),
        ExprError::Eval { .. }
    ));
}

#[test]
fn unknown_variables() {
    match compile_err("a == 1 && b == 2", &["a"]) {
        ExprError::UnknownVariable {
            name,
            column,
            declared,
        } => {
            assert_eq!(name, "b");
            assert_eq!(column, 11);
            assert_eq!(declared, "'a'");
        }
        e => panic!("{e}"),
    }
    assert!(matches!(
        compile_err("[no such] == 1", &["a"]),
        ExprError::UnknownVariable { ref name, .. } if name == "no such"
    ));
    assert!(matches!(
        compile_err("x.y == 1", &["a"]),
        ExprError::UnknownVariable { ref name, .. } if name == "x"
    ));
    // native CEL: checked at compile time too, comprehension variables excepted
    assert!(matches!(
        compile_err("has(x.y)", &["a"]),
        ExprError::UnknownVariable { ref name, column: 5, .. } if name == "x"
    ));
    assert!(CompiledExpr::compile("a.exists(e, e > 1)", &["a"]).is_ok());
    assert!(matches!(
        compile_err("a.exists(e, f > 1)", &["a"]),
        ExprError::UnknownVariable { ref name, .. } if name == "f"
    ));
}

#[test]
fn duplicate_field_names_use_the_last() {
    let c = compile("a == 2", &["a", "a"]);
    let (one, two) = (json!(1), json!(2));
    assert_eq!(c.eval(&[Some(&one), Some(&two)]), Ok(true));
}

// ---------------------------------------------------------------------------
// Operators

#[test]
fn comparison_operators() {
    let n = || [("n", json!(5))];
    for (expr, expected) in [
        ("n == 5", true),
        ("n != 5", false),
        ("n > 4", true),
        ("n >= 5", true),
        ("n < 5", false),
        ("n <= 5", true),
    ] {
        assert_eq!(is_true(expr, &n()), expected, "{expr}");
    }
    assert_eq!(cel("n >= 5", &["n"]), "n >= 5.0");
    assert_eq!(cel("n<=5", &["n"]), "n <= 5.0");
}

#[test]
fn string_comparison_is_lexicographic() {
    assert!(is_true("s < 'b'", &[("s", json!("abc"))]));
    assert!(is_true("s >= 'abc'", &[("s", json!("abc"))]));
    assert!(!is_true("s > 'b'", &[("s", json!("abc"))]));
}

#[test]
fn mixed_type_comparisons() {
    // == across types is false (govaluate's reflect.DeepEqual), ordering is an error
    assert!(!is_true("s == 1", &[("s", json!("1"))]));
    assert!(is_true("s != 1", &[("s", json!("1"))]));
    assert!(matches!(
        eval_err("s > 1", &[("s", json!("1"))]),
        ExprError::Eval { .. }
    ));
    assert!(!is_true("n == 'x'", &[("n", json!(null))]));
}

#[test]
fn logical_operators() {
    let b = |x: bool, y: bool| [("x", json!(x)), ("y", json!(y))];
    assert!(is_true("x && y", &b(true, true)));
    assert!(!is_true("x && y", &b(true, false)));
    assert!(is_true("x || y", &b(false, true)));
    assert!(!is_true("x || y", &b(false, false)));
    assert!(is_true("!x", &b(false, false)));
    assert!(is_true("!(x && y)", &b(true, false)));
    assert_eq!(cel("!(x && y)", &["x", "y"]), "!(x && y)");
    assert_eq!(cel("x || y && !x", &["x", "y"]), "x || y && !x");
    assert_eq!(cel("(x || y) && x", &["x", "y"]), "(x || y) && x");
    // && binds tighter than ||, as in govaluate
    assert!(is_true("x || y && false", &b(true, true)));
    // non-bool operands are an error
    assert!(eval("x && n", &[("x", json!(true)), ("n", json!(1))]).is_err());
}

#[test]
fn arithmetic_operators() {
    let n = || [("a", json!(7)), ("b", json!(2))];
    assert_eq!(cel("a - b * 2 > 1", &["a", "b"]), "a - b * 2.0 > 1.0");
    assert_eq!(cel("(a - b) * 2 > 1", &["a", "b"]), "(a - b) * 2.0 > 1.0");
    assert_eq!(cel("a - (b - 1) == 6", &["a", "b"]), "a - (b - 1.0) == 6.0");
    assert!(is_true("a - b * 2 == 3", &n()));
    assert!(is_true("a / b == 3.5", &n()));
    assert!(is_true("a - b - 1 == 4", &n())); // left-associative
    assert!(is_true("a / b / 7 == 0.5", &n()));
    assert!(is_true("-a == -7", &n()));
    assert!(is_true("-a + b == -5", &n()));
    assert!(is_true("a - -b == 9", &n()));
    assert!(is_true("a / 0 > 1000000", &n())); // float division: +Inf
    assert_eq!(cel("-a == -7", &["a"]), "-a == -7.0");
    assert_eq!(cel("-(a + 1) == -8", &["a"]), "-gv_add(a, 1.0) == -8.0");
    assert_eq!(cel("-(a - 1) == -6", &["a"]), "-(a - 1.0) == -6.0");
}

#[test]
fn modulus_and_power() {
    assert_eq!(cel("a % 2 == 1", &["a"]), "gv_mod(a, 2.0) == 1.0");
    assert_eq!(cel("a ** 2 == 49", &["a"]), "gv_pow(a, 2.0) == 49.0");
    let a = || [("a", json!(7))];
    assert!(is_true("a % 2 == 1", &a()));
    assert!(is_true("-a % 2 == -1", &a())); // Go's math.Mod keeps the dividend's sign
    assert!(is_true("a % 2.5 == 2", &a()));
    assert!(is_true("a ** 2 == 49", &a()));
    assert!(is_true("2 ** 3 ** 2 == 64", &a())); // left-associative, like govaluate
    assert!(is_true("-2 ** 2 == 4", &a())); // prefix binds tighter
    assert!(is_true("2 * a ** 2 == 98", &a()));
    assert!(eval("s % 2 == 1", &[("s", json!("x"))]).is_err());
}

#[test]
fn plus_adds_numbers_and_concatenates_strings() {
    assert_eq!(cel("1 + 2 == 3", &[]), "1.0 + 2.0 == 3.0");
    assert_eq!(cel("'a' + 'b' == 'ab'", &[]), r#""a" + "b" == "ab""#);
    assert_eq!(cel("a + b == 3", &["a", "b"]), "gv_add(a, b) == 3.0");
    assert!(is_true("a + b == 3", &[("a", json!(1)), ("b", json!(2))]));
    assert!(is_true(
        "a + b == 'xy'",
        &[("a", json!("x")), ("b", json!("y"))]
    ));
    // govaluate: either side a string concatenates, with Go's %v
    assert!(is_true(
        "a + b == 'x1'",
        &[("a", json!("x")), ("b", json!(1))]
    ));
    assert!(is_true(
        "b + a == '1.5x'",
        &[("a", json!("x")), ("b", json!(1.5))]
    ));
    assert!(is_true(
        "a + b == 'xtrue'",
        &[("a", json!("x")), ("b", json!(true))]
    ));
    assert!(is_true(
        "a + b == 'x1e+06'",
        &[("a", json!("x")), ("b", json!(1_000_000))]
    ));
    assert!(is_true("'v' + n == 'v2'", &[("n", json!(2))]));
    assert_eq!(cel("'v' + n == 'v2'", &["n"]), r#"gv_add("v", n) == "v2""#);
    assert!(is_true(
        "a + '-' + b == 'x-1'",
        &[("a", json!("x")), ("b", json!(1))]
    ));
    // neither a string nor numbers: an error
    assert!(eval("a + b == 1", &[("a", json!(true)), ("b", json!(1))]).is_err());
    assert!(eval("a + b == 1", &[("a", json!([1])), ("b", json!([2]))]).is_err());
}

#[test]
fn regex_match_operators() {
    assert_eq!(cel("s =~ '^op'", &["s"]), r#"s.matches("^op")"#);
    assert_eq!(cel("s !~ '^op'", &["s"]), r#"!s.matches("^op")"#);
    assert_eq!(
        cel("a + b =~ 'x'", &["a", "b"]),
        r#"gv_add(a, b).matches("x")"#
    );
    let s = |v: &str| [("s", json!(v))];
    assert!(is_true("s =~ '^op'", &s("opened")));
    assert!(!is_true("s =~ '^op'", &s("reopened")));
    assert!(is_true("s =~ 'pen'", &s("reopened"))); // unanchored, like Go's MatchString
    assert!(is_true("s !~ '^op'", &s("reopened")));
    assert!(is_true(r"s =~ '^v\\d+\\.\\d+$'", &s("v1.20")));
    // RE2 semantics: \d is ASCII only
    assert!(!is_true(r"s =~ '^\\d$'", &s("٣")));
    // govaluate escapes: "\d" in the expression is the letter d
    assert!(is_true(r"s =~ '^\d$'", &s("d")));
    // the pattern may be a field
    assert!(is_true(
        "s =~ p",
        &[("s", json!("abc")), ("p", json!("b+"))]
    ));
    assert!(matches!(
        eval_err("s =~ p", &[("s", json!("abc")), ("p", json!("("))]),
        ExprError::Eval { ref message } if message.contains("matches")
    ));
    // the subject must be a string
    assert!(eval("n =~ '1'", &[("n", json!(1))]).is_err());
}

#[test]
fn invalid_regex_literal_fails_to_compile() {
    assert!(matches!(
        compile_err("s =~ '('", &["s"]),
        ExprError::InvalidRegex { ref pattern, .. } if pattern == "("
    ));
    assert!(matches!(
        compile_err(r"s.matches('\\C')", &["s"]),
        ExprError::InvalidRegex { .. }
    ));
}

#[test]
fn in_with_parenthesized_lists() {
    assert_eq!(cel("x in ('a', 'b')", &["x"]), r#"x in ["a", "b"]"#);
    assert_eq!(cel("x IN (1, 2, 3)", &["x"]), "x in [1.0, 2.0, 3.0]");
    assert_eq!(cel("x in ((1, 2), 3)", &["x"]), "x in [1.0, 2.0, 3.0]");
    assert!(is_true("x in ('a', 'b')", &[("x", json!("b"))]));
    assert!(!is_true("x in ('a', 'b')", &[("x", json!("c"))]));
    assert!(is_true("x in (1, 2)", &[("x", json!(2))]));
    // one value in parentheses: govaluate would error, Tripline reads a list of one
    assert_eq!(cel("x in ('a')", &["x"]), r#"x in ["a"]"#);
    assert!(is_true("x in ('a')", &[("x", json!("a"))]));
    // the array may be a field
    assert!(is_true("x in l", &[("x", json!(2)), ("l", json!([1, 2]))]));
    assert!(is_true(
        "(x in l) == false",
        &[("x", json!(3)), ("l", json!([1, 2]))]
    ));
    assert!(is_true(
        "x in (y, 2) && true",
        &[("x", json!(1)), ("y", json!(1))]
    ));
}

#[test]
fn arrays_compare_deeply() {
    assert!(is_true("l == (1, 'a')", &[("l", json!([1, "a"]))]));
    assert!(!is_true("l == (1, 'b')", &[("l", json!([1, "a"]))]));
    assert!(is_true(
        "o == o2",
        &[
            ("o", json!({"a": [1, {"b": null}]})),
            ("o2", json!({"a": [1, {"b": null}]}))
        ]
    ));
}

#[test]
fn ternary_operators() {
    assert_eq!(cel("x ? 1 : 2", &["x"]), "x ? 1.0 : 2.0");
    assert_eq!(cel("(x ? 1 : 2) == 1", &["x"]), "(x ? 1.0 : 2.0) == 1.0");
    assert_eq!(
        cel("x ? 'a' : 'b' == 'a'", &["x"]),
        r#"x ? "a" : "b" == "a""#
    );
    let x = |b: bool| [("x", json!(b)), ("n", json!(3))];
    assert!(is_true("(x ? 1 : 2) == 1", &x(true)));
    assert!(is_true("(x ? 1 : 2) == 2", &x(false)));
    assert!(is_true("n > 2 ? x : false", &x(true)));
    // `c ? a` alone is a or nil
    assert_eq!(
        cel("((x ? 1) ?? 5) == 5", &["x"]),
        "((x ? 1.0 : null) != null ? (x ? 1.0 : null) : 5.0) == 5.0"
    );
    assert!(is_true("((x ? 1) ?? 5) == 5", &x(false)));
    assert!(is_true("((x ? 1) ?? 5) == 1", &x(true)));
    // ternaries associate left: `a ? b : c ? d : e` is `((a ? b) : c) ? d : e`
    assert!(is_true("(x ? true : false ? 5 : 6) == 5", &x(true)));
    // the condition must be a bool
    assert!(eval("(n ? 1 : 2) == 1", &x(true)).is_err());
}

#[test]
fn ternary_with_nil_value_falls_through_like_govaluate() {
    // govaluate: `c ? a : b` is `(c ? a) : b`, so a nil `a` gives b
    assert_eq!(
        cel("(c ? a : b) == 2", &["c", "a", "b"]),
        "(c ? (a != null ? a : b) : b) == 2.0"
    );
    let bind = |a: Json| [("c", json!(true)), ("a", a), ("b", json!(2))];
    assert!(is_true("(c ? a : b) == 2", &bind(json!(null))));
    assert!(is_true("(c ? a : b) == 1", &bind(json!(1))));
}

#[test]
fn null_coalescence() {
    assert_eq!(cel("(a ?? 1) == 1", &["a"]), "(a != null ? a : 1.0) == 1.0");
    assert_eq!(cel("(5 ?? a) == 5", &["a"]), "5.0 == 5.0");
    assert!(is_true("(a ?? 1) == 1", &[("a", json!(null))]));
    assert!(is_true("(a ?? 1) == 3", &[("a", json!(3))]));
    assert!(is_true(
        "(a ?? b ?? 'z') == 'z'",
        &[("a", json!(null)), ("b", json!(null))]
    ));
    assert!(is_true("(a : 1) == 1", &[("a", json!(null))]));
}

#[test]
fn operator_spacing_is_lenient() {
    // govaluate needs a space in `a == -1`; Tripline doesn't
    assert_eq!(cel("a==-1", &["a"]), "a == -1.0");
    assert_eq!(cel("!a&&b", &["a", "b"]), "!a && b");
    assert!(matches!(
        compile_err("a === 1", &["a"]),
        ExprError::Syntax { column: 5, ref message } if message.contains("'='")
    ));
}

#[test]
fn bitwise_operators_are_rejected() {
    for (expr, token, column) in [
        ("a & 1 == 1", "&", 3),
        ("a | 1 == 1", "|", 3),
        ("a ^ 1 == 1", "^", 3),
        ("a << 1 == 1", "<<", 3),
        ("a >> 1 == 1", ">>", 3),
        ("~a == 1", "~", 1),
    ] {
        match compile_err(expr, &["a"]) {
            ExprError::Unsupported {
                token: t,
                column: c,
                reason,
            } => {
                assert_eq!((t.as_str(), c), (token, column), "{expr}");
                assert!(reason.contains("bitwise"));
            }
            e => panic!("{expr}: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Native CEL

#[test]
fn native_cel_is_detected() {
    let pr = json!({"title": "fix: x", "labels": ["bug", "ui"], "draft": false, "number": 3});
    for expr in [
        "has(pr.title)",
        "size(pr.labels) == 2",
        "pr.labels.size() == 2",
        "pr.title.startsWith('fix')",
        "pr.title.contains(':')",
        "pr.labels.exists(l, l == 'bug')",
        "pr.labels.all(l, l.size() > 1)",
        "'bug' in pr.labels",
        "pr.labels == ['bug', 'ui']",
        "{'a': 1}.a == 1",
        "pr.number == 3 && pr.draft == false",
        "pr.title.matches('^fix')",
        "matches(pr.title, 'x$')",
        "pr.labels[0] == 'bug'",
        "int(pr.number) == 3",
        "type(pr.number) == double",
        "pr.number + 1.0 == 4.0",
        "pr.number > 2",
        "pr.missing == null || true",
    ] {
        let c = compile(expr, &["pr"]);
        // either dialect may be picked for the ones valid in both; all must be true
        if expr.contains('(') || expr.contains('[') || expr.contains('{') {
            assert_eq!(c.dialect(), Dialect::Cel, "{expr}");
        }
        assert_eq!(
            c.eval(&[Some(&pr)]),
            Ok(true),
            "{expr} => {}",
            c.cel_source()
        );
    }
}

#[test]
fn native_cel_only() {
    let c = match CompiledExpr::compile_cel("x > 5 && x % 2.0 == 1.0", &["x"]) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.dialect(), Dialect::Cel);
    let v = json!(7);
    // CEL has no % on doubles
    assert!(c.eval(&[Some(&v)]).is_err());
    let c = compile("gv_mod(x, 2.0) == 1.0", &["x"]);
    assert_eq!(c.eval(&[Some(&v)]), Ok(true));
}

#[test]
fn syntax_errors_name_the_position() {
    match compile_err("a == ", &["a"]) {
        ExprError::Syntax { column, message } => {
            assert_eq!(column, 6);
            assert!(message.contains("end"), "{message}");
        }
        e => panic!("{e}"),
    }
    match compile_err("(a == 1", &["a"]) {
        ExprError::Syntax { message, .. } => assert!(message.contains("')'"), "{message}"),
        e => panic!("{e}"),
    }
    match compile_err("a == 1)", &["a"]) {
        ExprError::Syntax { column, .. } => assert_eq!(column, 7),
        e => panic!("{e}"),
    }
    match compile_err("a == 'x", &["a"]) {
        ExprError::Syntax { column, message } => {
            assert_eq!(column, 6);
            assert!(message.contains("unclosed"), "{message}");
        }
        e => panic!("{e}"),
    }
    match compile_err("a = 1", &["a"]) {
        ExprError::Syntax { column, message } => {
            assert_eq!(column, 3);
            assert!(message.contains("'='"), "{message}");
        }
        e => panic!("{e}"),
    }
    // looks like CEL: the CEL parser's error
    assert!(matches!(
        compile_err("size(a", &["a"]),
        ExprError::Syntax { .. }
    ));
    assert!(matches!(
        compile_err("", &["a"]),
        ExprError::Syntax { column: 1, .. }
    ));
    assert!(matches!(
        compile_err("   ", &["a"]),
        ExprError::Syntax { .. }
    ));
    assert!(matches!(
        compile_err("a b", &["a", "b"]),
        ExprError::Syntax { column: 3, .. }
    ));
}

// ---------------------------------------------------------------------------
// Evaluation

#[test]
fn non_bool_results_are_errors() {
    assert_eq!(
        eval_err("a + 1", &[("a", json!(1))]),
        ExprError::NotBool {
            got: "double".to_string()
        }
    );
    assert!(matches!(
        eval_err("a", &[("a", json!("x"))]),
        ExprError::NotBool { .. }
    ));
    assert!(matches!(
        eval_err("a", &[("a", json!(null))]),
        ExprError::NotBool { .. }
    ));
    assert!(matches!(eval_err("(1, 2)", &[]), ExprError::NotBool { .. }));
}

#[test]
fn missing_fields_and_value_counts() {
    let c = compile("a == 1", &["a", "b"]);
    let one = json!(1);
    assert_eq!(
        c.eval(&[Some(&one), None]),
        Err(ExprError::MissingField {
            name: "b".to_string()
        })
    );
    assert_eq!(
        c.eval(&[Some(&one)]),
        Err(ExprError::ValueCount {
            expected: 2,
            got: 1
        })
    );
    assert_eq!(c.eval(&[Some(&one), Some(&one)]), Ok(true));
}

#[test]
fn values_of_every_json_type_bind() {
    let cases = [
        ("v == null", json!(null)),
        ("v == true", json!(true)),
        ("v == 1.5", json!(1.5)),
        ("v == 'x'", json!("x")),
        ("v == (1, 'x', true)", json!([1, "x", true])),
        ("v.k == 'x'", json!({"k": "x"})),
        ("v.a.b == 1", json!({"a": {"b": 1}})),
    ];
    for (expr, value) in cases {
        assert!(is_true(expr, &[("v", value)]), "{expr}");
    }
}

#[test]
fn unused_fields_are_not_bound() {
    // an unused object field is never converted, yet a missing one still fails
    let c = compile("a == 1", &["a", "big"]);
    let (one, big) = (json!(1), json!({"x": [1, 2, 3]}));
    assert_eq!(c.eval(&[Some(&one), Some(&big)]), Ok(true));
}

#[test]
fn many_fields() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = compile("f0 + f19 == 19", &refs);
    let values: Vec<Json> = (0..20).map(|i| json!(i)).collect();
    let bound: Vec<Option<&Json>> = values.iter().map(Some).collect();
    assert_eq!(c.eval(&bound), Ok(true));
}

#[test]
fn compiled_expressions_are_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledExpr>();
    let c = std::sync::Arc::new(compile("s =~ '^a' && n > 1", &["s", "n"]));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || {
                let mut passed = 0;
                for i in 0..500 {
                    let s = json!(if (i + t) % 2 == 0 { "abc" } else { "xyz" });
                    let n = json!(i % 3);
                    if c.eval(&[Some(&s), Some(&n)]) == Ok(true) {
                        passed += 1;
                    }
                }
                passed
            })
        })
        .map(|h| h.join().unwrap_or(0))
        .collect();
    assert!(handles.iter().all(|&p| p > 0));
}

#[test]
fn accessors() {
    let c = compile("a == 1", &["a"]);
    assert_eq!(c.source(), "a == 1");
    assert_eq!(c.fields(), &["a".to_string()]);
    assert!(format!("{c:?}").contains("a == 1.0"));
}

// ---------------------------------------------------------------------------
// Robustness

#[test]
fn too_long_or_too_deep_is_an_error() {
    let long = format!("a == '{}'", "x".repeat(MAX_SOURCE_LEN));
    assert!(matches!(
        compile_err(&long, &["a"]),
        ExprError::TooComplex { .. }
    ));
    let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    assert!(matches!(
        compile_err(&deep, &["a"]),
        ExprError::TooComplex { .. }
    ));
    let not = format!("{}a", "!".repeat(200));
    assert!(matches!(
        compile_err(&not, &["a"]),
        ExprError::TooComplex { .. }
    ));
    let chain = format!("{}1 > 0", "1 + ".repeat(1000));
    assert!(matches!(
        compile_err(&chain, &[]),
        ExprError::TooComplex { .. }
    ));
    let cel_chain = format!("size([{}1]) > 0", "1 + ".repeat(1000));
    assert!(matches!(
        compile_err(&cel_chain, &[]),
        ExprError::TooComplex { .. }
    ));
    let cel_deep = format!("{}1{} > 0", "[".repeat(300), "]".repeat(300));
    assert!(CompiledExpr::compile(&cel_deep, &[]).is_err());
}

#[test]
fn long_but_reasonable_expressions_work() {
    // 100 alternatives: a long chain for govaluate, a balanced tree in CEL
    let expr = (0..100)
        .map(|i| format!("a == {i}"))
        .collect::<Vec<_>>()
        .join(" || ");
    assert!(is_true(&expr, &[("a", json!(99))]));
    let all = (0..100)
        .map(|i| format!("a != {i}"))
        .collect::<Vec<_>>()
        .join(" && ");
    assert!(is_true(&all, &[("a", json!(100))]));
    let sum = format!("{}1 == 31", "1 + ".repeat(30));
    assert!(is_true(&sum, &[]));
    let cel_sum = format!("size([{}1]) == 1", "1 + ".repeat(28));
    assert!(is_true(&cel_sum, &[]));
}

#[test]
fn deep_expressions_are_rejected_before_evaluation() {
    // the cel interpreter recurses once per level, with large frames in debug builds
    let sum = format!("{}1 == 41", "1 + ".repeat(40));
    assert!(matches!(
        compile_err(&sum, &[]),
        ExprError::TooComplex { .. }
    ));
    let cel_sum = format!("size([{}1]) == 1", "1 + ".repeat(40));
    assert!(matches!(
        compile_err(&cel_sum, &[]),
        ExprError::TooComplex { .. }
    ));
    let nested = format!("{}a{} == 1", "(a + ".repeat(40), ")".repeat(40));
    assert!(matches!(
        compile_err(&nested, &["a"]),
        ExprError::TooComplex { .. }
    ));
}

/// Rounds of the garbage tests: `TRIPLINE_FUZZ_ROUNDS` overrides the default.
fn fuzz_rounds(default: usize) -> usize {
    std::env::var("TRIPLINE_FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift), so the test needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "[a]",
    "[b c]",
    "a.x",
    "a.x.y",
    "1",
    "0",
    "2.5",
    ".5",
    "1.2.3",
    "'s'",
    "\"t\"",
    "'2024-01-01'",
    "'\\'",
    "true",
    "false",
    "null",
    "==",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "=~",
    "!~",
    "&&",
    "||",
    "!",
    "-",
    "+",
    "*",
    "/",
    "%",
    "**",
    "?",
    ":",
    "??",
    "in",
    "IN",
    "(",
    ")",
    ",",
    "[",
    "]",
    "{",
    "}",
    ".",
    "size(",
    "has(",
    ".exists(e,",
    "e",
    "matches(",
    ".size()",
    "&",
    "|",
    "^",
    "~",
    "<<",
    ">>",
    "=",
    "'(' ",
    "\\",
    "`",
    "@",
    "#",
    "é",
    "\u{0}",
    " ",
    "  ",
    "\n",
    "1e5",
    "0x1F",
    "-0",
    "'",
    "\"",
    "'''",
    "r'x'",
    "b'x'",
    "1u",
    "[1,2]",
    "{'k':1}",
    "x",
    "cel.bind(",
    "dyn(",
    "int(",
    "string(",
    "type(",
    "double",
    ".?x",
    "[?0]",
    "optional.of(",
    "timestamp(",
];

fn random_json(rng: &mut Rng, depth: usize) -> Json {
    match rng.below(if depth > 3 { 5 } else { 7 }) {
        0 => Json::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.below(1000) as f64 / 7.0 - 50.0),
        3 => json!(["", "s", "2024-01-01", "é", "(", "1"][rng.below(6)]),
        4 => json!(rng.next() as i64),
        5 => Json::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for k in ["x", "y", "in", ""].iter().take(rng.below(4)) {
                m.insert((*k).to_string(), random_json(rng, depth + 1));
            }
            Json::Object(m)
        }
    }
}

#[test]
fn garbage_never_panics() {
    let seed = std::env::var("TRIPLINE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let mut rng = Rng(seed.unwrap_or(0x9E37_79B9_7F4A_7C15));
    let fields = ["a", "b", "b c", "e"];
    let mut compiled = 0;
    for round in 0..fuzz_rounds(4000) {
        let mut expr = String::new();
        for _ in 0..(1 + rng.below(12)) {
            expr.push_str(rng.pick(PIECES));
            if rng.below(2) == 0 {
                expr.push(' ');
            }
        }
        if round % 7 == 0 {
            // raw random characters
            expr = (0..rng.below(20))
                .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
                .collect();
        }
        let result = CompiledExpr::compile(&expr, &fields);
        if let Ok(c) = result {
            compiled += 1;
            for _ in 0..3 {
                let values: Vec<Json> = (0..fields.len())
                    .map(|_| random_json(&mut rng, 0))
                    .collect();
                let bound: Vec<Option<&Json>> = values.iter().map(Some).collect();
                let _ = c.eval(&bound);
            }
        }
    }
    assert!(
        compiled > 100,
        "only {compiled} random expressions compiled"
    );
}

#[test]
fn garbage_cel_never_panics() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..fuzz_rounds(2000) {
        let expr: String = (0..(1 + rng.below(10)))
            .map(|_| rng.pick(PIECES))
            .collect::<Vec<_>>()
            .join("");
        if let Ok(c) = CompiledExpr::compile_cel(&expr, &["a", "b", "e", "x"]) {
            let values: Vec<Json> = (0..4).map(|_| random_json(&mut rng, 0)).collect();
            let bound: Vec<Option<&Json>> = values.iter().map(Some).collect();
            let _ = c.eval(&bound);
        }
    }
}

#[test]
fn mutated_valid_expressions_never_panic() {
    const SEEDS: &[&str] = &[
        r#"action == "opened" && additions > 5"#,
        "a == 'b' || c == 10",
        "[a-b] in ('x', 'y') ? n ** 2 % 3 : n ?? 1",
        "s =~ '^v\\\\d+(\\\\.\\\\d+)*$' && !(s !~ 'x')",
        "pr.labels.exists(l, l.startsWith('bug')) && has(pr.title)",
        "size(pr.labels) > 1 && {'k': [1, 2.0, 'x']}.k[1] == 2.0",
        "t > '2024-01-01T10:30:15Z' && t < 'Mon Jan  1 10:30:15 2024'",
        "a + '-' + b == 'x-1' && -a.x.y < 3",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let fields = [
        "a",
        "b",
        "c",
        "n",
        "s",
        "t",
        "pr",
        "action",
        "additions",
        "a-b",
    ];
    for _ in 0..fuzz_rounds(3000) {
        let mut chars: Vec<char> = rng.pick(SEEDS).chars().collect();
        for _ in 0..(1 + rng.below(4)) {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => {
                    let piece: Vec<char> = rng.pick(PIECES).chars().collect();
                    for (k, ch) in piece.into_iter().enumerate() {
                        chars.insert((at + k).min(chars.len()), ch);
                    }
                }
                _ if at < chars.len() => {
                    let other = rng.below(chars.len());
                    chars.swap(at, other);
                }
                _ => {}
            }
        }
        let expr: String = chars.into_iter().collect();
        if let Ok(c) = CompiledExpr::compile(&expr, &fields) {
            let values: Vec<Json> = (0..fields.len())
                .map(|_| random_json(&mut rng, 0))
                .collect();
            let bound: Vec<Option<&Json>> = values.iter().map(Some).collect();
            let _ = c.eval(&bound);
        }
    }
}
