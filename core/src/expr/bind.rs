//! Binding JSON field values to CEL variables, without copying strings.

use super::error::ExprError;
use cel::common::types::{CelBool, CelDouble, CelList, CelMap, CelMapKey, CelNull, CelString};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use serde_json::Value as Json;
use std::collections::HashMap;

/// Deepest JSON nesting bound to a variable.
const MAX_JSON_DEPTH: usize = 64;

/// A bound value. Scalars live inline, so binding them allocates nothing;
/// strings borrow the event's JSON.
#[derive(Debug)]
pub(super) enum Slot<'a> {
    Null(CelNull),
    Bool(CelBool),
    Double(CelDouble),
    Str(CelString<'a>),
    Other(Box<dyn Val + 'a>),
}

impl<'a> Slot<'a> {
    pub(super) const fn unbound() -> Slot<'a> {
        Slot::Null(CelNull)
    }

    /// Binds a JSON value: numbers as doubles (govaluate's float64), strings,
    /// bools, null, arrays as lists and objects as maps with string keys.
    pub(super) fn from_json(value: &'a Json) -> Result<Slot<'a>, String> {
        Ok(match value {
            Json::Null => Slot::Null(CelNull),
            Json::Bool(b) => Slot::Bool(CelBool::from(*b)),
            Json::Number(n) => Slot::Double(CelDouble::from(number(n))),
            Json::String(s) => Slot::Str(CelString::from(s.as_str())),
            Json::Array(_) | Json::Object(_) => Slot::Other(to_val(value, 0)?),
        })
    }

    fn as_val(&self) -> &(dyn Val + 'a) {
        match self {
            Slot::Null(v) => v,
            Slot::Bool(v) => v,
            Slot::Double(v) => v,
            Slot::Str(v) => v,
            Slot::Other(v) => v.as_ref(),
        }
    }
}

fn number(n: &serde_json::Number) -> f64 {
    // Without serde_json's `arbitrary_precision`, every number is an f64, i64 or u64.
    n.as_f64().unwrap_or(f64::NAN)
}

fn to_val<'a>(value: &'a Json, depth: usize) -> Result<Box<dyn Val + 'a>, String> {
    if depth > MAX_JSON_DEPTH {
        return Err(format!(
            "JSON nested more than {MAX_JSON_DEPTH} levels deep"
        ));
    }
    Ok(match value {
        Json::Null => Box::new(CelNull),
        Json::Bool(b) => Box::new(CelBool::from(*b)),
        Json::Number(n) => Box::new(CelDouble::from(number(n))),
        Json::String(s) => Box::new(CelString::from(s.as_str())),
        Json::Array(items) => {
            let list = items
                .iter()
                .map(|item| to_val(item, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Box::new(CelList::from(list))
        }
        Json::Object(entries) => {
            let mut map: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> =
                HashMap::with_capacity(entries.len());
            for (k, v) in entries {
                map.insert(CelMapKey::from(k.as_str()), to_val(v, depth + 1)?);
            }
            Box::new(CelMap::from(map))
        }
    })
}

/// Resolves the fields' identifiers to their bound values during one evaluation.
pub(super) struct Bindings<'s, 'a> {
    /// Identifier of each slot.
    pub(super) idents: &'s [(String, usize)],
    pub(super) slots: &'s [Slot<'a>],
}

impl VariableResolver for Bindings<'_, '_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let k = self.idents.iter().position(|(id, _)| id == variable)?;
        self.slots
            .get(k)
            .map(|slot| CowVal::Borrowed(slot.as_val()))
    }
}

/// Builds the slots of one evaluation: one per distinct identifier, bound only if used.
pub(super) fn bind_into<'a>(
    slots: &mut [Slot<'a>],
    idents: &[(String, usize)],
    used: &[bool],
    values: &[Option<&'a Json>],
    names: &[String],
) -> Result<(), ExprError> {
    for (k, ((_, index), slot)) in idents.iter().zip(slots.iter_mut()).enumerate() {
        if !used.get(k).copied().unwrap_or(true) {
            continue;
        }
        if let Some(Some(value)) = values.get(*index) {
            *slot = Slot::from_json(value).map_err(|reason| ExprError::Bind {
                name: names.get(*index).cloned().unwrap_or_default(),
                reason,
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_bind_inline() {
        let v = json!("x");
        assert!(matches!(Slot::from_json(&v), Ok(Slot::Str(_))));
        let v = json!(5);
        match Slot::from_json(&v) {
            Ok(Slot::Double(d)) => assert_eq!(*d.inner(), 5.0),
            other => panic!("{other:?}"),
        }
        let v = json!(null);
        assert!(matches!(Slot::from_json(&v), Ok(Slot::Null(_))));
        let v = json!([1, "a", {"b": [true]}]);
        assert!(matches!(Slot::from_json(&v), Ok(Slot::Other(_))));
    }

    #[test]
    fn deep_json_is_an_error() {
        let mut v = json!(1);
        for _ in 0..(MAX_JSON_DEPTH + 5) {
            v = json!([v]);
        }
        assert!(Slot::from_json(&v).is_err());
    }
}
