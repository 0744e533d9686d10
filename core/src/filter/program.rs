//! What many dependencies share once compiled: interned paths and per-path regex sets.

use crate::extract::{self, Extractor};
use regex::RegexSet;
use std::collections::HashMap;

/// Shared compiled state for all dependencies of one matcher.
#[derive(Debug, Default)]
pub struct FilterProgram {
    paths: Vec<String>,
    sets: Vec<Option<RegexSet>>,
    /// The plain paths, located together in one pass over each event.
    extractor: Extractor,
    /// Whether path `id` is in the extractor.
    plain: Vec<bool>,
}

impl FilterProgram {
    pub fn path_count(&self) -> usize {
        self.paths.len()
    }

    pub fn path(&self, id: usize) -> &str {
        self.paths.get(id).map(String::as_str).unwrap_or("")
    }

    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    pub fn is_plain(&self, id: usize) -> bool {
        self.plain.get(id).copied().unwrap_or(false)
    }

    pub fn set(&self, id: usize) -> Option<&RegexSet> {
        self.sets.get(id).and_then(Option::as_ref)
    }
}

/// Collects paths and string patterns while dependencies compile.
#[derive(Debug, Default)]
pub struct ProgramBuilder {
    paths: Vec<String>,
    index: HashMap<String, usize>,
    patterns: HashMap<usize, Vec<String>>,
}

impl ProgramBuilder {
    /// The id of `path`, shared with every other filter that reads it.
    pub fn intern(&mut self, path: &str) -> usize {
        if let Some(&id) = self.index.get(path) {
            return id;
        }
        let id = self.paths.len();
        self.paths.push(path.to_string());
        self.index.insert(path.to_string(), id);
        id
    }

    /// Adds a (valid) pattern to the set of path `id`; returns its index in that set.
    pub fn add_pattern(&mut self, id: usize, pattern: &str) -> usize {
        let list = self.patterns.entry(id).or_default();
        if let Some(i) = list.iter().position(|p| p == pattern) {
            return i;
        }
        list.push(pattern.to_string());
        list.len() - 1
    }

    pub fn finish(self) -> FilterProgram {
        let mut sets: Vec<Option<RegexSet>> = (0..self.paths.len()).map(|_| None).collect();
        for (id, patterns) in self.patterns {
            // Each pattern compiled alone already, so a set failure can only be a size limit;
            // the filters then fall back to their own regexes.
            if let Ok(set) = crate::regex_go::compile_set(patterns.iter().map(String::as_str)) {
                if let Some(slot) = sets.get_mut(id) {
                    *slot = Some(set);
                }
            }
        }
        let mut extractor = Extractor::default();
        let plain: Vec<bool> = self
            .paths
            .iter()
            .enumerate()
            .map(|(id, p)| extract::is_plain(p) && extractor.add(p, id))
            .collect();
        FilterProgram {
            paths: self.paths,
            sets,
            extractor,
            plain,
        }
    }
}
