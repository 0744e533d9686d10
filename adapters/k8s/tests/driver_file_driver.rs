//! The file driver on a real temporary directory, with inotify and with polling.

use std::path::Path;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tripline::drivers::{CompiledFileSource, FileDriver, FileDriverError};
use tripline_core::event::Event;
use tripline_core::spec::{FileEventSource, WatchPathConfig};

struct Running {
    events: mpsc::UnboundedReceiver<Event>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), FileDriverError>>,
}

impl Running {
    async fn next(&mut self) -> serde_json::Value {
        let ev = tokio::time::timeout(Duration::from_secs(5), self.events.recv())
            .await
            .expect("an event within 5 s")
            .expect("driver alive");
        assert_eq!(ev.context.r#type, "file");
        assert_eq!(ev.context.source, "files");
        assert_eq!(ev.context.subject, "changes");
        assert_eq!(ev.context.id.len(), 32);
        serde_json::from_str(ev.json_data().expect("json data")).expect("json")
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("stops")
            .expect("join")
            .expect("driver ok");
    }
}

fn spec(
    dir: &str,
    event_type: &str,
    path: Option<&str>,
    re: Option<&str>,
    polling: bool,
) -> FileEventSource {
    FileEventSource {
        event_type: Some(event_type.into()),
        watch_path_config: Some(WatchPathConfig {
            directory: Some(dir.into()),
            path: path.map(Into::into),
            path_regexp: re.map(Into::into),
        }),
        polling: Some(polling),
        ..Default::default()
    }
}

fn start(spec: &FileEventSource) -> Running {
    let source = CompiledFileSource::compile(spec).expect("compile");
    let watching = FileDriver::new("files", "changes", source)
        .with_poll_interval(Duration::from_millis(20))
        .start()
        .expect("watch");
    let (tx, events) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(watching.run(
        move |ev: Event| {
            let r = tx.send(ev).map_err(|e| e.to_string());
            async move { r }
        },
        async move {
            let _ = stopped.await;
        },
    ));
    Running { events, stop, task }
}

fn dir_str(p: &Path) -> String {
    p.canonicalize()
        .expect("canonical")
        .to_string_lossy()
        .into_owned()
}

#[tokio::test]
async fn create_of_the_exact_path_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir_str(dir.path());
    // Trailing slash as in Argo's example; fsnotify's name is the cleaned directory + name.
    let mut run = start(&spec(
        &format!("{d}/"),
        "CREATE",
        Some("x.txt"),
        None,
        false,
    ));
    std::fs::write(dir.path().join("x.txt.swp"), b"swap").expect("write");
    std::fs::write(dir.path().join("y.txt"), b"y").expect("write");
    std::fs::write(dir.path().join("x.txt"), b"x").expect("write");
    let v = run.next().await;
    assert_eq!(
        v,
        serde_json::json!({"name": format!("{d}/x.txt"), "op": 1, "metadata": null})
    );
    // Writing it again is not a CREATE; removing and re-creating is.
    std::fs::write(dir.path().join("x.txt"), b"xx").expect("write");
    std::fs::remove_file(dir.path().join("x.txt")).expect("rm");
    std::fs::write(dir.path().join("x.txt"), b"x").expect("write");
    assert_eq!(run.next().await["op"], 1);
    assert!(run.events.try_recv().is_err());
    run.stop().await;
}

#[tokio::test]
async fn regex_and_event_type_filters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir_str(dir.path());
    std::fs::write(dir.path().join("a.log"), b"old").expect("seed");
    let mut s = spec(&d, "WRITE|REMOVE", None, Some(r"^[a-z]+\.log$"), false);
    s.metadata.insert("team".into(), "ops".into());
    let mut run = start(&s);
    std::fs::write(dir.path().join("new.log"), b"").expect("create, no WRITE expected yet");
    std::fs::write(dir.path().join("b.txt"), b"not a log").expect("write");
    std::fs::write(dir.path().join("A1.log"), b"regex mismatch").expect("write");
    std::fs::write(dir.path().join("a.log"), b"new content").expect("write");
    std::fs::remove_file(dir.path().join("a.log")).expect("rm");
    let mut seen = Vec::new();
    loop {
        let v = run.next().await;
        let done = v["op"] == 4;
        seen.push(v);
        if done {
            break;
        }
    }
    let (last, writes) = seen.split_last().expect("events");
    assert_eq!(
        *last,
        serde_json::json!({"name": format!("{d}/a.log"), "op": 4, "metadata": {"team": "ops"}})
    );
    assert!(!writes.is_empty(), "the write to a.log is reported");
    for w in writes {
        assert_eq!(w["name"], format!("{d}/a.log"), "{seen:?}");
        assert_eq!(w["op"], 2);
    }
    run.stop().await;
}

#[tokio::test]
async fn rename_reports_the_old_name_and_chmod_is_its_own_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir_str(dir.path());
    std::fs::write(dir.path().join("a.dat"), b"a").expect("seed");
    let mut run = start(&spec(&d, "RENAME|CHMOD", None, Some(r"\.dat$"), false));
    std::fs::rename(dir.path().join("a.dat"), dir.path().join("b.dat")).expect("rename");
    assert_eq!(
        run.next().await,
        serde_json::json!({"name": format!("{d}/a.dat"), "op": 8, "metadata": null})
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.path().join("b.dat"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    assert_eq!(
        run.next().await,
        serde_json::json!({"name": format!("{d}/b.dat"), "op": 16, "metadata": null})
    );
    run.stop().await;
}

#[tokio::test]
async fn polling_watcher_reports_create_write_remove_with_bare_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir_str(dir.path());
    let mut run = start(&spec(&d, "CREATE|WRITE|REMOVE", Some("p.txt"), None, true));
    let file = dir.path().join("p.txt");
    std::fs::write(dir.path().join("other.txt"), b"o").expect("write");
    std::fs::write(&file, b"p").expect("write");
    assert_eq!(
        run.next().await,
        serde_json::json!({"name": "p.txt", "op": 1, "metadata": null})
    );
    // The polling watcher sees writes through the modification time (whole seconds).
    let f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("open");
    f.set_modified(SystemTime::now() + Duration::from_secs(5))
        .expect("mtime");
    drop(f);
    assert_eq!(run.next().await["op"], 2);
    std::fs::remove_file(&file).expect("rm");
    assert_eq!(run.next().await["op"], 4);
    run.stop().await;
}

#[tokio::test]
async fn a_missing_directory_fails_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let source = CompiledFileSource::compile(&spec(
        &missing.to_string_lossy(),
        "CREATE",
        Some("x"),
        None,
        false,
    ))
    .expect("compile");
    let err = FileDriver::new("files", "changes", source)
        .start()
        .err()
        .expect("missing directory");
    assert!(err.to_string().contains("nope"), "{err}");
}
