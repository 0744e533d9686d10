//! Expression filters (`filters.exprs`), evaluated as Argo's `filterExpr`, on CEL.

use super::explain::{note, Explain};
use super::program::ProgramBuilder;
use super::view::EventView;
use super::Step;
use crate::expr::CompiledExpr;
use crate::spec::ExprFilter;

/// One compiled expression filter.
#[derive(Debug)]
pub struct ExprItem {
    source: String,
    fields: Vec<(String, usize, String)>,
    compiled: Result<CompiledExpr, String>,
}

impl ExprItem {
    pub fn compile(f: &ExprFilter, b: &mut ProgramBuilder) -> ExprItem {
        let source = f.expr.clone().unwrap_or_default();
        let fields: Vec<(String, usize, String)> = f
            .fields
            .iter()
            .map(|fld| {
                let path = fld.path.clone().unwrap_or_default();
                (fld.name.clone().unwrap_or_default(), b.intern(&path), path)
            })
            .collect();
        let names: Vec<&str> = fields.iter().map(|(n, _, _)| n.as_str()).collect();
        let compiled = CompiledExpr::compile(&source, &names).map_err(|e| e.to_string());
        ExprItem {
            source,
            fields,
            compiled,
        }
    }

    /// The compile error, for validation.
    pub fn problem(&self) -> Option<&str> {
        self.compiled.as_ref().err().map(String::as_str)
    }

    pub fn eval<'a, E: Explain>(&self, idx: usize, view: &EventView<'a>, ex: &mut E) -> Step {
        let label = || format!("exprs[{idx}]");
        // Argo skips an expression that binds no field.
        if self.fields.is_empty() {
            note(ex, label, None, None, true, || {
                "skipped: no fields bound (Argo ignores such an expression)".into()
            });
            return Step::Skip;
        }
        let mut values: Vec<serde_json::Value> = Vec::with_capacity(self.fields.len());
        for (_, id, path) in &self.fields {
            match view.lookup(*id) {
                Some(found) => values.push(found.to_value()),
                None => {
                    let msg = format!("path '{path}' does not exist");
                    note(ex, label, Some(path), None, false, || msg.clone());
                    return Step::Error(msg);
                }
            }
        }
        let compiled = match &self.compiled {
            Ok(c) => c,
            Err(e) => {
                note(ex, label, None, None, false, || e.clone());
                return Step::Error(e.clone());
            }
        };
        let refs: Vec<Option<&serde_json::Value>> = values.iter().map(Some).collect();
        let outcome = match compiled.eval(&refs) {
            Ok(true) => Step::Pass,
            Ok(false) => Step::Fail,
            // Argo compares the result with `true`: a non-boolean simply does not pass.
            Err(crate::expr::ExprError::NotBool { .. }) => Step::Fail,
            Err(e) => Step::Error(e.to_string()),
        };
        if E::ON {
            let bound = self
                .fields
                .iter()
                .zip(&values)
                .map(|((n, _, _), v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let (passed, reason) = match &outcome {
                Step::Pass => (true, format!("`{}` is true", self.source)),
                Step::Fail => (false, format!("`{}` is false", self.source)),
                Step::Error(e) => (false, e.clone()),
                Step::Skip => (true, String::new()),
            };
            note(ex, label, None, Some(&bound), passed, || reason);
        }
        outcome
    }
}
