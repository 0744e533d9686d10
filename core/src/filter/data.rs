//! Data filters, evaluated exactly as Argo's `filterData`.

use super::explain::{note, Explain};
use super::program::ProgramBuilder;
use super::view::EventView;
use super::Step;
use crate::path::{parse_go_bool, parse_go_float, Found};
use crate::spec::DataFilter;
use crate::template::{ExecOptions, Template};
use regex::Regex;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// Anything else: Argo compares nothing and the value does not match.
    Other,
}

impl Comparator {
    pub fn parse(s: &str) -> Comparator {
        match s {
            "" | "=" => Comparator::Eq,
            "!=" => Comparator::Ne,
            ">" => Comparator::Gt,
            ">=" => Comparator::Ge,
            "<" => Comparator::Lt,
            "<=" => Comparator::Le,
            _ => Comparator::Other,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "!=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Other => "?",
        }
    }
}

#[derive(Debug)]
struct StrValue {
    regex: Regex,
    /// Index in the path's shared regex set (only for filters without a template).
    slot: Option<usize>,
}

#[derive(Debug)]
enum Values {
    Bool(Vec<Result<bool, String>>),
    Number(Vec<Result<f64, String>>),
    Str(Vec<Result<StrValue, String>>),
    Unsupported(String),
}

/// One compiled data filter.
#[derive(Debug)]
pub struct DataItem {
    path: String,
    path_id: usize,
    comparator: Comparator,
    comparator_text: String,
    template: Option<Result<Template, String>>,
    template_src: String,
    raw_values: Vec<String>,
    values: Values,
}

impl DataItem {
    pub fn compile(f: &DataFilter, b: &mut ProgramBuilder) -> DataItem {
        let path = f.path.clone().unwrap_or_default();
        let path_id = b.intern(&path);
        let comparator_text = f.comparator.clone().unwrap_or_default();
        let template = f
            .template
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(crate::param::compile_checked);
        let ty = f.r#type.clone().unwrap_or_default();
        let values = match ty.as_str() {
            "bool" => Values::Bool(
                f.value
                    .iter()
                    .map(|v| {
                        parse_go_bool(v).ok_or_else(|| {
                            format!("strconv.ParseBool: parsing {v:?}: invalid syntax")
                        })
                    })
                    .collect(),
            ),
            "number" => Values::Number(
                f.value
                    .iter()
                    .map(|v| {
                        parse_go_float(v).ok_or_else(|| {
                            format!("strconv.ParseFloat: parsing {v:?}: invalid syntax")
                        })
                    })
                    .collect(),
            ),
            "string" => Values::Str(
                f.value
                    .iter()
                    .map(|v| match crate::regex_go::compile(v) {
                        Ok(regex) => {
                            let slot = template.is_none().then(|| b.add_pattern(path_id, v));
                            Ok(StrValue { regex, slot })
                        }
                        Err(e) => Err(format!("error parsing regexp {v:?}: {e}")),
                    })
                    .collect(),
            ),
            other => Values::Unsupported(other.to_string()),
        };
        DataItem {
            path,
            path_id,
            comparator: Comparator::parse(&comparator_text),
            comparator_text,
            template,
            template_src: f.template.clone().unwrap_or_default(),
            raw_values: f.value.clone(),
            values,
        }
    }

    /// For the shared index: the (path, set slot) of each value, when this filter is a plain
    /// string match (`=` or no comparator, no template, every value a valid regex).
    pub(crate) fn index_slots(&self) -> Option<(usize, Vec<usize>)> {
        if self.comparator != Comparator::Eq || self.template.is_some() {
            return None;
        }
        let Values::Str(values) = &self.values else {
            return None;
        };
        if values.is_empty() {
            return None;
        }
        let slots = values
            .iter()
            .map(|v| v.as_ref().ok().and_then(|v| v.slot))
            .collect::<Option<Vec<usize>>>()?;
        Some((self.path_id, slots))
    }

    /// Compile-time problems (bad regex, number, bool, template), for validation.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(Err(e)) = &self.template {
            out.push(format!("template: {e}"));
        }
        match &self.values {
            Values::Bool(v) => out.extend(v.iter().filter_map(|r| r.as_ref().err().cloned())),
            Values::Number(v) => out.extend(v.iter().filter_map(|r| r.as_ref().err().cloned())),
            Values::Str(v) => out.extend(v.iter().filter_map(|r| r.as_ref().err().cloned())),
            Values::Unsupported(t) => out.push(format!("unsupported JSON type '{t}'")),
        }
        out
    }

    /// Evaluates this filter; `Step::Error` carries Argo's message.
    pub fn eval<'a, E: Explain>(&self, idx: usize, view: &EventView<'a>, ex: &mut E) -> Step {
        let label = || format!("data[{idx}]");
        let Some(found) = view.lookup(self.path_id) else {
            let msg = format!("path '{}' does not exist", self.path);
            note(ex, label, Some(&self.path), None, false, || msg.clone());
            return Step::Error(msg);
        };
        if self.raw_values.is_empty() {
            note(ex, label, Some(&self.path), None, false, || {
                "no values specified".into()
            });
            return Step::Error("no values specified".into());
        }
        // The subject compared: the value at the path, or the template's output over it.
        let mut subject = Subject::Found(found);
        let found_text = if E::ON {
            Some(subject.go_string().into_owned())
        } else {
            None
        };
        if let Some(t) = &self.template {
            let out = match t {
                Err(e) => return self.fail_with(idx, ex, e.clone()),
                Ok(t) => {
                    let input = serde_json::Value::String(subject.go_string().into_owned());
                    match t.render_input(&input, &ExecOptions::default()) {
                        Ok(s) => s,
                        Err(e) => return self.fail_with(idx, ex, e.to_string()),
                    }
                }
            };
            if out.is_empty() || out == "<no value>" {
                let msg = format!(
                    "template '{}' evaluated to empty string or no value",
                    self.template_src
                );
                return self.fail_with(idx, ex, msg);
            }
            subject = Subject::Text(out);
        }
        let outcome = self.compare(&subject, view);
        if E::ON {
            let shown = subject.go_string().into_owned();
            let shown_value = match &self.template {
                Some(_) => format!(
                    "{} (template output {shown:?})",
                    found_text.unwrap_or_default()
                ),
                None => shown,
            };
            let (passed, reason) = match &outcome {
                Step::Pass => (true, format!("{} value matches", self.describe())),
                Step::Fail => (false, format!("no value matches {}", self.describe())),
                Step::Error(e) => (false, e.clone()),
                Step::Skip => (true, "skipped".into()),
            };
            note(
                ex,
                label,
                Some(&self.path),
                Some(&shown_value),
                passed,
                || reason,
            );
        }
        outcome
    }

    fn fail_with<E: Explain>(&self, idx: usize, ex: &mut E, msg: String) -> Step {
        note(
            ex,
            || format!("data[{idx}]"),
            Some(&self.path),
            None,
            false,
            || msg.clone(),
        );
        Step::Error(msg)
    }

    fn describe(&self) -> String {
        let ty = match &self.values {
            Values::Bool(_) => "bool",
            Values::Number(_) => "number",
            Values::Str(_) => "string",
            Values::Unsupported(t) => t.as_str(),
        };
        format!(
            "{ty} {} {:?}",
            if self.comparator == Comparator::Other {
                self.comparator_text.as_str()
            } else {
                self.comparator.symbol()
            },
            self.raw_values
        )
    }

    fn compare<'a>(&self, subject: &Subject<'_, 'a>, view: &EventView<'a>) -> Step {
        match &self.values {
            Values::Bool(values) => {
                let actual = subject.go_bool();
                for v in values {
                    match v {
                        Err(e) => return Step::Error(e.clone()),
                        Ok(b) if *b == actual => return Step::Pass,
                        Ok(_) => {}
                    }
                }
                Step::Fail
            }
            Values::Number(values) => {
                let actual = subject.go_float();
                for v in values {
                    let want = match v {
                        Err(e) => return Step::Error(e.clone()),
                        Ok(w) => *w,
                    };
                    let hit = match self.comparator {
                        Comparator::Eq => actual == want,
                        Comparator::Ne => actual != want,
                        Comparator::Gt => actual > want,
                        Comparator::Ge => actual >= want,
                        Comparator::Lt => actual < want,
                        Comparator::Le => actual <= want,
                        Comparator::Other => false,
                    };
                    if hit {
                        return Step::Pass;
                    }
                }
                Step::Fail
            }
            Values::Str(values) => {
                let mut text: Option<Cow<'_, str>> = None;
                for v in values {
                    let v = match v {
                        Err(e) => return Step::Error(e.clone()),
                        Ok(v) => v,
                    };
                    let matched = match (v.slot, subject) {
                        (Some(slot), Subject::Found(_)) => match view.set_hit(self.path_id, slot) {
                            Some(hit) => hit,
                            None => v
                                .regex
                                .is_match(text.get_or_insert_with(|| subject.go_string())),
                        },
                        _ => v
                            .regex
                            .is_match(text.get_or_insert_with(|| subject.go_string())),
                    };
                    let hit = match self.comparator {
                        Comparator::Eq => matched,
                        Comparator::Ne => !matched,
                        _ => false,
                    };
                    if hit {
                        return Step::Pass;
                    }
                }
                Step::Fail
            }
            Values::Unsupported(t) => Step::Error(format!("unsupported JSON type '{t}'")),
        }
    }
}

/// The value a data filter compares.
enum Subject<'f, 'a> {
    Found(&'f Found<'a>),
    /// A template's output: Argo re-parses it as a JSON string (`gjson.Parse(strconv.Quote(out))`).
    Text(String),
}

impl Subject<'_, '_> {
    fn go_string(&self) -> Cow<'_, str> {
        match self {
            Subject::Found(f) => f.go_string(),
            Subject::Text(s) => Cow::Borrowed(s),
        }
    }

    fn go_float(&self) -> f64 {
        match self {
            Subject::Found(f) => f.go_float(),
            Subject::Text(s) => parse_go_float(s).unwrap_or(0.0),
        }
    }

    fn go_bool(&self) -> bool {
        match self {
            Subject::Found(f) => f.go_bool(),
            Subject::Text(s) => parse_go_bool(s).unwrap_or(false),
        }
    }
}
