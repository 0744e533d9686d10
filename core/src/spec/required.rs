//! Required-field checks generated from the schema's `required` lists.

/// A problem found in a manifest, located by its field path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    pub path: String,
    pub message: String,
}

/// Collects issues while walking a manifest.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<Issue>);

impl Issues {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Issue {
            path: path.into(),
            message: message.into(),
        });
    }

    pub fn require_opt<T>(&mut self, path: &str, field: &str, value: &Option<T>) {
        if value.is_none() {
            self.push(format!("{path}.{field}"), "required field is missing");
        }
    }

    pub fn require_coll<C: Collection>(&mut self, path: &str, field: &str, value: &C) {
        if value.is_empty_coll() {
            self.push(
                format!("{path}.{field}"),
                "required field is missing or empty",
            );
        }
    }
}

/// Vectors and maps, for `require_coll`.
pub trait Collection {
    fn is_empty_coll(&self) -> bool;
}

impl<T> Collection for Vec<T> {
    fn is_empty_coll(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> Collection for indexmap::IndexMap<K, V> {
    fn is_empty_coll(&self) -> bool {
        self.is_empty()
    }
}

/// Implemented by every generated spec type.
pub trait CheckRequired {
    fn check_required(&self, path: &str, issues: &mut Issues);
}
