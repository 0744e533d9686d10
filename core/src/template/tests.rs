//! Unit tests. Expected strings are what Go's `text/template` + Sprig v3
//! produce for the same template and data (JSON numbers decode to float64).

use serde_json::{json, Value as Json};

use super::{ExecOptions, Template, TemplateError};

fn data() -> Json {
    json!({
        "Input": {
            "body": {
                "repository": {"name": "tripline", "stars": 42, "private": false},
                "pull_request": {"number": 17, "head": {"sha": "0123456789abcdef"}},
                "name": "Hello World",
                "tags": ["b", "a", "c"],
                "nums": [1, 2, 3],
                "empty": [],
                "obj": {"b": 2, "a": 1},
                "nil": null,
                "flag": true,
                "big": 123456789,
                "small": 0.00001,
                "float": 2.5,
                "ts": 1700000000,
                "html": "<a href='x'>&</a>"
            },
            "header": {"X-Github-Event": ["push"]}
        },
        "n": 3,
        "s": "abc",
        "list": ["a", 1, null, true],
        "m": {"a": 1, "b": "two", "c": [1, 2], "d": {"e": null}}
    })
}

fn opts() -> ExecOptions {
    ExecOptions {
        now: Some(
            chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
                .map(|d| d.with_timezone(&chrono::Utc))
                .ok()
                .unwrap_or_default(),
        ),
        random_seed: Some(42),
    }
}

/// Render against the shared test data, with the injected clock and seed.
#[track_caller]
fn r(tpl: &str) -> String {
    match Template::parse(tpl) {
        Ok(t) => match t.render_with(&data(), &opts()) {
            Ok(s) => s,
            Err(e) => panic!("exec error for {tpl:?}: {e}"),
        },
        Err(e) => panic!("parse error for {tpl:?}: {e}"),
    }
}

/// Render and expect an error (parse or exec); returns its message.
#[track_caller]
fn err(tpl: &str) -> String {
    match Template::parse(tpl) {
        Err(e) => e.to_string(),
        Ok(t) => match t.render_with(&data(), &opts()) {
            Ok(s) => panic!("expected an error for {tpl:?}, got {s:?}"),
            Err(e) => e.to_string(),
        },
    }
}

#[track_caller]
fn check(tpl: &str, want: &str) {
    assert_eq!(r(tpl), want, "template: {tpl}");
}

// ---------------------------------------------------------------- text, trim, comments

#[test]
fn text_and_actions() {
    check("hello", "hello");
    check("", "");
    check("a{{ \"b\" }}c", "abc");
    check("{{.s}}{{.s}}", "abcabc");
}

#[test]
fn trim_markers_remove_adjacent_ascii_space() {
    check("a  \n {{- .s -}} \n\t b", "aabcb");
    check("a {{- .s }} b", "aabc b");
    check("a {{ .s -}} b", "a abcb");
    // `{{-3}}` is the number -3, not a trim marker (no space after the dash).
    check("{{-3}}", "-3");
    check("x {{- 3 -}} y", "x3y");
}

#[test]
fn comments() {
    check("a{{/* comment */}}b", "ab");
    check("a {{- /* c */ -}} b", "ab");
    check("a{{/* multi\nline */}}b", "ab");
    assert!(err("{{/* x */ }}").contains("comment ends before closing delimiter"));
    assert!(err("{{/* x ").contains("unclosed comment"));
}

// ---------------------------------------------------------------- fields and values

#[test]
fn field_chains_on_maps() {
    check("{{ .Input.body.repository.name }}", "tripline");
    check(
        "{{ .Input.body.pull_request.head.sha }}",
        "0123456789abcdef",
    );
    check("{{ $.s }}", "abc");
}

#[test]
fn missing_keys_print_no_value() {
    // Go's default missingkey=invalid for map[string]interface{}.
    check("{{ .nope }}", "<no value>");
    check("{{ .nope.deeper.still }}", "<no value>");
    check("{{ .Input.body.nil }}", "<no value>");
}

#[test]
fn field_through_null_is_an_error() {
    // Go: nil pointer evaluating interface {}.x
    assert!(err("{{ .Input.body.nil.x }}").contains("nil pointer evaluating interface {}.x"));
}

#[test]
fn field_on_non_map_is_an_error() {
    assert!(err("{{ .s.x }}").contains("can't evaluate field x in type string"));
    assert!(err("{{ .n.x }}").contains("can't evaluate field x in type float64"));
    assert!(err("{{ .m.a 1 }}").contains("a is not a method but has arguments"));
}

#[test]
fn number_formatting_matches_go_percent_v() {
    check("{{ .n }}", "3");
    check("{{ .Input.body.float }}", "2.5");
    // %v on float64 switches to exponent form at 1e6 in shortest mode (strconv ftoa.go).
    check("{{ .Input.body.big }}", "1.23456789e+08");
    check("{{ .Input.body.small }}", "1e-05");
    let t =
        Template::parse("{{ .a }} {{ .b }} {{ .c }} {{ .d }} {{ .e }} {{ .f }} {{ .g }}").unwrap();
    let out = t
        .render(&json!({"a": 100000, "b": 1000000, "c": 1e21, "d": 0.0001, "e": -7.25, "f": 1e100, "g": 999999.5}))
        .unwrap();
    assert_eq!(out, "100000 1e+06 1e+21 0.0001 -7.25 1e+100 999999.5");
}

#[test]
fn literal_formatting() {
    check(
        "{{ 3 }} {{ 1.0 }} {{ 1e3 }} {{ 0x10 }} {{ 'a' }} {{ -2 }} {{ 1_000 }}",
        "3 1 1000 16 97 -2 1000",
    );
    check("{{ 017 }} {{ 0o17 }} {{ 0b101 }}", "15 15 5");
    check("{{ true }} {{ false }}", "true false");
    check(r#"{{ "a\tb\n" }}{{ `raw\n` }}"#, "a\tb\nraw\\n");
    check(r#"{{ "\u00e9\x41\101" }}"#, "éAA");
    assert!(err("{{ 08 }}").contains("integer overflow"));
    assert!(err("{{ 1x }}").contains("bad number syntax"));
    assert!(err("{{ nil }}").contains("nil is not a command"));
}

#[test]
fn composite_formatting() {
    check("{{ .Input.body.tags }}", "[b a c]");
    check("{{ .Input.body.obj }}", "map[a:1 b:2]");
    check("{{ .list }}", "[a 1 <nil> true]");
    check("{{ .m }}", "map[a:1 b:two c:[1 2] d:map[e:<nil>]]");
    check("{{ .Input.body.empty }}", "[]");
    check("{{ . | len }}", "5");
}

// ---------------------------------------------------------------- variables and control flow

#[test]
fn variables_declare_assign_and_scope() {
    check("{{ $x := .s }}{{ $x }}", "abc");
    check(
        "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
        "2",
    );
    check(
        "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}",
        "21",
    );
    check("{{ $m := .m }}{{ $m.b }}", "two");
    assert!(
        err("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}").contains("undefined variable \"$y\"")
    );
    assert!(err("{{ $nope }}").contains("undefined variable"));
}

#[test]
fn if_else_chains_and_truthiness() {
    check("{{ if .Input.body.flag }}yes{{ else }}no{{ end }}", "yes");
    check("{{ if .nope }}yes{{ else }}no{{ end }}", "no");
    check(
        "{{ if eq .n 1.0 }}one{{ else if eq .n 3.0 }}three{{ else }}other{{ end }}",
        "three",
    );
    check(
        "{{ if 0 }}a{{ else if \"\" }}b{{ else if .Input.body.empty }}c{{ else }}d{{ end }}",
        "d",
    );
    // Go truthiness: non-zero numbers, non-empty strings/collections, true.
    check(
        "{{ if 1 }}1{{ end }}{{ if 0.5 }}2{{ end }}{{ if \"x\" }}3{{ end }}{{ if .m }}4{{ end }}{{ if .list }}5{{ end }}{{ if .Input.body.nil }}6{{ end }}",
        "12345",
    );
    check("{{ if $x := .s }}{{ $x }}{{ end }}", "abc");
}

#[test]
fn with_else_and_else_with() {
    check(
        "{{ with .Input.body.repository }}{{ .name }}{{ end }}",
        "tripline",
    );
    check("{{ with .nope }}x{{ else }}none{{ end }}", "none");
    check("{{ with .nope }}x{{ else with .s }}{{ . }}{{ end }}", "abc");
    check("{{ with $v := .n }}{{ $v }}{{ end }}", "3");
}

#[test]
fn range_over_lists_maps_and_ints() {
    check("{{ range .Input.body.tags }}{{ . }},{{ end }}", "b,a,c,");
    check(
        "{{ range $i, $v := .Input.body.tags }}{{ $i }}={{ $v }} {{ end }}",
        "0=b 1=a 2=c ",
    );
    // Maps are visited in sorted key order.
    check(
        "{{ range $k, $v := .Input.body.obj }}{{ $k }}:{{ $v }} {{ end }}",
        "a:1 b:2 ",
    );
    check("{{ range $v := .Input.body.obj }}{{ $v }}{{ end }}", "12");
    check(
        "{{ range .Input.body.empty }}x{{ else }}empty{{ end }}",
        "empty",
    );
    check("{{ range .nope }}x{{ else }}none{{ end }}", "none");
    // Go 1.22 range over an integer.
    check("{{ range 3 }}{{ . }}{{ end }}", "012");
    check("{{ range $i := 3 }}{{ $i }}{{ end }}", "012");
    check(
        "{{ range .Input.body.tags }}{{ $.s }}{{ end }}",
        "abcabcabc",
    );
    assert!(err("{{ range .s }}{{ end }}").contains("range can't iterate over abc"));
    assert!(err("{{ range $i, $v := 3 }}{{ end }}").contains("more than one variable"));
}

#[test]
fn range_assigning_existing_variables() {
    check(
        "{{ $i := 0 }}{{ $v := 0 }}{{ range $i, $v = .Input.body.tags }}{{ end }}{{ $i }}{{ $v }}",
        "2c",
    );
}

#[test]
fn break_and_continue() {
    check(
        "{{ range .Input.body.nums }}{{ if eq . 2.0 }}{{ break }}{{ end }}{{ . }}{{ end }}",
        "1",
    );
    check(
        "{{ range .Input.body.nums }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
        "13",
    );
    assert!(err("{{ break }}").contains("{{break}} outside {{range}}"));
}

#[test]
fn define_template_block() {
    check(
        "{{ define \"t\" }}[{{ . }}]{{ end }}{{ template \"t\" .s }}",
        "[abc]",
    );
    check(
        "{{ define \"t\" }}{{ .name }}{{ end }}{{ template \"t\" .Input.body.repository }}",
        "tripline",
    );
    check(
        "{{ define \"t\" }}x{{ . }}{{ end }}{{ template \"t\" }}",
        "x<no value>",
    );
    check("{{ block \"b\" .n }}<{{ . }}>{{ end }}", "<3>");
    // Variables of the caller are not visible inside a template; $ is its dot.
    check(
        "{{ define \"t\" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template \"t\" 5 }}",
        "5",
    );
    assert!(err("{{ template \"missing\" }}").contains("no such template"));
}

/// Deep recursion is cut off with an error well before a 1 MiB stack (wasm's
/// default) runs out, even in debug builds.
#[test]
fn recursion_is_bounded_on_a_small_stack() {
    let h = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let mut msgs = Vec::new();
            for src in [
                "{{ define \"r\" }}{{ template \"r\" }}{{ end }}{{ template \"r\" }}",
                "{{ define \"r\" }}{{ if true }}{{ with 1 }}{{ template \"r\" . }}{{ end }}{{ end }}{{ end }}{{ template \"r\" }}",
                "{{ define \"r\" }}{{ (((((template_arg))))) }}{{ end }}",
            ] {
                let src = src.replace("template_arg", "1");
                match Template::parse(&src) {
                    Ok(t) => msgs.push(t.render(&json!({})).map_err(|e| e.to_string())),
                    Err(e) => msgs.push(Err(e.to_string())),
                }
            }
            let deep = format!("{}1{}", "(".repeat(150), ")".repeat(150));
            msgs.push(Template::parse(&format!("{{{{ {deep} }}}}")).map(|_| String::new()).map_err(|e| e.to_string()));
            let nested_ifs = format!("{}x{}", "{{ if true }}".repeat(99), "{{ end }}".repeat(99));
            msgs.push(Template::parse(&nested_ifs).and_then(|t| t.render(&json!({}))).map_err(|e| e.to_string()));
            // A value nested far deeper than JSON allows, built by a loop.
            let t = Template::parse("{{ $x := list }}{{ range until 2000 }}{{ $x = list $x }}{{ end }}{{ len (toJson $x) }}{{ $x | toString | len }}{{ deepEqual $x $x }}{{ $y := deepCopy $x }}").unwrap();
            msgs.push(t.render(&json!({})).map_err(|e| e.to_string()));
            msgs
        })
        .unwrap();
    let msgs = h.join().unwrap();
    assert!(msgs[0]
        .as_ref()
        .unwrap_err()
        .contains("maximum template depth"));
    assert!(msgs[1]
        .as_ref()
        .unwrap_err()
        .contains("maximum template depth"));
    assert_eq!(msgs[2].as_ref().unwrap(), "");
    assert!(msgs[3].as_ref().unwrap_err().contains("nesting exceeds"));
    assert_eq!(msgs[4].as_ref().unwrap(), "x");
    assert!(msgs[5].is_ok());
}

#[test]
fn parenthesized_pipelines_and_chains() {
    check("{{ (.Input.body.repository).name }}", "tripline");
    check("{{ (fromJson \"{\\\"a\\\":{\\\"b\\\":7}}\").a.b }}", "7");
    check("{{ upper (printf \"%s-%s\" .s \"x\") }}", "ABC-X");
    check("{{ .s | printf \"%s-%s\" \"x\" }}", "x-abc");
    check("{{ .s | upper | printf \"<%s>\" }}", "<ABC>");
    assert!(err("{{ .s | \"x\" }}").contains("non executable command in pipeline stage 2"));
    assert!(err("{{ \"x\".y }}").contains("unexpected . after term"));
}

#[test]
fn parse_errors_name_position_and_reason() {
    match Template::parse("line1\n{{ if .a }}x") {
        Err(TemplateError::Parse { pos, msg }) => {
            assert!(msg.contains("unexpected EOF"), "{msg}");
            assert_eq!(pos.line, 2);
        }
        other => panic!("unexpected: {other:?}"),
    }
    assert!(err("{{ end }}").contains("unexpected {{end}}"));
    assert!(err("{{ .a ").contains("unclosed action"));
    assert!(err("{{ }}").contains("missing value for command"));
    assert!(err("{{ \"abc }}").contains("unterminated quoted string"));
    assert!(err("{{ ( .a }}").contains("unclosed left paren"));
    assert!(err("{{ if }}{{ end }}").contains("missing value for if"));
    assert!(err("{{ else }}").contains("unexpected {{else}}"));
    assert!(err("{{ range .a }}{{ else if .b }}{{ end }}").contains("else"));
}

#[test]
fn unknown_function_is_a_parse_error() {
    match Template::parse("{{ xyz .a }}") {
        Err(TemplateError::UnknownFunction { name, pos }) => {
            assert_eq!(name, "xyz");
            assert_eq!((pos.line, pos.col), (1, 4));
        }
        other => panic!("unexpected: {other:?}"),
    }
    assert!(err("{{ xyz }}").contains("unknown function \"xyz\""));
}

#[test]
fn unsupported_functions_fail_at_exec_and_are_listed() {
    let t = Template::parse("{{ if false }}{{ env \"HOME\" }}{{ end }}ok").unwrap();
    assert_eq!(t.render(&json!({})).unwrap(), "ok");
    assert_eq!(t.unsupported_functions(), vec!["env"]);
    let e = Template::parse("{{ expandenv \"$HOME\" }}")
        .unwrap()
        .render(&json!({}))
        .unwrap_err();
    assert!(matches!(&e, TemplateError::Unsupported { name, .. } if name == "expandenv"));
    assert!(e.to_string().contains("not supported: expandenv"));
    assert!(err("{{ call .x }}").contains("not supported: call"));
    assert!(err("{{ semver \"1.2.3\" }}").contains("not supported: semver"));
}

// ---------------------------------------------------------------- Go argument typing

#[test]
fn go_type_checks_for_function_arguments() {
    // upper(string) given a float64 JSON number.
    assert!(err("{{ .n | upper }}").contains("wrong type for value; expected string; got float64"));
    assert!(err("{{ upper .n }}").contains("expected string; got float64"));
    assert!(err("{{ upper 3 }}").contains("expected string; found 3"));
    assert!(err("{{ .nope | upper }}").contains("invalid value; expected string"));
    // Sprig arithmetic returns int64, which Go will not pass to an int parameter.
    assert!(err("{{ trunc (add 1 2) \"abcdef\" }}").contains("expected int; got int64"));
    check("{{ trunc (int (add 1 2)) \"abcdef\" }}", "abc");
    assert!(err("{{ trunc 1.5 \"abc\" }}").contains("expected integer; found 1.5"));
    check("{{ trunc 2.0 \"abc\" }}", "ab");
    assert!(err("{{ upper \"a\" \"b\" }}").contains("wrong number of args for upper: want 1 got 2"));
    assert!(err("{{ ternary 1 2 \"x\" }}").contains("expected bool"));
    check("{{ ternary 1 2 .Input.body.flag }}", "1");
}

// ---------------------------------------------------------------- builtins

#[test]
fn builtin_and_or_not_short_circuit() {
    check("{{ and 1 0 2 }}", "0");
    check("{{ and 1 2 }}", "2");
    check("{{ or 0 \"\" \"x\" }}", "x");
    check("{{ or 0 \"\" }}", "");
    check("{{ or true (fail \"boom\") }}", "true");
    check("{{ and false (fail \"boom\") }}", "false");
    check("{{ .s | and 1 }}", "abc");
    check("{{ not 0 }} {{ not .s }}", "true false");
}

#[test]
fn builtin_comparisons() {
    check(
        "{{ eq .n 3.0 }} {{ eq .s \"abc\" }} {{ eq .s \"x\" \"abc\" }}",
        "true true true",
    );
    check(
        "{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }}",
        "true true true true false",
    );
    check("{{ eq .nope \"x\" }} {{ eq .nope nil }}", "false true");
    // A JSON number is float64; comparing it with an int literal is a Go error.
    assert!(err("{{ eq .n 3 }}").contains("incompatible types for comparison"));
    assert!(err("{{ lt .m 1 }}").contains("invalid type for comparison"));
    assert!(err("{{ eq .m .m }}").contains("non-comparable"));
    check("{{ eq (len .s) 3 }} {{ eq (add 1 2) 3 }}", "true true");
}

#[test]
fn builtin_len_index_slice() {
    check(
        "{{ len .s }} {{ len .Input.body.tags }} {{ len .m }} {{ len \"héllo\" }}",
        "3 3 4 6",
    );
    check(
        "{{ index .Input.body.tags 1 }} {{ index .m \"b\" }} {{ index .m \"c\" 1 }}",
        "a two 2",
    );
    check("{{ index .Input.header \"X-Github-Event\" 0 }}", "push");
    check("{{ index .s 1 }}", "98");
    check("{{ index .m \"zz\" }}", "<no value>");
    assert!(err("{{ index .Input.body.tags 5 }}").contains("index out of range: 5"));
    assert!(err("{{ index .nope 1 }}").contains("index of untyped nil"));
    assert!(err("{{ len .n }}").contains("len of type float64"));
    check(
        "{{ slice .Input.body.tags 1 }} {{ slice .Input.body.tags 0 2 }}",
        "[a c] [b a]",
    );
}

#[test]
fn builtin_print_family() {
    check("{{ print \"a\" \"b\" }}", "ab");
    // Sprint adds spaces between operands when neither is a string.
    check("{{ print 1 2 }}|{{ print \"a\" 1 2 \"b\" }}", "1 2|a1 2b");
    check("{{ print .nope }}", "<nil>");
    check("{{ println \"a\" 1 }}", "a 1\n");
    check("{{ printf \"%s-%d\" \"a\" 3 }}", "a-3");
}

#[test]
fn printf_verbs() {
    check("{{ printf \"%d\" .n }}", "%!d(float64=3)");
    check(
        "{{ printf \"%v|%.2f|%5.1f|%g|%e\" .n 3.14159 2.25 1234.5678 1234.5678 }}",
        "3|3.14|  2.2|1234.5678|1.234568e+03",
    );
    check(
        "{{ printf \"%5s|%-5s|%.2s\" \"ab\" \"cd\" \"xyz\" }}",
        "   ab|cd   |xy",
    );
    check(
        "{{ printf \"%q %t %x %X %o %b %c %U\" \"a\\\"b\" true 255 255 8 5 65 65 }}",
        "\"a\\\"b\" true ff FF 10 101 A U+0041",
    );
    check(
        "{{ printf \"%05d|%+d|%x|% x\" 42 5 \"hi\" \"hi\" }}",
        "00042|+5|6869|68 69",
    );
    check(
        "{{ printf \"%.3g|%8.3f|%%|%T|%T\" 1234.5678 3.14159 .n .s }}",
        "1.23e+03|   3.142|%|float64|string",
    );
    check("{{ printf \"%d %d\" 1 }}", "1 %!d(MISSING)");
    check("{{ printf \"%d\" 1 2 }}", "1%!(EXTRA int=2)");
    check(
        "{{ printf \"%s\" (list \"a\" \"b\") }} {{ printf \"%d\" (list 1 \"a\") }}",
        "[a b] [1 %!d(string=a)]",
    );
    check("{{ printf \"%s|%v\" nil nil }}", "%!s(<nil>)|<nil>");
    check(
        "{{ printf \"%v\" .m }}",
        "map[a:1 b:two c:[1 2] d:map[e:<nil>]]",
    );
    check("{{ printf \"%06.2f|%x\" -3.14159 -255 }}", "-03.14|-ff");
    check(
        "{{ printf \"%s\" .Input.body.repository.name }}",
        "tripline",
    );
    check("{{ printf \"%*d|%-*d|\" 4 7 3 8 }}", "   7|8  |");
}

#[test]
fn builtin_html_js_urlquery() {
    check(
        "{{ html .Input.body.html }}",
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;",
    );
    check("{{ js \"it's <b>\\n\" }}", "it\\'s \\u003Cb\\u003E\\u000A");
    check("{{ urlquery \"a b&c/é\" }}", "a+b%26c%2F%C3%A9");
    check("{{ html .nope }}", "&lt;no value&gt;");
    check("{{ urlquery 1 2 }}", "1+2");
}

// ---------------------------------------------------------------- sprig: strings

#[test]
fn sprig_case_functions() {
    check("{{ upper .s }} {{ lower \"ABC\" }}", "ABC abc");
    check("{{ title \"hello wORLD o'neil\" }}", "Hello WORLD O'Neil");
    check("{{ untitle \"Hello World\" }}", "hello world");
    check("{{ swapcase \"This Is A.Test\" }}", "tHIS iS a.tEST");
    check("{{ upper \"straße\" }}", "STRAßE");
    check("{{ .Input.body.name | nospace | lower }}", "helloworld");
}

#[test]
fn sprig_xstrings_case_conversions() {
    check(
        "{{ snakecase \"FirstName\" }} {{ snakecase \"HTTPServer\" }} {{ snakecase \"NoHTTPS\" }}",
        "first_name http_server no_https",
    );
    check(
        "{{ snakecase \"GO_PATH\" }} {{ snakecase \"GO PATH\" }} {{ snakecase \"GO-PATH\" }}",
        "go_path go_path go_path",
    );
    check(
        "{{ snakecase \"http2xx\" }} {{ snakecase \"HTTP20xOK\" }}",
        "http_2xx http_20x_ok",
    );
    check(
        "{{ snakecase \"Duration2m3s\" }} {{ snakecase \"Bld4Floor3rd\" }}",
        "duration_2m3s bld4_floor_3rd",
    );
    check(
        "{{ kebabcase \"FirstName\" }} {{ kebabcase \"HTTPServer\" }}",
        "first-name http-server",
    );
    check(
        "{{ camelcase \"http_server\" }} {{ camelcase \"_complex__case_\" }}",
        "HttpServer _Complex_Case_",
    );
    check(
        "{{ camelcase \"some words\" }} {{ camelcase \"GOLANG_IS_GREAT\" }}",
        "SomeWords GolangIsGreat",
    );
}

#[test]
fn sprig_trim_family() {
    check("[{{ trim \"  a b \\n\" }}]", "[a b]");
    check(
        "{{ trimAll \"$\" \"$5.00$\" }} {{ trimall \"$\" \"$5$\" }}",
        "5.00 5",
    );
    check("{{ trimPrefix \"-\" \"-hi\" }} {{ trimSuffix \"-\" \"hi-\" }} {{ \"-x\" | trimPrefix \"-\" }}", "hi hi x");
}

#[test]
fn sprig_trunc_abbrev_substr() {
    check("{{ trunc 5 \"hello world\" }}|{{ trunc -5 \"hello world\" }}|{{ trunc 20 \"hi\" }}|{{ trunc -20 \"hi\" }}", "hello|world|hi|hi");
    check(
        "{{ abbrev 5 \"hello world\" }}|{{ abbrev 3 \"hello\" }}|{{ abbrev 20 \"hello\" }}",
        "he...|hello|hello",
    );
    check("{{ abbrevboth 5 10 \"1234 5678 9123\" }}", "...5678...");
    check("{{ substr 0 5 \"hello world\" }}|{{ substr 6 20 \"hello world\" }}|{{ substr -1 3 \"hello\" }}", "hello|world|hel");
    check(
        "{{ .Input.body.pull_request.head.sha | substr 0 7 }}",
        "0123456",
    );
    assert!(err("{{ substr 10 12 \"abc\" }}")
        .contains("error calling substr: runtime error: slice bounds out of range"));
}

#[test]
fn sprig_repeat_replace_contains() {
    check("{{ repeat 3 \"ab\" }}|{{ \"x\" | repeat 2 }}", "ababab|xx");
    assert!(err("{{ repeat -1 \"a\" }}").contains("negative Repeat count"));
    check(
        "{{ replace \" \" \"-\" \"I Am Henry VIII\" }}",
        "I-Am-Henry-VIII",
    );
    check("{{ \"a.b.c\" | replace \".\" \"/\" }}", "a/b/c");
    check("{{ contains \"cat\" \"catch\" }} {{ hasPrefix \"cat\" \"catch\" }} {{ hasSuffix \"ch\" \"catch\" }} {{ hasPrefix \"x\" \"catch\" }}", "true true true false");
}

#[test]
fn sprig_quote_cat_indent_wrap() {
    check(
        "{{ quote \"a\" 1 .nope }}|{{ squote \"a\" 2.5 }}",
        "\"a\" \"1\"|'a' '2.5'",
    );
    check("{{ quote \"say \\\"hi\\\"\\n\" }}", "\"say \\\"hi\\\"\\n\"");
    check(
        "{{ cat \"hello\" .nope \"beautiful\" 1 }}",
        "hello beautiful 1",
    );
    check(
        "{{ indent 2 \"a\\nb\" }}|{{ nindent 2 \"a\" }}",
        "  a\n  b|\n  a",
    );
    check("{{ wrap 5 \"Hello World\" }}", "Hello\nWorld");
    check("{{ wrapWith 5 \"\\t\" \"Hello World\" }}", "Hello\tWorld");
    check("{{ wrap 3 \"abcdefgh ij\" }}", "abcdefgh\nij");
    check("{{ initials \"First Try\" }}", "FT");
    check(
        "{{ plural \"one\" \"many\" 1 }} {{ plural \"one\" \"many\" 2 }}",
        "one many",
    );
}

#[test]
fn sprig_hashes_and_encodings() {
    check(
        "{{ sha256sum \"Hello world!\" }}",
        "c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a",
    );
    check(
        "{{ sha1sum \"Hello world!\" }}",
        "d3486ae9136e7856bc42212385ea797094475802",
    );
    check("{{ adler32sum \"Hello world!\" }}", "487130206");
    check(
        "{{ b64enc \"hello\" }} {{ b64dec \"aGVsbG8=\" }} {{ \"hi\" | b64enc | b64dec }}",
        "aGVsbG8= hello hi",
    );
    // Sprig returns the decode error text as the result.
    check(
        "{{ b64dec \"!!!!\" }}",
        "illegal base64 data at input byte 0",
    );
    check(
        "{{ b32enc \"hello\" }} {{ b32enc \"hello world\" }} {{ b32dec \"NBSWY3DP\" }}",
        "NBSWY3DP NBSWY3DPEB3W64TMMQ====== hello",
    );
    check("{{ b32dec \"NBSWY3DPEB3W64TMMQ======\" }}", "hello world");
}

#[test]
fn sprig_to_string_and_conversions() {
    check(
        "{{ toString 1.5 }} {{ toString .n }} {{ toString .Input.body.tags }} {{ toString .nope }}",
        "1.5 3 [b a c] <nil>",
    );
    check(
        "{{ atoi \"42\" }} {{ atoi \"4x\" }} {{ atoi \"-7\" }}",
        "42 0 -7",
    );
    assert!(err("{{ atoi .n }}").contains("expected string; got float64"));
    // spf13/cast: "3.0" → 3, "3.5" → 0, base prefixes honoured, floats truncate.
    check("{{ int \"3.0\" }} {{ int \"3.5\" }} {{ int 3.9 }} {{ int \"0x1F\" }} {{ int .n }} {{ int true }}", "3 0 3 31 3 1");
    check(
        "{{ int64 \"12\" }} {{ float64 \"1.5\" }} {{ float64 2 }} {{ float64 \"x\" }}",
        "12 1.5 2 0",
    );
    check("{{ toDecimal \"0777\" }}", "511");
    check(
        "{{ typeOf (int 1) }} {{ typeOf (int64 1) }} {{ typeOf (float64 1) }}",
        "int int64 float64",
    );
}

#[test]
fn sprig_split_join_sort() {
    check(
        "{{ split \"$\" \"foo$bar$baz\" }}",
        "map[_0:foo _1:bar _2:baz]",
    );
    check("{{ (split \"/\" \"a/b\")._1 }}", "b");
    check(
        "{{ splitn \"$\" 2 \"foo$bar$baz\" }}",
        "map[_0:foo _1:bar$baz]",
    );
    check(
        "{{ splitList \"$\" \"foo$bar$baz\" }} {{ splitList \"\" \"abc\" }}",
        "[foo bar baz] [a b c]",
    );
    check(
        "{{ join \"-\" (list \"a\" \"b\") }} {{ join \",\" .list }} {{ join \",\" .s }}",
        "a-b a,1,true abc",
    );
    check(
        "{{ sortAlpha .Input.body.tags }} {{ sortAlpha (list 3 1 2) }}",
        "[a b c] [1 2 3]",
    );
    check("{{ toStrings (list 1 2 .nope) | join \"+\" }}", "1+2");
    check("{{ .Input.body.tags | sortAlpha | join \",\" }}", "a,b,c");
}

// ---------------------------------------------------------------- sprig: math

#[test]
fn sprig_integer_math_returns_int64() {
    check(
        "{{ add 1 2 3 }} {{ add1 .n }} {{ sub 3 5 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }}",
        "6 4 -2 24 3 1",
    );
    check("{{ add \"3\" 2.9 }} {{ add }}", "5 0");
    check(
        "{{ max 1 5 3 }} {{ min 4 2 8 }} {{ biggest 1 2 }} {{ max .n 2 }}",
        "5 2 2 3",
    );
    assert!(err("{{ div 1 0 }}").contains("integer divide by zero"));
    assert!(err("{{ mod 1 0 }}").contains("integer divide by zero"));
    check("{{ .n | add 1 }}", "4");
}

#[test]
fn sprig_float_math() {
    check(
        "{{ maxf 1.5 2 }} {{ minf 1.5 2 }} {{ ceil 1.1 }} {{ floor 1.9 }} {{ floor \"2.5\" }}",
        "2 1.5 2 1 2",
    );
    check(
        "{{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round 2.4 0 }} {{ round 2.45 1 0.6 }}",
        "3.14 3 2 2.4",
    );
    // Sprig's *f functions use decimal arithmetic: addf 0.1 0.2 is exactly 0.3.
    check("{{ addf 1.5 2 }} {{ addf 0.1 0.2 }} {{ subf 1.5 0.5 }} {{ mulf 1.5 2 }} {{ divf 10 4 }} {{ add1f 1.5 }}", "3.5 0.3 1 3 2.5 2.5");
    check("{{ divf 1 3 }} {{ mulf 0.1 3 }}", "0.3333333333333333 0.3");
    assert!(err("{{ divf 1 0 }}").contains("division by 0"));
}

#[test]
fn sprig_seq_until() {
    check("{{ seq 3 }}|{{ seq 2 5 }}|{{ seq 5 2 }}|{{ seq 0 2 10 }}|{{ seq 10 -2 4 }}|{{ seq 1 2 0 }}", "1 2 3|2 3 4 5|5 4 3 2|0 2 4 6 8 10|10 8 6 4|");
    check(
        "{{ until 5 }} {{ until -2 }} {{ untilStep 3 6 2 }} {{ untilStep 0 5 0 }}",
        "[0 1 2 3 4] [0 -1] [3 5] []",
    );
    check("{{ range until 3 }}{{ . }}{{ end }}", "012");
}

// ---------------------------------------------------------------- sprig: defaults

#[test]
fn sprig_default_treats_empty_as_unset() {
    check("{{ default \"foo\" .nope }}|{{ default \"foo\" \"\" }}|{{ default \"foo\" 0 }}|{{ default \"foo\" false }}", "foo|foo|foo|foo");
    check("{{ default \"foo\" \"bar\" }}|{{ .s | default \"d\" }}|{{ .nope | default \"d\" }}|{{ default \"d\" }}", "bar|abc|d|d");
    check("{{ default \"foo\" .Input.body.empty }}|{{ default \"foo\" .Input.body.nil }}|{{ default 5 .n }}", "foo|foo|3");
}

#[test]
fn sprig_empty_coalesce_all_any_ternary() {
    check("{{ empty \"\" }} {{ empty 0 }} {{ empty (list) }} {{ empty (dict) }} {{ empty .nope }} {{ empty 1 }} {{ empty .s }}", "true true true true true false false");
    check(
        "{{ coalesce 0 \"\" \"x\" }} {{ coalesce .nope .s }} {{ coalesce 0 \"\" }}",
        "x abc <no value>",
    );
    check(
        "{{ all 1 \"a\" }} {{ all 1 \"\" }} {{ any 0 \"\" }} {{ any 0 \"a\" }}",
        "true false false true",
    );
    check("{{ ternary \"a\" \"b\" true }} {{ ternary \"a\" \"b\" false }} {{ true | ternary \"y\" \"n\" }}", "a b y");
    check("{{ compact (list 1 \"\" 0 \"a\" .nope) }}", "[1 a]");
}

// ---------------------------------------------------------------- sprig: JSON

#[test]
fn sprig_json_round_trip() {
    check("{{ toJson .Input.body.obj }}", "{\"a\":1,\"b\":2}");
    check("{{ toJson .list }}", "[\"a\",1,null,true]");
    check(
        "{{ toJson .Input.body.html }}",
        "\"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e\"",
    );
    check("{{ toRawJson .Input.body.html }}", "\"<a href='x'>&</a>\"");
    check("{{ toPrettyJson .m.c }}", "[\n  1,\n  2\n]");
    check(
        "{{ toPrettyJson (dict \"a\" 1 \"b\" (dict)) }}",
        "{\n  \"a\": 1,\n  \"b\": {}\n}",
    );
    check(
        "{{ toJson (dict \"i\" (add 1 2) \"f\" 2.5 \"s\" \"x\\ny\" \"n\" .nope) }}",
        "{\"f\":2.5,\"i\":3,\"n\":null,\"s\":\"x\\ny\"}",
    );
    // encoding/json float format: exponent only below 1e-6 or from 1e21.
    let t = Template::parse("{{ toJson . }}").unwrap();
    assert_eq!(
        t.render(&json!([123456789, 1e21, 1e-7, 0.000001, 1.5e300]))
            .unwrap(),
        "[123456789,1e+21,1e-7,0.000001,1.5e+300]"
    );
    check("{{ (fromJson \"{\\\"a\\\": [1, 2]}\").a }}", "[1 2]");
    check("{{ fromJson \"not json\" }}", "<no value>");
    assert!(err("{{ mustFromJson \"not json\" }}").contains("error calling mustFromJson"));
    check(
        "{{ mustToJson .s }} {{ mustToRawJson \"<\" }} {{ mustToPrettyJson 1 }}",
        "\"abc\" \"<\" 1",
    );
}

// ---------------------------------------------------------------- sprig: reflection, paths

#[test]
fn sprig_reflection() {
    check("{{ typeOf 1 }} {{ typeOf .n }} {{ typeOf .s }} {{ typeOf .m }} {{ typeOf .list }} {{ typeOf .nope }}", "int float64 string map[string]interface {} []interface {} <nil>");
    check("{{ typeIs \"string\" .s }} {{ typeIsLike \"string\" .s }} {{ kindOf .list }} {{ kindIs \"map\" .m }} {{ kindOf 1.5 }}", "true true slice true float64");
    check("{{ deepEqual (list 1 2) (list 1 2) }} {{ deepEqual 1 1.0 }} {{ deepEqual .m.c (fromJson \"[1,2]\") }}", "true false true");
    check(
        "{{ $c := deepCopy .m }}{{ $_ := set $c \"a\" 9 }}{{ $c.a }} {{ .m.a }}",
        "9 1",
    );
}

#[test]
fn sprig_paths() {
    check("{{ base \"a/b/c.txt\" }} {{ dir \"a/b/c.txt\" }} {{ clean \"a//b/../c/.\" }} {{ ext \"a/b.tar.gz\" }}", "c.txt a/b a/c .gz");
    check("{{ isAbs \"/a\" }} {{ isAbs \"a\" }} {{ base \"\" }} {{ base \"/\" }} {{ dir \"x\" }} {{ clean \"/../a\" }}", "true false . / . /a");
    check("{{ osBase \"/x/y\" }} {{ osDir \"/x/y\" }} {{ osClean \"x/\" }} {{ osExt \"y.md\" }} {{ osIsAbs \"/\" }}", "y /x x .md true");
}

// ---------------------------------------------------------------- sprig: dicts

#[test]
fn sprig_dict_functions() {
    check(
        "{{ dict \"a\" 1 \"b\" \"x\" }} {{ dict \"odd\" }}",
        "map[a:1 b:x] map[odd:]",
    );
    check(
        "{{ get .m \"b\" }}|{{ get .m \"zz\" }}|{{ hasKey .m \"a\" }} {{ hasKey .m \"zz\" }}",
        "two||true false",
    );
    // set mutates the dict in place (Go maps are references).
    check(
        "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"b\" 2 }}{{ $d }}",
        "map[a:1 b:2]",
    );
    check(
        "{{ $d := dict \"a\" 1 \"b\" 2 }}{{ $_ := unset $d \"a\" }}{{ $d }}",
        "map[b:2]",
    );
    // Deliberate deviation: Go would mutate the input map itself; here `set` on
    // input data returns a modified copy and the input stays untouched.
    check(
        "{{ set .m \"z\" 0 | keys | sortAlpha }} {{ .m | keys | len }}",
        "[a b c d z] 4",
    );
    check(
        "{{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) (dict \"a\" 3) }}",
        "[1 3]",
    );
    check(
        "{{ keys (dict \"b\" 1 \"a\" 2) | sortAlpha }} {{ values (dict \"a\" 1 \"b\" 2) }}",
        "[a b] [1 2]",
    );
    check(
        "{{ pick .m \"a\" \"b\" }} {{ omit .m \"a\" \"c\" \"d\" }}",
        "map[a:1 b:two] map[b:two]",
    );
    check("{{ merge (dict \"a\" 1 \"n\" (dict \"x\" 1)) (dict \"a\" 2 \"b\" 3 \"n\" (dict \"y\" 2)) }}", "map[a:1 b:3 n:map[x:1 y:2]]");
    check(
        "{{ mergeOverwrite (dict \"a\" 1 \"c\" 5) (dict \"a\" 2 \"b\" 3 \"c\" \"\") }}",
        "map[a:2 b:3 c:5]",
    );
    check("{{ dig \"d\" \"e\" \"dflt\" .m }}|{{ dig \"x\" \"y\" \"dflt\" .m }}|{{ dig \"a\" \"dflt\" .m }}", "<no value>|dflt|1");
}

// ---------------------------------------------------------------- sprig: lists

#[test]
fn sprig_list_functions() {
    check("{{ list 1 \"a\" .nope }}", "[1 a <nil>]");
    check(
        "{{ append (list 1) 2 }} {{ push .Input.body.tags \"d\" }} {{ prepend (list 1) 0 }}",
        "[1 2] [b a c d] [0 1]",
    );
    check("{{ first .Input.body.tags }} {{ last .Input.body.tags }} {{ rest .Input.body.tags }} {{ initial .Input.body.tags }}", "b c [a c] [b a]");
    check(
        "{{ first (list) }} {{ rest (list) }}",
        "<no value> <no value>",
    );
    check("{{ reverse (list 1 2 3) }} {{ uniq (list 1 1 \"a\" \"a\" 2) }} {{ without (list 1 2 3 2) 2 }}", "[3 2 1] [1 a 2] [1 3]");
    // has uses reflect.DeepEqual: an int literal never equals a float64 JSON number.
    check("{{ has 2 (list 1 2) }} {{ has 2 .Input.body.nums }} {{ has 2.0 .Input.body.nums }} {{ has 1 .nope }}", "true false true false");
    check("{{ slice (list 1 2 3 4) 1 3 }} {{ slice (list 1 2 3) }} {{ concat (list 1) .Input.body.tags }}", "[2 3] [1 2 3] [1 b a c]");
    check(
        "{{ chunk 2 (list 1 2 3) }} {{ chunk 2 (list) }}",
        "[[1 2] [3]] []",
    );
    assert!(err("{{ first .s }}").contains("Cannot find first on type string"));
    assert!(err("{{ slice .s 1 }}").contains("list should be type of slice or array but string"));
    assert!(err("{{ slice (list 1 2) 1 5 }}").contains("slice bounds out of range"));
}

// ---------------------------------------------------------------- sprig: regex

#[test]
fn sprig_regex_functions() {
    check("{{ regexMatch \"^[a-z]+$\" \"abc\" }} {{ regexMatch \"[\" \"x\" }} {{ \"abc\" | regexMatch \"b\" }}", "true false true");
    assert!(err("{{ mustRegexMatch \"[\" \"x\" }}").contains("error calling mustRegexMatch"));
    check(
        "{{ regexFind \"[a-zA-Z][1-9]\" \"abcd1234\" }}|{{ regexFind \"z\" \"abc\" }}",
        "d1|",
    );
    check("{{ regexFindAll \"[2,4,6,8]\" \"123456789\" -1 }} {{ regexFindAll \"[2,4,6,8]\" \"123456789\" 2 }} {{ regexFindAll \"x\" \"y\" 0 }}", "[2 4 6 8] [2 4] []");
    check(
        "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}",
        "-W-xxW-",
    );
    check(
        "{{ regexReplaceAllLiteral \"a(x*)b\" \"-ab-axxb-\" \"${1}\" }}",
        "-${1}-${1}-",
    );
    check("{{ regexSplit \"z+\" \"pizza\" -1 }} {{ regexSplit \"z+\" \"pizza\" 1 }} {{ regexSplit \"x\" \"\" -1 | len }}", "[pi a] [pizza] 1");
    check("{{ regexQuoteMeta \"1.2+3\" }}", "1\\.2\\+3");
    assert!(err("{{ regexFind \"(\" \"x\" }}").contains("error calling regexFind"));
    // Dynamic (non-literal) patterns compile at execution time.
    check(
        "{{ $p := \"^t\" }}{{ regexMatch $p .Input.body.repository.name }}",
        "true",
    );
}

#[test]
fn regex_follows_go_semantics() {
    // Go's \d is ASCII-only.
    check(
        "{{ regexMatch \"^\\\\d+$\" \"١٢\" }} {{ regexMatch \"^\\\\d+$\" \"12\" }}",
        "false true",
    );
    // Empty matches directly after a match are skipped (Go's FindAll / ReplaceAll).
    check("{{ regexReplaceAll \"a*\" \"baaac\" \"X\" }}", "XbXcX");
    check("{{ regexFindAll \"a*\" \"baaac\" -1 | len }}", "3");
    check("{{ regexFind \"\\\\Qa.b\\\\E\" \"xa.by\" }}", "a.b");
}

// ---------------------------------------------------------------- sprig: dates

#[test]
fn sprig_now_needs_injected_clock() {
    check("{{ now }}", "2024-01-02 03:04:05 +0000 UTC");
    check(
        "{{ now | unixEpoch }} {{ now.Year }} {{ (now).Format \"Jan 2\" }}",
        "1704164645 2024 Jan 2",
    );
    let t = Template::parse("{{ now }}").unwrap();
    let e = t.render(&json!({})).unwrap_err();
    assert!(matches!(e, TemplateError::Exec { .. }));
    assert!(e.to_string().contains("now"), "{e}");
}

#[test]
fn sprig_date_formatting() {
    check(
        "{{ date \"2006-01-02\" (toDate \"2006-01-02\" \"2024-03-05\") }}",
        "2024-03-05",
    );
    check(
        "{{ date \"2006-01-02 15:04:05 MST\" 0 }}",
        "1970-01-01 00:00:00 UTC",
    );
    check(
        "{{ dateInZone \"2006-01-02 15:04 MST -07:00\" 0 \"America/New_York\" }}",
        "1969-12-31 19:00 EST -05:00",
    );
    check("{{ dateInZone \"15:04\" 0 \"Not/AZone\" }}", "00:00");
    check(
        "{{ htmlDate 86400 }} {{ htmlDateInZone 0 \"Asia/Tokyo\" }}",
        "1970-01-02 1970-01-01",
    );
    // A float64 (any JSON number) is not a time for Sprig: date falls back to now.
    check("{{ date \"2006\" .Input.body.ts }}", "2024");
    check(
        "{{ date \"Mon Monday Jan January 1 01 2 02 _2 06 2006 3 03 15 4 04 5 05 PM pm .000 .999 Z07:00 -0700 002\" (toDate \"2006-01-02T15:04:05.999Z07:00\" \"2024-03-05T14:07:09.120+00:00\") }}",
        "Tue Tuesday Mar March 3 03 5 05  5 24 2024 2 02 14 7 07 9 09 PM pm .120 .12 Z +0000 065",
    );
}

#[test]
fn sprig_to_date_parsing() {
    check(
        "{{ toDate \"2006-01-02\" \"2024-03-05\" }}",
        "2024-03-05 00:00:00 +0000 UTC",
    );
    check(
        "{{ toDate \"2006-01-02T15:04:05Z07:00\" \"2024-03-05T10:00:00+02:00\" }}",
        "2024-03-05 10:00:00 +0200 +0200",
    );
    check(
        "{{ toDate \"2006-01-02T15:04:05Z07:00\" \"2024-03-05T10:00:00Z\" | date \"15:04 MST\" }}",
        "10:00 UTC",
    );
    check(
        "{{ toDate \"2006-01-02T15:04:05Z07:00\" \"2024-03-05T10:00:00+02:00\" | date \"15:04\" }}",
        "08:00",
    );
    check(
        "{{ toDate \"Jan 2 2006 3:04PM\" \"mar 5 2024 2:07AM\" | date \"2006-01-02 15:04\" }}",
        "2024-03-05 02:07",
    );
    check(
        "{{ toDate \"2006-01-02 15:04:05\" \"2024-03-05 01:02:03.25\" | date \"05.000\" }}",
        "03.250",
    );
    check(
        "{{ toDate \"2006-01-02\" \"bad\" }}",
        "0001-01-01 00:00:00 +0000 UTC",
    );
    check(
        "{{ toDate \"2006-01-02\" \"2024-02-30\" }}",
        "0001-01-01 00:00:00 +0000 UTC",
    );
    assert!(err("{{ mustToDate \"2006-01-02\" \"bad\" }}").contains("error calling mustToDate"));
    check("{{ (toDate \"2006-01-02\" \"2024-03-05\").Unix }} {{ unixEpoch (toDate \"2006-01-02\" \"2024-03-05\") }}", "1709596800 1709596800");
}

#[test]
fn sprig_date_modify_duration_ago() {
    check("{{ toDate \"2006-01-02\" \"2024-03-05\" | dateModify \"1.5h\" | date \"2006-01-02 15:04\" }}", "2024-03-05 01:30");
    check(
        "{{ toDate \"2006-01-02\" \"2024-03-05\" | dateModify \"bogus\" | date \"2006-01-02\" }}",
        "2024-03-05",
    );
    assert!(
        err("{{ toDate \"2006-01-02\" \"2024-03-05\" | mustDateModify \"bogus\" }}")
            .contains("invalid duration")
    );
    check(
        "{{ duration 95 }} {{ duration \"3600\" }} {{ duration \"x\" }} {{ duration 0 }}",
        "1m35s 1h0m0s 0s 0s",
    );
    check("{{ durationRound \"2h10m5s\" }} {{ durationRound \"400h\" }} {{ durationRound \"24h1s\" }} {{ durationRound 0 }}", "2h 16d 1d 0s");
    check(
        "{{ ago (toDate \"2006-01-02\" \"2024-01-01\") }} {{ ago 1704164640 }}",
        "27h4m5s 5s",
    );
    check(
        "{{ (now.Sub (toDate \"2006-01-02\" \"2024-01-02\")).String }}",
        "3h4m5s",
    );
}

// ---------------------------------------------------------------- sprig: misc

#[test]
fn sprig_random_functions_need_a_seed() {
    let a = r("{{ randAlphaNum 12 }}");
    assert_eq!(a.len(), 12);
    assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(a, r("{{ randAlphaNum 12 }}"), "same seed, same output");
    assert!(r("{{ randNumeric 8 }}").chars().all(|c| c.is_ascii_digit()));
    assert!(r("{{ randAlpha 8 }}")
        .chars()
        .all(|c| c.is_ascii_alphabetic()));
    assert_eq!(r("{{ randAscii 5 }}").len(), 5);
    let u = r("{{ uuidv4 }}");
    let re =
        regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .unwrap();
    assert!(re.is_match(&u), "{u}");
    let n: i64 = r("{{ randInt 5 10 }}").parse().unwrap();
    assert!((5..10).contains(&n));
    let mut sh: Vec<char> = r("{{ shuffle \"abcdef\" }}").chars().collect();
    sh.sort_unstable();
    assert_eq!(sh.into_iter().collect::<String>(), "abcdef");
    let e = Template::parse("{{ uuidv4 }}")
        .unwrap()
        .render(&json!({}))
        .unwrap_err();
    assert!(e.to_string().contains("uuidv4: no random source"), "{e}");
}

#[test]
fn sprig_fail_hello_urls() {
    assert!(err("{{ fail \"boom\" }}").contains("error calling fail: boom"));
    check("{{ hello }}", "Hello!");
    check(
        "{{ $u := urlParse \"https://user:pw@example.com:8080/a%20b/c?x=1&y=2#frag\" }}{{ $u.scheme }}|{{ $u.host }}|{{ $u.hostname }}|{{ $u.path }}|{{ $u.query }}|{{ $u.fragment }}|{{ $u.userinfo }}",
        "https|example.com:8080|example.com|/a b/c|x=1&y=2|frag|user:pw",
    );
    check("{{ urlJoin (dict \"scheme\" \"https\" \"host\" \"a.com\" \"path\" \"/x y\" \"query\" \"q=1\") }}", "https://a.com/x%20y?q=1");
}

// ---------------------------------------------------------------- API

#[test]
fn argo_style_input_wrapping() {
    let t = Template::parse("{{ .Input.body.repository.name | upper }}").unwrap();
    let input = json!({"body": {"repository": {"name": "tripline"}}});
    assert_eq!(
        t.render_input(&input, &ExecOptions::default()).unwrap(),
        "TRIPLINE"
    );
    assert_eq!(t.render(&json!({"Input": input})).unwrap(), "TRIPLINE");
    let mut out = String::from(">");
    t.execute(&json!({"Input": input}), &mut out).unwrap();
    assert_eq!(out, ">TRIPLINE");
    // The wrapper behaves like the map {"Input": ...} everywhere.
    let t = Template::parse("{{ . }}|{{ toJson $ }}|{{ range $k, $v := . }}{{ $k }}{{ end }}|{{ len . }}|{{ .Other }}|{{ index . \"Input\" \"body\" \"x\" }}").unwrap();
    let out = t
        .render_input(&json!({"body": {"x": 1}}), &ExecOptions::default())
        .unwrap();
    assert_eq!(
        out,
        "map[Input:map[body:map[x:1]]]|{\"Input\":{\"body\":{\"x\":1}}}|Input|1|<no value>|1"
    );
}

#[test]
fn argo_example_templates() {
    check("{{ .Input.body.name | nospace | lower }}", "helloworld");
    check("{{ .Input.body.name | title }}", "Hello World");
    check("{{ .Input.body.pull_request.number }}", "17");
    check(
        "{{ .Input.body.pull_request.head.sha | substr 0 7 }}",
        "0123456",
    );
}

#[test]
fn template_is_send_sync_and_reusable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    let t = std::sync::Arc::new(
        Template::parse("{{ .x }}-{{ regexReplaceAll \"[0-9]\" .x \"#\" }}").unwrap(),
    );
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || t.render(&json!({ "x": format!("a{i}") })).unwrap())
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), format!("a{i}-a#"));
    }
}

#[test]
fn exec_error_keeps_partial_output_like_go() {
    let t = Template::parse("ab{{ fail \"x\" }}cd").unwrap();
    let mut out = String::new();
    assert!(t.execute(&json!({}), &mut out).is_err());
    assert_eq!(out, "ab");
}

// ---------------------------------------------------------------- robustness

/// Tiny deterministic generator for the garbage-input loop.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'x>(&mut self, xs: &[&'x str]) -> &'x str {
        xs[(self.next() as usize) % xs.len()]
    }
}

const FRAGMENTS: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "  ",
    ".",
    ".Input",
    ".body",
    ".a",
    ".nope",
    "$",
    "$x",
    "$x :=",
    "$x =",
    ":=",
    "=",
    "|",
    "(",
    ")",
    ",",
    "\"",
    "\"s\"",
    "`r`",
    "'c'",
    "1",
    "-1",
    "2.5",
    "1e400",
    "0x",
    "nil",
    "true",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "/*",
    "*/",
    "\n",
    "\\",
    "é",
    "\u{0}",
    "upper",
    "printf",
    "\"%d%s%v%q%.2f%*d%\"",
    "index",
    "len",
    "slice",
    "eq",
    "lt",
    "and",
    "or",
    "not",
    "default",
    "toJson",
    "fromJson",
    "dict",
    "list",
    "set",
    "regexFind",
    "\"(\"",
    "\"a*\"",
    "date",
    "toDate",
    "now",
    "until",
    "seq",
    "repeat",
    "substr",
    "trunc",
    "abbrev",
    "wrap",
    "snakecase",
    "camelcase",
    "b64dec",
    "b32dec",
    "split",
    "dig",
    "merge",
    "chunk",
    "round",
    "divf",
    "div",
    "mod",
    "add",
    "urlParse",
    "duration",
    "durationRound",
    "printf \"%x\"",
    "int",
    "atoi",
    "first",
    "rest",
    "keys",
    "env",
    "uuidv4",
    "ago",
    "dateInZone",
    "\"2006\"",
    "-100",
    "100000000000",
];

#[test]
fn garbage_templates_never_panic() {
    let d = json!({"Input": {"body": {"a": [1, "x", null, {"k": 2.5}], "s": "héllo"}}, "a": {"b": null}, "n": 7});
    let o = opts();
    let mut rng = Lcg(0x5eed);
    for i in 0..40_000 {
        let n = 1 + (rng.next() % 14) as usize;
        let mut src = String::new();
        for _ in 0..n {
            src.push_str(rng.pick(FRAGMENTS));
            if rng.next().is_multiple_of(3) {
                src.push(' ');
            }
        }
        if i % 2 == 0 {
            src = format!("{{{{ {src} }}}}");
        }
        if let Ok(t) = Template::parse(&src) {
            let _ = t.render_with(&d, &o);
            let _ = t.render(&d);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Lcg(99);
    for _ in 0..5_000 {
        let len = (rng.next() % 40) as usize;
        let alphabet: &[u8] = b"{}-/*$.|()\"`'\\ a1e:=,\n\x00\xff";
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[(rng.next() as usize) % alphabet.len()])
            .collect();
        let src = String::from_utf8_lossy(&bytes);
        if let Ok(t) = Template::parse(&src) {
            let _ = t.render(&json!({"a": 1}));
        }
    }
}

#[test]
fn mutated_valid_templates_never_panic() {
    let corpus = [
        "{{ range $i, $v := .Input.body.a }}{{ $i }}{{ $v | toJson }}{{ end }}",
        "{{ if and .a (not .b) }}{{ printf \"%5.2f %q\" 3.14 \"x\" }}{{ else if .n }}n{{ end }}",
        "{{ define \"t\" }}{{ . }}{{ end }}{{ template \"t\" (dict \"a\" (list 1 2)) }}",
        "{{ $d := dict }}{{ $_ := set $d \"k\" (regexReplaceAll \"(a)\" \"aaa\" \"$1b\") }}{{ $d.k }}",
        "{{ toDate \"2006-01-02T15:04:05Z07:00\" \"2024-01-01T00:00:00Z\" | date \"Mon Jan _2 15:04:05 MST 2006\" }}",
    ];
    let d = json!({"Input": {"body": {"a": [1, 2]}}, "a": true, "b": false, "n": 1});
    let mut rng = Lcg(7);
    for _ in 0..3_000 {
        let base = corpus[(rng.next() as usize) % corpus.len()];
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..(1 + rng.next() % 3) {
            let pos = (rng.next() as usize) % (chars.len() + 1);
            match rng.next() % 3 {
                0 if pos < chars.len() => {
                    chars.remove(pos);
                }
                1 => chars.insert(
                    pos,
                    rng.pick(&["{", "}", "(", ")", "\"", "$", ".", "-", " ", "|", "9"])
                        .chars()
                        .next()
                        .unwrap_or(' '),
                ),
                _ if pos < chars.len() => chars[pos] = '}',
                _ => {}
            }
        }
        let src: String = chars.into_iter().collect();
        if let Ok(t) = Template::parse(&src) {
            let _ = t.render_with(&d, &opts());
        }
    }
}

/// Every function in the table, called with assorted (often wrong or extreme)
/// arguments: errors are fine, panics are not.
#[test]
fn every_function_with_hostile_arguments_never_panics() {
    let pool = [
        "0",
        "-1",
        "1",
        "3",
        "9223372036854775807",
        "-9223372036854775808",
        "2.5",
        "-1e308",
        "1e308",
        "\"x\"",
        "\"\"",
        "\"é日\"",
        "\"2006-01-02T15:04:05Z07:00\"",
        "\"([\"",
        "\"a*\"",
        "\"-1h\"",
        "\"0x1F\"",
        "\"$1\"",
        ".n",
        ".s",
        ".list",
        ".m",
        ".nope",
        ".Input.body.nil",
        ".Input.body.nums",
        "nil",
        "true",
        "false",
        "(now)",
        "(list 1 2)",
        "(list)",
        "(dict \"a\" 1)",
        "(dict)",
        "(int64 5)",
        "(toDate \"2006\" \"2024\")",
    ];
    let d = data();
    let o = opts();
    let mut rng = Lcg(2024);
    for def in super::funcs::FUNCS {
        for argc in 0..=4usize {
            for _ in 0..25 {
                let mut src = format!("{{{{ {}", def.name);
                for _ in 0..argc {
                    src.push(' ');
                    src.push_str(rng.pick(&pool));
                }
                src.push_str(" }}");
                if let Ok(t) = Template::parse(&src) {
                    let _ = t.render_with(&d, &o);
                }
                // Also as the last pipeline stage.
                let piped = format!("{{{{ {} | {} }}}}", rng.pick(&pool), &src[3..src.len() - 3]);
                if let Ok(t) = Template::parse(&piped) {
                    let _ = t.render_with(&d, &o);
                }
            }
        }
    }
}

#[test]
fn sprig_aliases_and_must_variants_match_their_base() {
    check(
        "{{ tuple 1 2 }} {{ mustCompact (list 1 0) }} {{ (mustDeepCopy .m).a }}",
        "[1 2] [1] 1",
    );
    check("{{ mustMerge (dict \"a\" 1) (dict \"b\" 2) }} {{ mustMergeOverwrite (dict \"a\" 1) (dict \"a\" 2) }}", "map[a:1 b:2] map[a:2]");
    check(
        "{{ mustAppend (list 1) 2 }} {{ mustPush (list) 1 }} {{ mustPrepend (list 2) 1 }}",
        "[1 2] [1] [1 2]",
    );
    check("{{ mustFirst .Input.body.tags }} {{ mustRest .Input.body.tags }} {{ mustLast .Input.body.tags }} {{ mustInitial .Input.body.tags }}", "b [a c] c [b a]");
    check("{{ mustReverse (list 1 2) }} {{ mustUniq (list 1 1) }} {{ mustWithout (list 1 2) 1 }} {{ mustHas 1 (list 1) }}", "[2 1] [1] [2] true");
    check(
        "{{ mustSlice (list 1 2 3) 1 }} {{ mustChunk 1 (list 1 2) }}",
        "[2 3] [[1] [2]]",
    );
    check("{{ mustRegexFindAll \"a\" \"aa\" -1 }} {{ mustRegexFind \"a+\" \"baa\" }} {{ mustRegexReplaceAll \"a\" \"ba\" \"c\" }} {{ mustRegexSplit \"a\" \"bab\" -1 }}", "[a a] aa bc [b b]");
    check("{{ date_in_zone \"15:04\" 0 \"UTC\" }} {{ toDate \"2006\" \"2024\" | date_modify \"1h\" | date \"15\" }} {{ toDate \"2006\" \"2024\" | must_date_modify \"2h\" | date \"15\" }}", "00:00 01 02");
    assert!(err("{{ mustRegexFind \"(\" \"x\" }}").contains("error calling mustRegexFind"));
}

#[test]
fn every_unsupported_function_reports_its_name() {
    for name in [
        "env",
        "expandenv",
        "getHostByName",
        "bcrypt",
        "htpasswd",
        "genPrivateKey",
        "derivePassword",
        "buildCustomCert",
        "genCA",
        "genCAWithKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "encryptAES",
        "decryptAES",
        "randBytes",
        "semver",
        "semverCompare",
        "call",
    ] {
        let t = Template::parse(&format!("{{{{ {name} \"a\" \"b\" }}}}")).unwrap();
        assert_eq!(t.unsupported_functions(), vec![name]);
        match t.render(&json!({})) {
            Err(TemplateError::Unsupported { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn huge_float_precision_pads_zeros_instead_of_panicking() {
    // Found by fuzzing: Rust's formatter panics past precision 65535; Go prints zeros.
    let t = Template::parse(r#"{{ printf "%.70000f" 1.5 }}"#).expect("parses");
    let out = t.render(&serde_json::json!({})).expect("renders");
    assert_eq!(out.len(), 70002);
    assert!(out.starts_with("1.5000"));
    let t = Template::parse(r#"{{ printf "%.70000e|%.70000g|%.65535e" 1.5 1.5 1.5 }}"#)
        .expect("parses");
    let out = t.render(&serde_json::json!({})).expect("renders");
    assert!(out.contains("e+00|1.5|1.5"), "{}", &out[out.len() - 40..]);
}
