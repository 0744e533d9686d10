//! Which triggers need events held between requests. Shared by `build.rs` (to refuse such
//! sensors when the build has no store) and the component (the same check at start).

use tripline_core::sensor::CompiledSensor;

/// Triggers (name, dependencies) whose condition no single dependency satisfies, such as
/// `a && b` or the default AND of several dependencies.
pub fn stateful_triggers(sensor: &CompiledSensor) -> Vec<(String, Vec<String>)> {
    sensor
        .triggers
        .iter()
        .filter(|t| {
            let c = &t.condition;
            c.deps()
                .iter()
                .any(|d| c.bit(d).is_some_and(|bit| !c.eval(bit)))
        })
        .map(|t| (t.plan.name.clone(), t.condition.deps().to_vec()))
        .collect()
}
