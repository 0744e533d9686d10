//! Unit tests. Lua tests only run on native targets.

use super::*;
use serde_json::{json, Value};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_sync() {
    assert_send_sync::<JqProgram>();
    assert_send_sync::<Transform>();
    assert_send_sync::<LuaFilter>();
    assert_send_sync::<LuaTransform>();
    assert_send_sync::<ScriptError>();
}

// ---------------------------------------------------------------- jq

/// /work/shared/argo/examples/sensors/transform.yaml, dependency `test-dep-foo`.
#[test]
fn jq_example_transform_yaml() {
    let t = Transform::jq(".body.message *= 2").unwrap();
    let out = t
        .apply(&json!({"header": {}, "body": {"message": "hello"}}))
        .unwrap();
    assert_eq!(
        out,
        json!({"header": {}, "body": {"message": "hellohello"}})
    );
}

/// Argo's transform_test.go `TestApplyJQTransform`.
#[test]
fn jq_argo_unit_test_case() {
    let t = Transform::jq(".a += 1 | .b *= 2").unwrap();
    assert_eq!(
        t.apply(&json!({"a": 1, "b": "2"})).unwrap(),
        json!({"a": 2, "b": "22"})
    );
}

#[test]
fn jq_no_output_is_an_error() {
    let t = Transform::jq("empty").unwrap();
    assert_eq!(
        t.apply(&json!({"a": 1})).unwrap_err(),
        ScriptError::JqNoOutput
    );
    let t = Transform::jq(".[] | select(. == 42)").unwrap();
    assert_eq!(
        t.apply(&json!({"a": 1})).unwrap_err(),
        ScriptError::JqNoOutput
    );
}

#[test]
fn jq_multiple_outputs_first_wins_and_rest_is_lazy() {
    let t = Transform::jq("{a: 1}, {b: 2}").unwrap();
    assert_eq!(t.apply(&json!({})).unwrap(), json!({"a": 1}));
    // The second output would fail, but it is never evaluated (gojq's iter.Next() once).
    let t = Transform::jq(r#"{a: 1}, error("boom")"#).unwrap();
    assert_eq!(t.apply(&json!({})).unwrap(), json!({"a": 1}));
    // ... and an infinite stream is fine too.
    let t = Transform::jq("repeat({x: 1})").unwrap();
    assert_eq!(t.apply(&json!({})).unwrap(), json!({"x": 1}));
    // run() exposes all outputs for callers that want them.
    let p = JqProgram::compile(".[]").unwrap();
    assert_eq!(
        p.run(&json!([1, 2, 3]), 10).unwrap(),
        vec![json!(1), json!(2), json!(3)]
    );
    assert_eq!(
        p.run(&json!([1, 2, 3]), 2).unwrap(),
        vec![json!(1), json!(2)]
    );
}

#[test]
fn jq_output_must_be_object() {
    for (prog, found) in [
        ("1, 2", "number"),
        (".a", "string"),
        ("[.]", "array"),
        ("null", "null"),
    ] {
        let t = Transform::jq(prog).unwrap();
        match t.apply(&json!({"a": "x"})).unwrap_err() {
            ScriptError::BadOutput { lang, found: f, .. } => {
                assert_eq!(lang, Language::Jq);
                assert_eq!(f, found, "{prog}");
            }
            e => panic!("{prog}: {e}"),
        }
    }
}

#[test]
fn jq_input_must_be_object_null_is_empty_object() {
    let t = Transform::jq(".").unwrap();
    assert_eq!(
        t.apply(&json!([1])).unwrap_err(),
        ScriptError::DataNotObject { found: "array" }
    );
    assert_eq!(
        t.apply(&json!("s")).unwrap_err(),
        ScriptError::DataNotObject { found: "string" }
    );
    assert_eq!(t.apply(&Value::Null).unwrap(), json!({}));
}

#[test]
fn jq_runtime_errors() {
    let t = Transform::jq(r#"error("boom")"#).unwrap();
    let e = t.apply(&json!({})).unwrap_err();
    assert!(
        matches!(&e, ScriptError::Runtime { lang: Language::Jq, message } if message.contains("boom")),
        "{e}"
    );
    let t = Transform::jq(".a + 1").unwrap();
    let e = t.apply(&json!({"a": "x"})).unwrap_err();
    assert!(matches!(e, ScriptError::Runtime { .. }), "{e}");
    // first output is an error → error (Argo would report "must be a JSON object")
    let t = Transform::jq(r#"error("first"), {a: 1}"#).unwrap();
    assert!(matches!(
        t.apply(&json!({})),
        Err(ScriptError::Runtime { .. })
    ));
}

#[test]
fn jq_halt_is_an_error_not_a_process_exit() {
    let t = Transform::jq("halt").unwrap();
    let e = t.apply(&json!({})).unwrap_err();
    assert!(
        matches!(&e, ScriptError::Runtime { message, .. } if message.contains("halt")),
        "{e}"
    );
    let t = Transform::jq(r#""x" | halt_error(3)"#).unwrap();
    assert!(t.apply(&json!({})).is_err());
}

#[cfg(not(target_arch = "wasm32"))] // panics abort on wasm32
#[test]
fn jq_interpreter_panic_becomes_an_error() {
    // jaq's `str::repeat` panics with "capacity overflow" here.
    let t = Transform::jq(r#"{s: ("abc" * .n)}"#).unwrap();
    let e = t.apply(&json!({"n": i64::MAX})).unwrap_err();
    assert!(
        matches!(&e, ScriptError::Runtime { lang: Language::Jq, message } if message.contains("panicked")),
        "{e}"
    );
    assert_eq!(t.apply(&json!({"n": 2})).unwrap(), json!({"s": "abcabc"}));
}

#[test]
fn jq_env_is_not_available() {
    assert!(matches!(
        Transform::jq("env"),
        Err(ScriptError::Compile { .. })
    ));
    assert!(matches!(
        Transform::jq("{e: $ENV}"),
        Err(ScriptError::Compile { .. })
    ));
    assert!(matches!(
        Transform::jq(r#"import "foo" as f; ."#),
        Err(ScriptError::Compile { .. })
    ));
}

#[test]
fn jq_compile_errors_name_position() {
    let e = Transform::jq(".a |\n  .b | ]").unwrap_err();
    match &e {
        ScriptError::Compile {
            lang: Language::Jq,
            position: Some(p),
            ..
        } => {
            assert_eq!((p.line, p.column), (2, Some(8)), "{e}");
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("line 2, column 8"), "{e}");

    let e = Transform::jq(".a | nosuchfn(1)").unwrap_err();
    match &e {
        ScriptError::Compile {
            position: Some(p),
            message,
            ..
        } => {
            assert_eq!((p.line, p.column), (1, Some(6)));
            assert!(message.contains("nosuchfn"), "{message}");
        }
        other => panic!("{other}"),
    }
    let e = Transform::jq("\"unterminated").unwrap_err();
    assert!(
        matches!(
            e,
            ScriptError::Compile {
                position: Some(_),
                ..
            }
        ),
        "{e}"
    );
    let e = Transform::jq("").unwrap_err();
    assert!(matches!(e, ScriptError::Compile { .. }), "{e}");
}

#[test]
fn jq_numbers_preserved() {
    let t = Transform::jq(".").unwrap();
    let data = json!({
        "int": 10, "neg": -3, "float": 1.5, "big": i64::MAX, "ubig": u64::MAX,
        "small": 1e-7, "nested": [1, 2.25, {"x": 0}]
    });
    assert_eq!(t.apply(&data).unwrap(), data);
    // Arithmetic: int stays int, integral float prints as int (Go float64 style).
    let t = Transform::jq(".a = .a * 2 | .b = .b / 2 | .c = .c / 4 | .d = (.d + 1)").unwrap();
    let out = t
        .apply(&json!({"a": 10, "b": 10, "c": 10, "d": i64::MAX}))
        .unwrap();
    assert_eq!(out["a"], json!(20));
    assert!(out["a"].is_i64());
    assert_eq!(out["b"], json!(5));
    assert!(out["b"].is_i64(), "{}", out["b"]);
    assert_eq!(out["c"], json!(2.5));
    assert_eq!(out["d"], json!(9223372036854775808u64)); // bigint, exact
                                                         // literal decimals
    let t = Transform::jq(".x = 1.25 | .y = 3.0").unwrap();
    assert_eq!(t.apply(&json!({})).unwrap(), json!({"x": 1.25, "y": 3}));
    // NaN cannot be JSON
    let t = Transform::jq(".x = nan").unwrap();
    assert!(matches!(
        t.apply(&json!({})),
        Err(ScriptError::Conversion { .. })
    ));
}

#[test]
fn jq_stdlib_and_key_order() {
    let t = Transform::jq(
        r#"{names: [.items[].name] | sort, n: (.items | length), up: (.s | ascii_upcase), t: (.s | test("^h"))}"#,
    )
    .unwrap();
    let out = t
        .apply(&json!({"s": "hi", "items": [{"name": "b"}, {"name": "a"}]}))
        .unwrap();
    assert_eq!(
        out,
        json!({"names": ["a", "b"], "n": 2, "up": "HI", "t": true})
    );
}

#[test]
fn jq_unicode_and_non_string_keys() {
    let t = Transform::jq(r#".s |= . + "é✓""#).unwrap();
    assert_eq!(t.apply(&json!({"s": "ü"})).unwrap(), json!({"s": "üé✓"}));
    let t = Transform::jq("{(1): 2}").unwrap_or_else(|_| Transform::jq("{a: 1}").unwrap());
    // jaq may reject non-string keys at runtime or keep them; either way no panic
    let _ = t.apply(&json!({}));
}

#[cfg(not(target_arch = "wasm32"))] // no threads on wasm32-wasip1
#[test]
fn jq_compiled_once_reused_across_threads() {
    let t = std::sync::Arc::new(Transform::jq(".n += 1").unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let t = std::sync::Arc::clone(&t);
            std::thread::spawn(move || {
                for j in 0..200 {
                    let n = i * 1000 + j;
                    assert_eq!(t.apply(&json!({"n": n})).unwrap(), json!({"n": n + 1}));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Tiny deterministic generator for garbage inputs (no extra dev-dependencies).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn garbage(&mut self, alphabet: &[&str]) -> String {
        let len = self.next() % 40;
        (0..len)
            .map(|_| alphabet[(self.next() as usize) % alphabet.len()])
            .collect()
    }
}

#[test]
fn jq_garbage_never_panics() {
    let alphabet = [
        ".", "[", "]", "{", "}", "(", ")", "|", ",", ":", ";", "\"", "\\", "$", "@", "a", "1", "-",
        "+", "*", "?", "//", " ", "\n", "if", "then", "else", "end", "def", "reduce", "as", "é",
        "\u{0}", "#", "try", "catch", "label", "break", "limit(", "..",
    ];
    let mut rng = Lcg(42);
    let data = json!({"a": [1, {"b": "c"}], "d": null});
    for _ in 0..3000 {
        let src = rng.garbage(&alphabet);
        if let Ok(t) = Transform::jq(&src) {
            // infinite programs exist in garbage (e.g. `def f: f; f`); only run short ones
            // whose shape cannot recurse
            if !src.contains("def") && !src.contains("..") && !src.contains("label") {
                let _ = t.apply(&data);
            }
        }
    }
}

#[test]
fn jq_deeply_nested_source_is_rejected_not_overflowed() {
    let src = "[".repeat(100_000); // over the size cap
    assert!(Transform::jq(&src).is_err());
    // Deep but under the cap: must neither overflow a small thread stack nor fail to compile.
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            for src in [
                format!("{{a: {}1{}}}", "[".repeat(3000), "]".repeat(3000)),
                format!("{}.{}", "(".repeat(4000), ")".repeat(4000)),
                format!("{{a: {}1}}", "-".repeat(5000)),
                format!(
                    "{}.{}",
                    "if true then ".repeat(700),
                    " else . end".repeat(700)
                ),
                format!(".{}", " | .".repeat(4000)),
                format!("{{a: 1{}}}", " + 1".repeat(4000)),
            ] {
                let t = Transform::jq(&src).unwrap();
                // runs too (nested arrays exceed the conversion depth: an error, not a crash)
                let _ = t.apply(&json!({}));
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deep_input_is_an_error() {
    let mut v = json!(1);
    for _ in 0..1000 {
        v = json!({ "x": v });
    }
    let t = Transform::jq(".").unwrap();
    assert!(matches!(t.apply(&v), Err(ScriptError::Conversion { .. })));
}

// ---------------------------------------------------------------- Lua (native only)

#[cfg(not(target_arch = "wasm32"))]
mod lua_tests {
    use super::*;

    /// /work/shared/argo/examples/sensors/filter-script.yaml
    const FILTER_SCRIPT_YAML: &str = r#"if event.body.a == "b" and event.body.d.e == "z" then return true else return false end"#;

    fn webhook(body: Value) -> Value {
        json!({"header": {"Content-Type": ["application/json"]}, "body": body})
    }

    #[test]
    fn example_filter_script_yaml() {
        let f = LuaFilter::compile(FILTER_SCRIPT_YAML).unwrap();
        let payload = json!({"a": "b", "c": 10, "d": {"e": "z"}});
        assert!(f.eval(&webhook(payload)).unwrap());
        assert!(!f
            .eval(&webhook(json!({"a": "b", "c": 10, "d": {"e": "y"}})))
            .unwrap());
        assert!(!f.eval(&webhook(json!({"a": "x"}))).unwrap());
        // missing body → indexing nil → runtime error
        let e = f.eval(&json!({})).unwrap_err();
        assert!(
            matches!(
                e,
                ScriptError::Runtime {
                    lang: Language::Lua,
                    ..
                }
            ),
            "{e}"
        );
    }

    /// Argo's filter_script_test.go cases.
    #[test]
    fn argo_filter_script_test_cases() {
        let f = LuaFilter::compile(
            "\nif event.a == \"hello\" then return true else return false end\n",
        )
        .unwrap();
        assert!(f.eval(&json!({"a": "hello"})).unwrap());
        let f = LuaFilter::compile(
            "\nif event.a == \"hello\" and event.b == \"world\" then return false else return true end\n",
        )
        .unwrap();
        assert!(!f.eval(&json!({"a": "hello", "b": "world"})).unwrap());
        // syntax error (missing `then`) → compile error with the line
        let e = LuaFilter::compile("\nif event.a == \"hello\" return false else return true end\n")
            .unwrap_err();
        match &e {
            ScriptError::Compile {
                lang: Language::Lua,
                position: Some(p),
                message,
            } => {
                assert_eq!(p.line, 2, "{e}");
                assert!(message.contains("then"), "{message}");
            }
            other => panic!("{other}"),
        }
        assert!(
            e.to_string().starts_with("Lua compile error at line 2: "),
            "{e}"
        );
        // undefined global `a` → runtime error
        let f =
            LuaFilter::compile("\nif a.a == \"hello\" then return true else return false end\n")
                .unwrap();
        let e = f.eval(&json!({"a": "hello"})).unwrap_err();
        match &e {
            ScriptError::Runtime { message, .. } => {
                assert!(message.starts_with("script:2:"), "{message}")
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn non_bool_return_is_false_like_argo_and_error_in_strict_mode() {
        for (src, found) in [
            ("return 1", "integer"),
            ("return 'true'", "string"),
            ("return {}", "table"),
            ("return nil", "nil"),
            ("local x = 1", "nothing"),
        ] {
            let f = LuaFilter::compile(src).unwrap();
            assert!(!f.eval(&json!({})).unwrap(), "{src}");
            assert_eq!(
                f.eval_strict(&json!({})).unwrap_err(),
                ScriptError::NotBool {
                    found: found.into()
                },
                "{src}"
            );
        }
        let f = LuaFilter::compile("return false").unwrap();
        assert!(!f.eval_strict(&json!({})).unwrap());
        // gopher-lua's l.Get(-1): the LAST return value counts
        let f = LuaFilter::compile("return true, false").unwrap();
        assert!(!f.eval(&json!({})).unwrap());
        let f = LuaFilter::compile("return false, true").unwrap();
        assert!(f.eval(&json!({})).unwrap());
    }

    #[test]
    fn runtime_errors() {
        let f = LuaFilter::compile("error('custom failure')").unwrap();
        let e = f.eval(&json!({})).unwrap_err();
        assert_eq!(
            e,
            ScriptError::Runtime {
                lang: Language::Lua,
                message: "script:1: custom failure".into()
            }
        );
        let f = LuaFilter::compile("return event.x.y").unwrap();
        let e = f.eval(&json!({})).unwrap_err();
        assert!(
            matches!(&e, ScriptError::Runtime { message, .. } if message.contains("index")),
            "{e}"
        );
        let f = LuaFilter::compile("error({code = 1})").unwrap();
        assert!(matches!(
            f.eval(&json!({})),
            Err(ScriptError::Runtime { .. })
        ));
        // the filter stays usable after an error
        let f = LuaFilter::compile("if event.fail then error('x') end return true").unwrap();
        assert!(f.eval(&json!({"fail": true})).is_err());
        assert!(f.eval(&json!({})).unwrap());
    }

    #[test]
    fn infinite_loop_is_stopped() {
        let f = LuaFilter::compile("while true do end").unwrap();
        let start = std::time::Instant::now();
        let e = f.eval(&json!({})).unwrap_err();
        assert_eq!(e, ScriptError::InstructionLimit { limit: 10_000_000 });
        assert!(e.to_string().contains("instruction limit"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        // still usable, and the counter resets per run
        let f = LuaFilter::compile_with_limits(
            "local n = 0 for i = 1, event.n do n = n + i end return n > 0",
            LuaLimits {
                max_instructions: 100_000,
                ..LuaLimits::default()
            },
        )
        .unwrap();
        for _ in 0..5 {
            assert!(f.eval(&json!({"n": 1000})).unwrap());
        }
        assert_eq!(
            f.eval(&json!({"n": 1_000_000})).unwrap_err(),
            ScriptError::InstructionLimit { limit: 100_000 }
        );
        assert!(f.eval(&json!({"n": 10})).unwrap());
    }

    #[test]
    fn pcall_cannot_swallow_the_instruction_limit() {
        let limits = LuaLimits {
            max_instructions: 200_000,
            ..LuaLimits::default()
        };
        for src in [
            "while true do pcall(function() while true do end end) end",
            "while true do xpcall(function() while true do end end, function(e) return e end) end",
            "local ok = pcall(function() while true do end end) return true",
            "while true do pcall(error, 'x') end",
        ] {
            let f = LuaFilter::compile_with_limits(src, limits).unwrap();
            assert_eq!(
                f.eval(&json!({})).unwrap_err(),
                ScriptError::InstructionLimit { limit: 200_000 },
                "{src}"
            );
        }
        // ordinary pcall use still works
        let f = LuaFilter::compile("local ok, err = pcall(error, 'x') return not ok").unwrap();
        assert!(f.eval(&json!({})).unwrap());
    }

    #[test]
    fn memory_limit() {
        let limits = LuaLimits {
            max_memory: 4 * 1024 * 1024,
            ..LuaLimits::default()
        };
        let f = LuaFilter::compile_with_limits(
            "local s = string.rep('x', 100 * 1024 * 1024) return true",
            limits,
        )
        .unwrap();
        assert_eq!(
            f.eval(&json!({})).unwrap_err(),
            ScriptError::MemoryLimit {
                limit: 4 * 1024 * 1024
            }
        );
        let f = LuaFilter::compile_with_limits(
            "local t = {} for i = 1, 1e9 do t[i] = tostring(i) .. 'padding-padding' end",
            limits,
        )
        .unwrap();
        let e = f.eval(&json!({})).unwrap_err();
        assert!(matches!(e, ScriptError::MemoryLimit { .. }), "{e}");
        // garbage from the failed run is collectable: the next run succeeds
        let f = LuaFilter::compile_with_limits(
            "if event.big then local t = {} for i = 1, 1e9 do t[i] = {i} end end return true",
            limits,
        )
        .unwrap();
        assert!(f.eval(&json!({"big": true})).is_err());
        assert!(f.eval(&json!({})).unwrap());
        // event data too large for the limit
        let big: Vec<Value> = (0..200_000).map(|i| json!({"i": i})).collect();
        let e = f.eval(&json!({ "items": big })).unwrap_err();
        assert!(matches!(e, ScriptError::MemoryLimit { .. }), "{e}");
    }

    #[test]
    fn sandbox_has_no_dangerous_globals() {
        let f = LuaFilter::compile(
            "return os == nil and io == nil and require == nil and package == nil and load == nil \
             and loadfile == nil and dofile == nil and loadstring == nil and collectgarbage == nil \
             and debug == nil and coroutine == nil and string.dump == nil and utf8 == nil",
        )
        .unwrap();
        assert!(f.eval_strict(&json!({})).unwrap());
        let f = LuaFilter::compile(
            "return type(string.format) == 'function' and type(table.insert) == 'function' \
             and type(math.floor) == 'function' and type(pairs) == 'function' \
             and type(print) == 'function' and type(tostring) == 'function' and _G == _ENV",
        )
        .unwrap();
        assert!(f.eval_strict(&json!({})).unwrap());
        for src in [
            "os.execute('true')",
            "io.open('/etc/passwd')",
            "require('os')",
            "load('return 1')()",
            "dofile('/etc/passwd')",
            "string.upper = nil",
            "rawset(string, 'upper', nil)",
            "getmetatable('').__index.upper = nil",
            "setmetatable(_ENV, nil)",
            "setmetatable({}, {__gc = function() end})",
            "return ('x'):dump()",
        ] {
            let f = LuaFilter::compile(src).unwrap();
            assert!(f.eval(&json!({})).is_err(), "{src} should fail");
        }
        // the library is intact after those attempts (each had its own filter; check one more)
        let f = LuaFilter::compile(
            "pcall(function() string.upper = nil end) return string.upper('a') == 'A'",
        )
        .unwrap();
        assert!(f.eval_strict(&json!({})).unwrap());
        // binary chunks are refused
        assert!(LuaFilter::compile("\x1bLua\x54\x00garbage").is_err());
    }

    #[test]
    fn globals_do_not_leak_between_runs() {
        let f = LuaFilter::compile("counter = (counter or 0) + 1 return counter == 1").unwrap();
        for _ in 0..3 {
            assert!(f.eval_strict(&json!({})).unwrap());
        }
        let f = LuaFilter::compile(
            "if event.first then seen = true return true end return seen == nil",
        )
        .unwrap();
        assert!(f.eval(&json!({"first": true})).unwrap());
        assert!(f.eval(&json!({})).unwrap());
    }

    #[test]
    fn lua51_compat_helpers() {
        let f = LuaFilter::compile(
            "local a, b = unpack({1, 2}) return a == 1 and b == 2 and math.pow(2, 3) == 8 \
             and table.getn({1, 2, 3}) == 3 and table.maxn({[5] = 1}) == 5",
        )
        .unwrap();
        assert!(f.eval_strict(&json!({})).unwrap());
    }

    #[test]
    fn event_conversion() {
        let f = LuaFilter::compile(
            "return event.i == 10 and math.type(event.i) == 'integer' and event.f == 1.5 \
             and event.whole == 2 and tostring(event.whole) == '2' and event.s == 'x' \
             and event.b == true and event.n == nil and #event.arr == 2 and event.arr[2] == 'b' \
             and event.nested[1][1] == 1 and event.obj.k == 'v' and event.u > 1e19",
        )
        .unwrap();
        let data = json!({
            "i": 10, "f": 1.5, "whole": 2.0, "s": "x", "b": true, "n": null,
            "arr": ["a", null, "b"], "nested": [[1]], "obj": {"k": "v"}, "u": u64::MAX
        });
        assert!(f.eval_strict(&data).unwrap());
        // null data = empty object, non-objects are errors (Argo unmarshals into a map)
        let f = LuaFilter::compile("return next(event) == nil").unwrap();
        assert!(f.eval_strict(&Value::Null).unwrap());
        assert_eq!(
            f.eval(&json!([1])).unwrap_err(),
            ScriptError::DataNotObject { found: "array" }
        );
    }

    /// /work/shared/argo/examples/sensors/transform.yaml, dependency `test-dep`.
    #[test]
    fn example_transform_yaml_lua() {
        let t = Transform::lua("event.body.message='updated'\nreturn event").unwrap();
        let out = t
            .apply(&webhook(json!({"message": "hello", "n": 3})))
            .unwrap();
        assert_eq!(out["body"], json!({"message": "updated", "n": 3}));
        assert_eq!(out["header"], json!({"Content-Type": ["application/json"]}));
    }

    /// Argo's transform_test.go `TestApplyScriptTransform`.
    #[test]
    fn argo_transform_test_cases() {
        let t = Transform::lua("\nevent.c.d[1]=4\nreturn event\n").unwrap();
        assert_eq!(
            t.apply(&json!({"a": 1, "b": "2", "c": {"d": [3]}}))
                .unwrap(),
            json!({"a": 1, "b": "2", "c": {"d": [4]}})
        );
        let t = Transform::lua("\nreturn \"hello\"\n").unwrap();
        assert_eq!(
            t.apply(&json!({"a": 1})).unwrap_err(),
            ScriptError::BadOutput {
                lang: Language::Lua,
                expected: "a Lua table",
                found: "string".into()
            }
        );
        // empty array from Lua via the __is_array metatable flag
        let t =
            Transform::lua("\nevent.env = setmetatable({}, { __is_array = true })\nreturn event\n")
                .unwrap();
        assert_eq!(t.apply(&json!({"env": 123})).unwrap(), json!({"env": []}));
    }

    #[test]
    fn lua_transform_output_shapes() {
        let cases = [
            ("return {}", json!({})),
            ("return {1, 2, 'x'}", json!([1, 2, "x"])),
            ("return {a = {}, b = {true}}", json!({"a": {}, "b": [true]})),
            (
                "return {[1] = 'a', [2] = 'b', k = 'dropped'}",
                json!(["a", "b"]),
            ),
            (
                "return {[2] = 'a', [1.5] = 'b', [true] = 'c'}",
                json!({"2": "a", "1.5": "b", "true": "c"}),
            ),
            (
                "return {x = 10 / 2, y = 7 // 2, z = 1 / 4, w = 2^53}",
                json!({"x": 5, "y": 3, "z": 0.25, "w": 9007199254740992i64}),
            ),
            ("return {s = 'é\\255'}", json!({"s": "é\u{FFFD}"})),
            ("return 1, {last = true}", json!({"last": true})),
            ("return event", json!({"tags": [], "n": [1]})),
        ];
        for (src, want) in cases {
            let t = Transform::lua(src).unwrap();
            assert_eq!(
                t.apply(&json!({"tags": [], "n": [1]})).unwrap(),
                want,
                "{src}"
            );
        }
        for src in [
            "local t = {} t.self = t return t",
            "return {f = print}",
            "return {x = 0/0}",
            "return {x = math.huge}",
            "return {[{}] = 1}",
        ] {
            let t = Transform::lua(src).unwrap();
            assert!(
                matches!(
                    t.apply(&json!({})),
                    Err(ScriptError::Conversion {
                        lang: Language::Lua,
                        ..
                    })
                ),
                "{src}"
            );
        }
        let t = Transform::lua("event.x = 1").unwrap();
        assert!(matches!(
            t.apply(&json!({})),
            Err(ScriptError::BadOutput { .. })
        ));
    }

    #[test]
    fn lua_numbers_preserved() {
        let t = Transform::lua("return event").unwrap();
        let data = json!({"int": 10, "neg": -3, "float": 1.5, "big": i64::MAX, "small": 1e-7,
                          "arr": [1, 2.25, {"x": 0}], "whole": 3.0});
        let out = t.apply(&data).unwrap();
        let mut want = data.clone();
        want["whole"] = json!(3); // Go float64 style, as Argo prints it
        assert_eq!(out, want);
        assert!(out["big"].is_i64());
        let t = Transform::lua("event.c = event.c * 2 event.h = event.c / 4 return event").unwrap();
        assert_eq!(
            t.apply(&json!({"c": 10})).unwrap(),
            json!({"c": 20, "h": 5})
        );
    }

    #[test]
    fn lua_garbage_never_panics() {
        let alphabet = [
            "if", "then", "end", "else", "while", "do", "for", "in", "function", "return", "local",
            "(", ")", "{", "}", "[", "]", "=", "==", "~=", ",", ".", "..", "...", ":", ";", "'",
            "\"", "[[", "]]", "--", " ", "\n", "event", "x", "1", "0x", "1e", "#", "+", "-", "*",
            "/", "//", "%", "^", "not", "and", "or", "nil", "true", "goto", "::", "\\", "é",
            "\u{0}",
        ];
        let mut rng = Lcg(7);
        let limits = LuaLimits {
            max_instructions: 50_000,
            max_memory: 4 << 20,
        };
        let data = json!({"a": [1, {"b": "c"}]});
        let mut compiled = 0;
        for _ in 0..1500 {
            let src = rng.garbage(&alphabet);
            if let Ok(f) = LuaFilter::compile_with_limits(&src, limits) {
                compiled += 1;
                let _ = f.eval(&data);
            }
            if let Ok(t) = Transform::lua_with_limits(&src, limits) {
                let _ = t.apply(&data);
            }
        }
        assert!(compiled > 0);
    }

    #[test]
    fn compile_error_positions() {
        let e = LuaFilter::compile("local a = 1\nlocal b = \n\nreturn ==").unwrap_err();
        match e {
            ScriptError::Compile {
                position: Some(p), ..
            } => assert_eq!(p.line, 4),
            other => panic!("{other}"),
        }
        let e = LuaFilter::compile("return 'unterminated").unwrap_err();
        assert!(
            matches!(
                e,
                ScriptError::Compile {
                    position: Some(Position {
                        line: 1,
                        column: None
                    }),
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn shared_across_threads() {
        let f = std::sync::Arc::new(
            LuaFilter::compile("x = event.n return event.n % 2 == 0 and x == event.n").unwrap(),
        );
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let f = std::sync::Arc::clone(&f);
                std::thread::spawn(move || {
                    for j in 0..300 {
                        let n = i * 1000 + j;
                        assert_eq!(f.eval(&json!({"n": n})).unwrap(), n % 2 == 0);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}

#[cfg(target_arch = "wasm32")]
#[test]
fn lua_not_supported_on_wasm() {
    let want = ScriptError::NotSupported {
        feature: "Lua script",
        runtime: "wasm32",
    };
    assert_eq!(LuaFilter::compile("return true").unwrap_err(), want);
    assert_eq!(Transform::lua("return event").unwrap_err(), want);
}
