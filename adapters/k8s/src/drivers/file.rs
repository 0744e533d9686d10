//! A compiled `file` event source: which operations on which names in the watched directory
//! become events, and the event data Argo's file source sends
//! (`{"name":…,"op":<fsnotify op bits>,"metadata":…}`).

use regex::Regex;
use serde_json::Value;
use tripline_core::event::{Event, EventContext};
use tripline_core::gojson;
use tripline_core::regex_go;
use tripline_core::spec::FileEventSource;

/// The CloudEvent `type` Argo gives file events.
pub const EVENT_TYPE: &str = "file";

/// A file operation as fsnotify names it; the discriminant is Argo's `fsevent.Op` bit, which is
/// what the event's `op` field carries (a number: the Go type has no JSON marshaller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum FileOp {
    Create = 1,
    Write = 2,
    Remove = 4,
    Rename = 8,
    Chmod = 16,
}

impl FileOp {
    pub const ALL: [FileOp; 5] = [
        FileOp::Create,
        FileOp::Write,
        FileOp::Remove,
        FileOp::Rename,
        FileOp::Chmod,
    ];

    /// fsnotify's `Op.String()` for a single operation.
    pub fn name(self) -> &'static str {
        match self {
            FileOp::Create => "CREATE",
            FileOp::Write => "WRITE",
            FileOp::Remove => "REMOVE",
            FileOp::Rename => "RENAME",
            FileOp::Chmod => "CHMOD",
        }
    }

    pub fn bit(self) -> u32 {
        self as u32
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileSourceError {
    #[error("file `eventType` is required: one of CREATE, WRITE, REMOVE, RENAME, CHMOD")]
    NoEventType,
    #[error("file `eventType`: {0:?} is not a file operation; use CREATE, WRITE, REMOVE, RENAME or CHMOD (upper case, as fsnotify names them; combine with |)")]
    EventType(String),
    #[error("file `watchPathConfig` is required (directory plus path or pathRegexp)")]
    NoWatchPath,
    #[error("file `watchPathConfig.directory` is required")]
    NoDirectory,
    #[error("file `watchPathConfig`: set `path` (a file name in the directory) or `pathRegexp`")]
    NoPath,
    #[error("file `watchPathConfig.pathRegexp` {pattern:?}: {reason}")]
    PathRegexp { pattern: String, reason: String },
}

/// A file spec ready to match events.
#[derive(Debug, Clone)]
pub struct CompiledFileSource {
    directory: String,
    /// Go's `filepath.Clean(directory)`: what fsnotify prefixes event names with.
    clean_directory: String,
    path: Option<String>,
    path_regexp: Option<Regex>,
    /// Bits of the accepted operations.
    ops: u32,
    polling: bool,
    /// `metadata` as JSON text, keys sorted as Go marshals a map; `null` when absent.
    metadata_json: String,
}

fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl CompiledFileSource {
    pub fn compile(spec: &FileEventSource) -> Result<Self, FileSourceError> {
        let event_type = text(&spec.event_type).ok_or(FileSourceError::NoEventType)?;
        let mut ops = 0;
        for part in event_type.split('|') {
            let op = FileOp::ALL
                .into_iter()
                .find(|op| op.name() == part)
                .ok_or_else(|| FileSourceError::EventType(part.to_string()))?;
            ops |= op.bit();
        }
        let w = spec
            .watch_path_config
            .as_ref()
            .ok_or(FileSourceError::NoWatchPath)?;
        let directory = text(&w.directory)
            .ok_or(FileSourceError::NoDirectory)?
            .to_string();
        let path = text(&w.path).map(str::to_string);
        let path_regexp = match text(&w.path_regexp) {
            Some(p) => {
                Some(
                    regex_go::compile(p).map_err(|reason| FileSourceError::PathRegexp {
                        pattern: p.to_string(),
                        reason,
                    })?,
                )
            }
            None => None,
        };
        if path.is_none() && path_regexp.is_none() {
            return Err(FileSourceError::NoPath);
        }
        let metadata_json = if spec.metadata.is_empty() {
            "null".to_string()
        } else {
            let mut v = Value::Object(
                spec.metadata
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            );
            gojson::sort_keys(&mut v);
            gojson::to_string(&v)
        };
        Ok(CompiledFileSource {
            clean_directory: go_clean(&directory),
            directory,
            path,
            path_regexp,
            ops,
            polling: spec.polling == Some(true),
            metadata_json,
        })
    }

    /// `watchPathConfig.directory` as written.
    pub fn directory(&self) -> &str {
        &self.directory
    }

    /// `polling: true`: stat the directory periodically instead of inotify.
    pub fn polling(&self) -> bool {
        self.polling
    }

    /// Whether an operation on `name` (a file name directly in the directory) is wanted:
    /// `path` equal to the name, or `pathRegexp` found in it (unanchored, as Go's
    /// `MatchString`); and the operation among `eventType`'s.
    pub fn matches(&self, name: &str, op: FileOp) -> bool {
        self.ops & op.bit() != 0
            && (self.path.as_deref() == Some(name)
                || self.path_regexp.as_ref().is_some_and(|r| r.is_match(name)))
    }

    /// The `name` Argo reports: fsnotify's event name (the cleaned directory joined with the
    /// file name); with polling, the bare file name (the polling watcher's `FileInfo.Name()`).
    pub fn event_name_field(&self, file_name: &str) -> String {
        if self.polling {
            file_name.to_string()
        } else if self.clean_directory.ends_with('/') {
            format!("{}{file_name}", self.clean_directory)
        } else {
            format!("{}/{file_name}", self.clean_directory)
        }
    }

    /// Argo's `fsevent.Event` JSON: `{"name":…,"op":<bits>,"metadata":{…}|null}`.
    pub fn event_data(&self, file_name: &str, op: FileOp) -> String {
        format!(
            "{{\"name\":{},\"op\":{},\"metadata\":{}}}",
            gojson::to_string(&Value::String(self.event_name_field(file_name))),
            op.bit(),
            self.metadata_json
        )
    }

    /// The CloudEvent: `source` the EventSource name, `subject` the event name, `type` `file`.
    pub fn event(
        &self,
        es_name: &str,
        event_name: &str,
        file_name: &str,
        op: FileOp,
        id: String,
        time: chrono::DateTime<chrono::Utc>,
    ) -> Event {
        let context = EventContext {
            id,
            source: es_name.to_string(),
            specversion: "1.0".to_string(),
            r#type: EVENT_TYPE.to_string(),
            datacontenttype: "application/json".to_string(),
            subject: event_name.to_string(),
            time,
        };
        Event::new(context, self.event_data(file_name, op).into_bytes())
    }
}

/// Go's `filepath.Clean` on a Unix path: collapse `//`, drop `.`, resolve `..` lexically, no
/// trailing slash (except for the root).
pub fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tripline_core::spec::WatchPathConfig;

    fn spec(event_type: &str, dir: &str, path: Option<&str>, re: Option<&str>) -> FileEventSource {
        FileEventSource {
            event_type: Some(event_type.into()),
            watch_path_config: Some(WatchPathConfig {
                directory: Some(dir.into()),
                path: path.map(Into::into),
                path_regexp: re.map(Into::into),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn clean_like_go() {
        for (i, o) in [
            ("/test-data/", "/test-data"),
            ("/a//b/./c/..", "/a/b"),
            ("/", "/"),
            ("/..", "/"),
            ("a/../..", ".."),
            ("./x/", "x"),
            ("", "."),
        ] {
            assert_eq!(go_clean(i), o, "{i}");
        }
    }

    #[test]
    fn matches_path_regexp_and_ops() {
        let c = CompiledFileSource::compile(&spec("CREATE", "/d/", Some("x.txt"), None))
            .expect("compile");
        assert!(c.matches("x.txt", FileOp::Create));
        assert!(!c.matches("x.txt", FileOp::Write));
        assert!(!c.matches("x.txt.swp", FileOp::Create));
        let c = CompiledFileSource::compile(&spec("WRITE|REMOVE", "/d", None, Some(r"^\d+\.log$")))
            .expect("compile");
        assert!(c.matches("42.log", FileOp::Write));
        assert!(c.matches("42.log", FileOp::Remove));
        assert!(!c.matches("42.log", FileOp::Create));
        // Go's \d is ASCII only.
        assert!(!c.matches("\u{0664}\u{0662}.log", FileOp::Write));
        // Unanchored like MatchString.
        let c = CompiledFileSource::compile(&spec("CREATE", "/d", None, Some("[a-z]+.txt")))
            .expect("compile");
        assert!(c.matches("99abc.txt.bak", FileOp::Create));
    }

    #[test]
    fn event_data_has_argo_shape() {
        let mut s = spec("CREATE", "/test-data/", Some("x.txt"), None);
        let c = CompiledFileSource::compile(&s).expect("compile");
        assert_eq!(
            c.event_data("x.txt", FileOp::Create),
            r#"{"name":"/test-data/x.txt","op":1,"metadata":null}"#
        );
        s.metadata.insert("z".into(), "1".into());
        s.metadata.insert("a".into(), "<&>".into());
        s.polling = Some(true);
        let c = CompiledFileSource::compile(&s).expect("compile");
        assert_eq!(
            c.event_data("x.txt", FileOp::Chmod),
            r#"{"name":"x.txt","op":16,"metadata":{"a":"\u003c\u0026\u003e","z":"1"}}"#
        );
    }

    #[test]
    fn bad_specs_name_their_field() {
        let cases: Vec<(FileEventSource, &str)> = vec![
            (
                FileEventSource {
                    event_type: None,
                    ..spec("CREATE", "/d", Some("x"), None)
                },
                "`eventType` is required",
            ),
            (
                spec("create", "/d", Some("x"), None),
                "\"create\" is not a file operation",
            ),
            (spec("CREATE|MOVE", "/d", Some("x"), None), "\"MOVE\""),
            (
                spec("CREATE", "", Some("x"), None),
                "`watchPathConfig.directory`",
            ),
            (spec("CREATE", "/d", None, None), "`path`"),
            (
                spec("CREATE", "/d", None, Some("(")),
                "`watchPathConfig.pathRegexp` \"(\"",
            ),
            (
                FileEventSource {
                    watch_path_config: None,
                    ..spec("CREATE", "/d", Some("x"), None)
                },
                "`watchPathConfig` is required",
            ),
        ];
        for (s, frag) in cases {
            let err = CompiledFileSource::compile(&s).expect_err(frag).to_string();
            assert!(err.contains(frag), "{frag}: {err}");
        }
    }
}
