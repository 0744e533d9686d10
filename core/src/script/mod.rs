//! Scripted filters and transformations for sensor dependencies (Argo Events semantics).
//!
//! * [`LuaFilter`] — `filters.script`: Lua with a global `event`, passes when it returns `true`.
//! * [`Transform`] — `transform.jq` (jaq) or `transform.script` (Lua) rewriting the event data.
//!
//! Lua runs in a sandbox (base/string/table/math only; no `os`, `io`, `package`, `require`,
//! `load`, `dofile`, `collectgarbage`) with an instruction limit and a memory limit
//! ([`LuaLimits`]). Lua needs a native target: on wasm32 the Lua constructors return
//! [`ScriptError::NotSupported`]; jq works everywhere.
//!
//! # Argo semantics kept (pkg/sensors/dependencies/filter.go `filterScript`, transform.go)
//!
//! * The event data must be a JSON object (Argo unmarshals it into `map[string]interface{}`);
//!   JSON `null` counts as `{}`; anything else is [`ScriptError::DataNotObject`]. Events with
//!   *no* data at all skip the script in Argo (filter passes, transform is a no-op): that
//!   check is the caller's, since these APIs take decoded data.
//! * Filter: the script's last return value must be `true` to pass; `false`, `nil`, a
//!   non-boolean or no return value is `Ok(false)`, not an error (Argo: `lv == lua.LTrue`).
//!   [`LuaFilter::eval_strict`] turns non-booleans into [`ScriptError::NotBool`].
//! * jq transform: only the first output is used (later ones are not evaluated); no output is
//!   [`ScriptError::JqNoOutput`]; a non-object output is [`ScriptError::BadOutput`].
//! * Lua transform: the last return value must be a table; a sequence becomes an array
//!   (`__is_array = true` in its metatable forces an array, even empty), other tables objects.
//! * Numbers: integers stay integers; integral floats print as integers (`5.0` → `5`), as
//!   Go's `json.Marshal` prints `float64`; NaN/±inf are conversion errors.
//!
//! Written as a self-contained module: it refers to its own items through `super::`/`self::`
//! only, so `src/` can become `crate::script` of another crate unchanged.

// Without jq (and on wasm32 without Lua too) some of the helpers they share go unused.
#[cfg_attr(not(feature = "jq"), allow(dead_code))]
mod error;
#[cfg(feature = "jq")]
mod jq;
#[cfg(not(feature = "jq"))]
#[path = "jq_stub.rs"]
mod jq;
#[cfg(not(target_arch = "wasm32"))]
mod lua;
#[cfg(target_arch = "wasm32")]
#[path = "lua_stub.rs"]
mod lua;
mod transform;

#[cfg(test)]
mod tests;

pub use self::error::{Language, Position, ScriptError};
pub use self::jq::JqProgram;
pub use self::lua::{LuaFilter, LuaLimits, LuaTransform};
pub use self::transform::Transform;
