//! Per-event memo of path lookups and regex-set matches, shared by every dependency that
//! reads the same event, so 1,000 filters on one path cost one lookup and one set match.

use super::program::FilterProgram;
use crate::extract::Spans;
use crate::path::{self, Found};
use regex::SetMatches;
use std::cell::OnceCell;

/// What the filters of one event have looked up so far.
pub struct EventView<'a> {
    program: &'a FilterProgram,
    json: Option<&'a str>,
    lookups: Vec<OnceCell<Option<Found<'a>>>>,
    /// Spans of the plain paths, found in one pass on first use.
    spans: OnceCell<Option<Spans>>,
    set_hits: Vec<OnceCell<Option<SetMatches>>>,
}

impl<'a> EventView<'a> {
    pub fn new(program: &'a FilterProgram, json: Option<&'a str>) -> EventView<'a> {
        let n = program.path_count();
        EventView {
            program,
            json,
            lookups: (0..n).map(|_| OnceCell::new()).collect(),
            spans: OnceCell::new(),
            set_hits: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }

    /// The event data as JSON text (`None` when it is not valid JSON).
    pub fn json(&self) -> Option<&'a str> {
        self.json
    }

    /// The value at path `id`, looked up once per event.
    pub fn lookup(&self, id: usize) -> Option<&Found<'a>> {
        let program = self.program;
        let json = self.json;
        self.lookups
            .get(id)?
            .get_or_init(|| {
                let j = json?;
                if program.is_plain(id) {
                    if let Some(spans) = self.spans() {
                        // Found in the shared pass, or certainly absent.
                        let (a, b) = spans.get(id).copied().flatten()?;
                        return path::parse(j.get(a..b)?);
                    }
                }
                path::get(j, program.path(id))
            })
            .as_ref()
    }

    fn spans(&self) -> Option<&Spans> {
        self.spans
            .get_or_init(|| {
                let json = self.json?;
                let ex = self.program.extractor();
                if ex.is_empty() {
                    return None;
                }
                let mut spans = vec![None; self.program.path_count()];
                ex.run(json, &mut spans).then_some(spans)
            })
            .as_ref()
    }

    /// All patterns of path `id`'s regex set that match the value there, computed once.
    pub fn set_matches(&self, id: usize) -> Option<&SetMatches> {
        let set = self.program.set(id)?;
        self.set_hits
            .get(id)?
            .get_or_init(|| self.lookup(id).map(|f| set.matches(&f.go_string())))
            .as_ref()
    }

    /// Whether pattern `idx` of path `id`'s regex set matches the value there (Go `String()`
    /// form). `None` when the path has no set or is missing.
    pub fn set_hit(&self, id: usize, idx: usize) -> Option<bool> {
        self.set_matches(id).map(|m| m.matched(idx))
    }
}
