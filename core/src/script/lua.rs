//! Lua 5.4 (mlua, vendored) for `filters.script` and `transform.script`. Native targets only.

use super::error::{
    clip, exact_int, float_to_json, object_input, Language, Position, ScriptError, MAX_DEPTH,
};
use mlua::chunk::ChunkMode;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, VmState};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Resource limits for one Lua script run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LuaLimits {
    /// Maximum Lua VM instructions per run (counted in steps of up to 1000).
    pub max_instructions: u64,
    /// Maximum bytes the script's Lua state may hold beyond its baseline (stdlib + compiled chunk).
    pub max_memory: usize,
}

impl Default for LuaLimits {
    fn default() -> Self {
        Self {
            max_instructions: 10_000_000,
            max_memory: 64 * 1024 * 1024,
        }
    }
}

/// Name of the chunk in messages: errors read `script:LINE: ...`.
const CHUNK_NAME: &str = "script";

/// Builds the sandbox. Runs once per state with the real globals; receives `aborted`
/// (a Rust function telling whether the instruction limit was hit) and returns the per-run
/// environment table.
const SANDBOX_SETUP: &str = r#"
local aborted = ...
local G = _G
local pcall, xpcall, error, next, pairs = pcall, xpcall, error, next, pairs
local rawset, rawget, setmetatable, type = rawset, rawget, setmetatable, type

local protected = {}
local function readonly(lib, name)
  local proxy = {}
  setmetatable(proxy, {
    __index = lib,
    __newindex = function() error("attempt to modify read-only table '" .. name .. "'", 2) end,
    __pairs = function() return next, lib, nil end,
    __metatable = false,
  })
  protected[proxy] = true
  return proxy
end
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local string_lib = copy(string)
string_lib.dump = nil
local string_mt = getmetatable("")
string_mt.__index = string_lib
string_mt.__metatable = false

local table_lib = copy(table)
-- Lua 5.1 (gopher-lua) compatibility
table_lib.getn = function(t) return #t end
table_lib.maxn = function(t)
  local n = 0
  for k in pairs(t) do
    if type(k) == "number" and k > n then n = k end
  end
  return n
end
local math_lib = copy(math)
math_lib.pow = function(x, y) return x ^ y end

local base = {}
for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget",
    "rawlen", "select", "tonumber", "tostring", "type", "getmetatable", "_VERSION" }) do
  base[name] = G[name]
end
base.string = readonly(string_lib, "string")
base.table = readonly(table_lib, "table")
base.math = readonly(math_lib, "math")
base.unpack = table.unpack
base.print = function() end
base.warn = function() end

local function check(ok, ...)
  -- the instruction-limit error must not be swallowed by pcall
  if not ok and aborted() then error((...), 0) end
  return ok, ...
end
base.pcall = function(f, ...) return check(pcall(f, ...)) end
base.xpcall = function(f, h, ...) return check(xpcall(f, h, ...)) end
base.rawset = function(t, k, v)
  if protected[t] then error("attempt to modify a read-only table", 2) end
  return rawset(t, k, v)
end
base.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed", 2)
  end
  return setmetatable(t, mt)
end

local env = {}
setmetatable(env, { __index = base, __metatable = false })
return env
"#;

struct State {
    lua: Lua,
    chunk: Function,
    env: Table,
}

/// Compiled sandboxed Lua chunk with its own Lua state.
///
/// Each run gets a clean global environment (globals a previous run created are removed),
/// like Argo which creates a new gopher-lua state per event. Runs on one script are
/// serialised by a mutex; different scripts run in parallel.
pub(super) struct LuaScript {
    state: Mutex<State>,
    counter: Arc<AtomicU64>,
    aborted: Arc<AtomicBool>,
    limits: LuaLimits,
}

impl std::fmt::Debug for LuaScript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LuaScript")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Marker error raised from the instruction hook.
#[derive(Debug)]
struct InstructionLimitHit;

impl std::fmt::Display for InstructionLimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("instruction limit exceeded")
    }
}

impl std::error::Error for InstructionLimitHit {}

fn setup_error(e: &mlua::Error) -> ScriptError {
    ScriptError::Runtime {
        lang: Language::Lua,
        message: clip(format!("cannot initialise Lua sandbox: {e}")),
    }
}

impl LuaScript {
    pub(super) fn compile(src: &str, limits: LuaLimits) -> Result<Self, ScriptError> {
        let lua = Lua::new_with(
            StdLib::STRING | StdLib::TABLE | StdLib::MATH,
            LuaOptions::default(),
        )
        .map_err(|e| setup_error(&e))?;

        let counter = Arc::new(AtomicU64::new(0));
        let aborted = Arc::new(AtomicBool::new(false));

        let flag = Arc::clone(&aborted);
        let aborted_fn = lua
            .create_function(move |_, ()| Ok(flag.load(Ordering::Relaxed)))
            .map_err(|e| setup_error(&e))?;
        let env: Table = lua
            .load(SANDBOX_SETUP)
            .set_name("=sandbox")
            .call(aborted_fn)
            .map_err(|e| setup_error(&e))?;

        let chunk = lua
            .load(src)
            .set_name(format!("={CHUNK_NAME}"))
            .set_mode(ChunkMode::Text) // never accept precompiled bytecode
            .set_environment(env.clone())
            .into_function()
            .map_err(|e| compile_error(&e))?;

        let step = limits.max_instructions.clamp(1, 1000);
        let step32 = u32::try_from(step).unwrap_or(1000);
        let (c, a, max) = (
            Arc::clone(&counter),
            Arc::clone(&aborted),
            limits.max_instructions,
        );
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(step32),
            move |_, _| {
                let used = c.fetch_add(step, Ordering::Relaxed).saturating_add(step);
                if used > max {
                    a.store(true, Ordering::Relaxed);
                    Err(mlua::Error::external(InstructionLimitHit))
                } else {
                    Ok(VmState::Continue)
                }
            },
        )
        .map_err(|e| setup_error(&e))?;

        // Baseline = stdlib + sandbox + compiled chunk; the limit comes on top.
        let baseline = lua.used_memory();
        lua.set_memory_limit(baseline.saturating_add(limits.max_memory))
            .map_err(|e| setup_error(&e))?;

        Ok(Self {
            state: Mutex::new(State { lua, chunk, env }),
            counter,
            aborted,
            limits,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned mutex only means a panic elsewhere; the Lua state is still consistent
        // because every run starts by resetting the environment.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs the chunk with global `event` = `data` and hands the returned values to `finish`
    /// (called while the state is still locked).
    pub(super) fn run<R>(
        &self,
        data: &Value,
        finish: impl FnOnce(MultiValue) -> Result<R, ScriptError>,
    ) -> Result<R, ScriptError> {
        let input = object_input(data)?;
        let st = self.lock();
        self.counter.store(0, Ordering::Relaxed);
        self.aborted.store(false, Ordering::Relaxed);

        let result = (|| {
            let event = json_to_lua(&st.lua, &input).map_err(|e| self.map_err(e))?;
            st.env
                .raw_set("event", event)
                .and_then(|()| st.env.raw_set("_G", st.env.clone()))
                .map_err(|e| self.map_err(ConvError::Lua(e)))?;
            let out = st
                .chunk
                .call::<MultiValue>(())
                .map_err(|e| self.map_err(ConvError::Lua(e)))?;
            finish(out)
        })();

        // Drop globals the script created so the next run starts clean. Failure here
        // (only possible on memory exhaustion) is caught by the memory limit next time.
        let _ = st.env.clear();
        result
    }

    fn map_err(&self, e: ConvError) -> ScriptError {
        if self.aborted.load(Ordering::Relaxed) {
            return ScriptError::InstructionLimit {
                limit: self.limits.max_instructions,
            };
        }
        match e {
            ConvError::Msg(message) => ScriptError::Conversion {
                lang: Language::Lua,
                message,
            },
            ConvError::Lua(e) => runtime_error(&e, self.limits.max_memory),
        }
    }
}

fn compile_error(e: &mlua::Error) -> ScriptError {
    match e {
        mlua::Error::SyntaxError { message, .. } => {
            let (position, message) = split_location(message);
            ScriptError::Compile {
                lang: Language::Lua,
                position,
                message: clip(message),
            }
        }
        other => ScriptError::Compile {
            lang: Language::Lua,
            position: None,
            message: clip(other.to_string()),
        },
    }
}

/// Splits `script:LINE: message` into the line and the message.
fn split_location(msg: &str) -> (Option<Position>, String) {
    let prefix = format!("{CHUNK_NAME}:");
    if let Some(rest) = msg.strip_prefix(&prefix) {
        if let Some((line, text)) = rest.split_once(':') {
            if let Ok(line) = line.trim().parse::<usize>() {
                let pos = Position { line, column: None };
                return (Some(pos), text.trim_start().to_string());
            }
        }
    }
    (None, msg.to_string())
}

fn runtime_error(e: &mlua::Error, max_memory: usize) -> ScriptError {
    // Find the innermost cause: callback errors wrap the real one with a traceback.
    let mut cur = e;
    while let mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } =
        cur
    {
        cur = cause;
    }
    match cur {
        mlua::Error::MemoryError(_) => ScriptError::MemoryLimit { limit: max_memory },
        mlua::Error::RuntimeError(msg) => ScriptError::Runtime {
            lang: Language::Lua,
            message: clip(msg.lines().next().unwrap_or_default().to_string()),
        },
        other => ScriptError::Runtime {
            lang: Language::Lua,
            message: clip(other.to_string()),
        },
    }
}

enum ConvError {
    Lua(mlua::Error),
    Msg(String),
}

impl From<mlua::Error> for ConvError {
    fn from(e: mlua::Error) -> Self {
        ConvError::Lua(e)
    }
}

/// JSON → Lua, following Argo's `mapToTable`: `null` members are dropped (Lua can't store
/// nil), `null` array elements are skipped (so `[1,null,2]` becomes `{1,2}`). Integers become
/// Lua integers, integral floats too (`2.0` behaves as gopher-lua's `2`), other numbers floats
/// (u64 above i64::MAX too). Two deliberate differences from Argo: arrays nested directly in
/// arrays are kept (Argo drops them), and tables made from JSON arrays carry the
/// `{__is_array = true}` metatable so an empty array stays `[]` through a transform (Argo turns
/// it into `{}`). The metatable is created per run, so a script changing it affects only itself.
struct ToLua<'a> {
    lua: &'a Lua,
    array_mt: Option<Table>,
}

impl ToLua<'_> {
    fn array_mt(&mut self) -> Result<Table, ConvError> {
        if let Some(mt) = &self.array_mt {
            return Ok(mt.clone());
        }
        let mt = self.lua.create_table_with_capacity(0, 1)?;
        mt.raw_set("__is_array", true)?;
        self.array_mt = Some(mt.clone());
        Ok(mt)
    }

    fn convert(&mut self, v: &Value, depth: usize) -> Result<mlua::Value, ConvError> {
        if depth > MAX_DEPTH {
            return Err(ConvError::Msg(format!(
                "event data nesting exceeds {MAX_DEPTH} levels"
            )));
        }
        Ok(match v {
            Value::Null => mlua::Value::Nil,
            Value::Bool(b) => mlua::Value::Boolean(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    mlua::Value::Integer(i)
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    match exact_int(f) {
                        Some(i) => mlua::Value::Integer(i),
                        None => mlua::Value::Number(f),
                    }
                }
            }
            Value::String(s) => mlua::Value::String(self.lua.create_string(s)?),
            Value::Array(a) => {
                let t = self.lua.create_table_with_capacity(a.len(), 0)?;
                let mut i: i64 = 0;
                for x in a.iter().filter(|x| !x.is_null()) {
                    i += 1;
                    t.raw_set(i, self.convert(x, depth + 1)?)?;
                }
                t.set_metatable(Some(self.array_mt()?))?;
                mlua::Value::Table(t)
            }
            Value::Object(o) => {
                let t = self.lua.create_table_with_capacity(0, o.len())?;
                for (k, x) in o.iter().filter(|(_, x)| !x.is_null()) {
                    t.raw_set(k.as_str(), self.convert(x, depth + 1)?)?;
                }
                mlua::Value::Table(t)
            }
        })
    }
}

fn json_to_lua(lua: &Lua, v: &Value) -> Result<mlua::Value, ConvError> {
    ToLua {
        lua,
        array_mt: None,
    }
    .convert(v, 0)
}

/// Lua → JSON, following Argo's `toGoValue`: a table with a non-empty array part (n = `#t`)
/// becomes an array of t[1..n] (holes → null, other keys dropped); a table whose metatable has
/// `__is_array = true` is an array even when empty; any other table, including `{}`, becomes
/// an object with stringified keys. Lua integers stay integers; floats print like Go's float64
/// (`5.0` → `5`). Functions, userdata, threads → error.
fn lua_to_json(v: &mlua::Value, depth: usize) -> Result<Value, ConvError> {
    if depth > MAX_DEPTH {
        return Err(ConvError::Msg(format!(
            "table nesting exceeds {MAX_DEPTH} levels (cyclic table?)"
        )));
    }
    Ok(match v {
        mlua::Value::Nil => Value::Null,
        mlua::Value::Boolean(b) => Value::Bool(*b),
        mlua::Value::Integer(i) => Value::from(*i),
        mlua::Value::Number(f) => {
            float_to_json(*f, Language::Lua).map_err(|e| ConvError::Msg(e.to_string()))?
        }
        mlua::Value::String(s) => {
            Value::String(String::from_utf8_lossy(&s.as_bytes()).into_owned())
        }
        mlua::Value::Table(t) => {
            let n = t.raw_len();
            let forced_array = match t.metatable() {
                Some(mt) => matches!(
                    mt.raw_get::<mlua::Value>("__is_array")?,
                    mlua::Value::Boolean(true)
                ),
                None => false,
            };
            if n > 0 || forced_array {
                let mut arr = Vec::with_capacity(n.min(1 << 16));
                for i in 1..=n {
                    let x: mlua::Value = t.raw_get(i)?;
                    arr.push(lua_to_json(&x, depth + 1)?);
                }
                Value::Array(arr)
            } else {
                let mut map = serde_json::Map::new();
                for pair in t.pairs::<mlua::Value, mlua::Value>() {
                    let (k, x) = pair?;
                    map.insert(lua_key(&k)?, lua_to_json(&x, depth + 1)?);
                }
                Value::Object(map)
            }
        }
        other => {
            return Err(ConvError::Msg(format!(
                "a Lua {} cannot be converted to JSON",
                other.type_name()
            )))
        }
    })
}

fn lua_key(k: &mlua::Value) -> Result<String, ConvError> {
    Ok(match k {
        mlua::Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        mlua::Value::Integer(i) => i.to_string(),
        mlua::Value::Number(f) => match exact_int(*f) {
            Some(i) => i.to_string(),
            None => f.to_string(),
        },
        mlua::Value::Boolean(b) => b.to_string(),
        other => {
            return Err(ConvError::Msg(format!(
                "a Lua {} cannot be a JSON object key",
                other.type_name()
            )))
        }
    })
}

fn lua_type_name(v: Option<&mlua::Value>) -> String {
    v.map_or("nothing", |v| v.type_name()).to_string()
}

/// Lua `filters.script`: compiled once, evaluated per event. `Send + Sync`.
#[derive(Debug)]
pub struct LuaFilter {
    script: LuaScript,
}

impl LuaFilter {
    /// Compiles with [`LuaLimits::default`] (10M instructions, 64 MiB).
    pub fn compile(src: &str) -> Result<Self, ScriptError> {
        Self::compile_with_limits(src, LuaLimits::default())
    }

    /// Compiles with explicit limits.
    pub fn compile_with_limits(src: &str, limits: LuaLimits) -> Result<Self, ScriptError> {
        Ok(Self {
            script: LuaScript::compile(src, limits)?,
        })
    }

    /// Argo's `filterScript`: global `event` = the event data; the filter passes iff the
    /// script's **last** return value is `true`. Any other result (false, nil, a number, no
    /// return at all) is `Ok(false)`, not an error; Lua errors are errors.
    pub fn eval(&self, data: &Value) -> Result<bool, ScriptError> {
        self.script.run(data, |out| {
            Ok(matches!(
                out.into_iter().last(),
                Some(mlua::Value::Boolean(true))
            ))
        })
    }

    /// Like [`eval`](Self::eval) but a non-boolean last return value is
    /// [`ScriptError::NotBool`] (stricter than Argo).
    pub fn eval_strict(&self, data: &Value) -> Result<bool, ScriptError> {
        self.script.run(data, |out| match out.into_iter().last() {
            Some(mlua::Value::Boolean(b)) => Ok(b),
            other => Err(ScriptError::NotBool {
                found: lua_type_name(other.as_ref()),
            }),
        })
    }
}

/// Lua `transform.script`: compiled once, applied per event. `Send + Sync`.
#[derive(Debug)]
pub struct LuaTransform {
    script: LuaScript,
}

impl LuaTransform {
    /// Compiles with [`LuaLimits::default`].
    pub fn compile(src: &str) -> Result<Self, ScriptError> {
        Self::compile_with_limits(src, LuaLimits::default())
    }

    /// Compiles with explicit limits.
    pub fn compile_with_limits(src: &str, limits: LuaLimits) -> Result<Self, ScriptError> {
        Ok(Self {
            script: LuaScript::compile(src, limits)?,
        })
    }

    /// Argo's `applyScriptTransform`: global `event` = the event data; the script's **last**
    /// return value must be a table, which becomes the new data: a non-empty sequence (or a
    /// table whose metatable has `__is_array = true`) becomes an array, any other table an
    /// object with stringified keys.
    pub fn apply(&self, data: &Value) -> Result<Value, ScriptError> {
        let max_memory = self.script.limits.max_memory;
        self.script.run(data, |out| match out.into_iter().last() {
            Some(t @ mlua::Value::Table(_)) => lua_to_json(&t, 0).map_err(|e| match e {
                ConvError::Msg(message) => ScriptError::Conversion {
                    lang: Language::Lua,
                    message,
                },
                ConvError::Lua(e) => runtime_error(&e, max_memory),
            }),
            other => Err(ScriptError::BadOutput {
                lang: Language::Lua,
                expected: "a Lua table",
                found: lua_type_name(other.as_ref()),
            }),
        })
    }
}
