//! Functions the translated expressions call: govaluate's `+ % **`, and `matches`.

use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, CelUInt, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError, FunctionContext};
use regex::Regex;
use std::sync::Arc;

/// Name the `matches` calls of a compiled expression are renamed to, so they run
/// [`matches_function`] whatever the `cel` crate's own features declare.
pub(super) const MATCHES_FN: &str = "__re2_matches";

/// Declares `gv_add`, `gv_mod` and `gv_pow` on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), cel::DeclarationError> {
    env.add_overload("gv_add", "gv_add_dyn_dyn", vec![DYN_TYPE, DYN_TYPE], gv_add)?;
    env.add_overload("gv_mod", "gv_mod_dyn_dyn", vec![DYN_TYPE, DYN_TYPE], gv_mod)?;
    env.add_overload("gv_pow", "gv_pow_dyn_dyn", vec![DYN_TYPE, DYN_TYPE], gv_pow)?;
    Ok(())
}

fn number(v: &dyn Val) -> Option<f64> {
    if let Some(d) = v.downcast_ref::<CelDouble>() {
        return Some(*d.inner());
    }
    if let Some(i) = v.downcast_ref::<CelInt>() {
        return Some(*i.inner() as f64);
    }
    v.downcast_ref::<CelUInt>().map(|u| *u.inner() as f64)
}

fn two<'a, 'b, 'v>(
    name: &str,
    args: &'a [CowVal<'b, 'v>],
) -> Result<(&'a (dyn Val + 'v), &'a (dyn Val + 'v)), ExecutionError> {
    match args {
        [a, b] => Ok((a.as_ref(), b.as_ref())),
        _ => Err(ExecutionError::function_error(
            name,
            format!("expected 2 arguments, got {}", args.len()),
        )),
    }
}

fn not_a_number(name: &str, symbol: &str, v: &dyn Val) -> ExecutionError {
    ExecutionError::function_error(
        name,
        format!(
            "a {} cannot be used with the modifier '{symbol}', it is not a number",
            v.get_type().name()
        ),
    )
}

fn numbers(
    name: &str,
    symbol: &str,
    a: &dyn Val,
    b: &dyn Val,
) -> Result<(f64, f64), ExecutionError> {
    let x = number(a).ok_or_else(|| not_a_number(name, symbol, a))?;
    let y = number(b).ok_or_else(|| not_a_number(name, symbol, b))?;
    Ok((x, y))
}

/// govaluate's `+`: concatenation (`%v%v`) if either side is a string, else addition.
fn gv_add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = two("gv_add", &args)?;
    let a_str = a.downcast_ref::<CelString>().is_some();
    let b_str = b.downcast_ref::<CelString>().is_some();
    if a_str || b_str {
        let mut s = go_format(a).ok_or_else(|| cannot_concat(a))?;
        s.push_str(&go_format(b).ok_or_else(|| cannot_concat(b))?);
        return Ok(CowVal::owned(CelString::from(s)));
    }
    let (x, y) = numbers("gv_add", "+", a, b)?;
    Ok(CowVal::owned(CelDouble::from(x + y)))
}

fn cannot_concat(v: &dyn Val) -> ExecutionError {
    ExecutionError::function_error(
        "gv_add",
        format!("cannot concatenate a {} to a string", v.get_type().name()),
    )
}

/// govaluate's `%`: Go's `math.Mod`, which Rust's `%` on `f64` is.
fn gv_mod<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = two("gv_mod", &args)?;
    let (x, y) = numbers("gv_mod", "%", a, b)?;
    Ok(CowVal::owned(CelDouble::from(x % y)))
}

/// govaluate's `**`: Go's `math.Pow`.
fn gv_pow<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = two("gv_pow", &args)?;
    let (x, y) = numbers("gv_pow", "**", a, b)?;
    Ok(CowVal::owned(CelDouble::from(x.powf(y))))
}

/// A scalar as Go's `fmt` prints it with `%v`; `None` for lists, maps and the like.
fn go_format(v: &dyn Val) -> Option<String> {
    if let Some(s) = v.downcast_ref::<CelString>() {
        return Some(s.inner().to_string());
    }
    if let Some(d) = v.downcast_ref::<CelDouble>() {
        return Some(go_float(*d.inner()));
    }
    if let Some(i) = v.downcast_ref::<CelInt>() {
        return Some(i.inner().to_string());
    }
    if let Some(u) = v.downcast_ref::<CelUInt>() {
        return Some(u.inner().to_string());
    }
    if let Some(b) = v.downcast_ref::<CelBool>() {
        return Some(b.inner().to_string());
    }
    if v.downcast_ref::<CelNull>().is_some() {
        return Some("<nil>".to_string());
    }
    None
}

/// A float64 as Go's `%v` prints it: the shortest digits that read back the same,
/// in exponent form when the decimal exponent is below -4 or at least 6
/// (strconv's `'g'` with the shortest precision).
pub(super) fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0");
    }
    let sci = format!("{:e}", v.abs());
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let nd = digits.len();
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let m = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.abs());
    }
    if exp >= 0 {
        let int_len = exp as usize + 1;
        if nd <= int_len {
            format!("{sign}{digits}{}", "0".repeat(int_len - nd))
        } else {
            format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    }
}

/// The boxed signature of a function added to a `cel::Context`.
pub(super) type ContextFunction = Box<
    dyn for<'c, 'k> Fn(&mut FunctionContext<'c, 'k>) -> Result<CowVal<'c, 'k>, ExecutionError>
        + Send
        + Sync,
>;

fn bool_val<'c, 'k>(b: bool) -> CowVal<'c, 'k> {
    CowVal::Borrowed(if b { &CelBool::TRUE } else { &CelBool::FALSE })
}

/// CEL's `matches` with Go RE2 semantics: `string.matches(pattern)` and
/// `matches(string, pattern)`, an unanchored search. Patterns written as literals
/// in the expression are compiled once, in `precompiled`; others on each call.
pub(super) fn matches_function(precompiled: Arc<[(String, Regex)]>) -> ContextFunction {
    Box::new(move |ftx: &mut FunctionContext<'_, '_>| {
        let (subject, pattern) = match (&ftx.this, ftx.args.as_slice()) {
            (Some(this), [pattern]) => (this.as_ref(), pattern.as_ref()),
            (None, [subject, pattern]) => (subject.as_ref(), pattern.as_ref()),
            _ => {
                return Err(ExecutionError::function_error(
                    "matches",
                    "expected a string and a pattern",
                ))
            }
        };
        let (Some(subject), Some(pattern)) = (
            subject.downcast_ref::<CelString>(),
            pattern.downcast_ref::<CelString>(),
        ) else {
            return Err(ExecutionError::no_such_overload(
                "matches",
                vec![
                    subject.get_type().name().to_string(),
                    pattern.get_type().name().to_string(),
                ],
            ));
        };
        let found = precompiled
            .iter()
            .find(|(source, _)| source == pattern.inner());
        let matched = match found {
            Some((_, re)) => re.is_match(subject.inner()),
            None => crate::regex_go::compile(pattern.inner())
                .map_err(|e| {
                    ExecutionError::function_error(
                        "matches",
                        format!("invalid regular expression {:?}: {e}", pattern.inner()),
                    )
                })?
                .is_match(subject.inner()),
        };
        Ok(bool_val(matched))
    })
}

#[cfg(test)]
mod tests {
    use super::go_float;

    #[test]
    fn go_float_formatting() {
        assert_eq!(go_float(10.0), "10");
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(-2.25), "-2.25");
        assert_eq!(go_float(0.0), "0");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(123456789.0), "1.23456789e+08");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(100000.0), "100000");
        assert_eq!(go_float(1000000.0), "1e+06");
        assert_eq!(go_float(f64::NAN), "NaN");
        assert_eq!(go_float(f64::INFINITY), "+Inf");
    }
}
