//! Routing: the dependencies that listen to one (eventSourceName, eventName), with an inverted
//! index over their plain string filters so that thousands of sensors watching the same path
//! cost one regex-set match per event, not one evaluation each.

use crate::filter::{CompiledDependency, EventView};

#[derive(Debug)]
struct FastDep {
    /// All filter bits: the dependency passes when every one is set (or any, for `or`).
    full: u64,
    any: bool,
}

#[derive(Debug)]
struct PathPostings {
    path_id: usize,
    /// For each pattern slot of the path's set: (fast dependency, filter bit) it satisfies.
    by_slot: Vec<Vec<(u32, u64)>>,
}

/// The dependencies of one route.
#[derive(Debug, Default)]
pub struct Route {
    /// Dependency indices, ascending.
    pub deps: Vec<usize>,
    /// Parallel to `deps`: the dependency's place in `fast`, when it is indexed.
    fast_slot: Vec<Option<u32>>,
    fast: Vec<FastDep>,
    paths: Vec<PathPostings>,
}

impl Route {
    pub fn build(deps: Vec<usize>, all: &[CompiledDependency]) -> Route {
        let mut route = Route {
            fast_slot: Vec::with_capacity(deps.len()),
            ..Route::default()
        };
        for &di in &deps {
            let entry = all.get(di).and_then(CompiledDependency::index_entries);
            let Some(entry) = entry else {
                route.fast_slot.push(None);
                continue;
            };
            let fi = route.fast.len() as u32;
            let mut full = 0u64;
            for (bit_no, (path_id, slots)) in entry.filters.iter().enumerate() {
                let bit = 1u64 << bit_no;
                full |= bit;
                let postings = match route.paths.iter().position(|p| p.path_id == *path_id) {
                    Some(i) => &mut route.paths[i],
                    None => {
                        route.paths.push(PathPostings {
                            path_id: *path_id,
                            by_slot: Vec::new(),
                        });
                        let last = route.paths.len() - 1;
                        &mut route.paths[last]
                    }
                };
                for &slot in slots {
                    if postings.by_slot.len() <= slot {
                        postings.by_slot.resize_with(slot + 1, Vec::new);
                    }
                    postings.by_slot[slot].push((fi, bit));
                }
            }
            route.fast.push(FastDep {
                full,
                any: entry.any,
            });
            route.fast_slot.push(Some(fi));
        }
        route.deps = deps;
        route
    }

    /// The satisfied-filter masks of the indexed dependencies for this event, or `None` when
    /// the event must take the full path (no data, or data that is not JSON: Argo passes the
    /// former and errors on the latter, which the full evaluation reproduces).
    pub fn fast_masks(&self, view: &EventView<'_>, has_data: bool) -> Option<Vec<u64>> {
        if self.fast.is_empty() || !has_data || view.json().is_none() {
            return None;
        }
        let mut masks = vec![0u64; self.fast.len()];
        for p in &self.paths {
            let Some(hits) = view.set_matches(p.path_id) else {
                continue;
            };
            for slot in hits.iter() {
                for &(fi, bit) in p.by_slot.get(slot).map(Vec::as_slice).unwrap_or(&[]) {
                    if let Some(m) = masks.get_mut(fi as usize) {
                        *m |= bit;
                    }
                }
            }
        }
        Some(masks)
    }

    /// The indexed verdict of the dependency at position `pos` of `deps`, given `masks`.
    pub fn fast_verdict(&self, pos: usize, masks: &[u64]) -> Option<bool> {
        let fi = (*self.fast_slot.get(pos)?)? as usize;
        let dep = self.fast.get(fi)?;
        let m = *masks.get(fi)?;
        Some(if dep.any { m != 0 } else { m == dep.full })
    }
}
