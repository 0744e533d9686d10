//! Running the bundled sensors on one event: the core decides (filters, conditions, firings)
//! and fires (shared trigger runners); this module only loads and saves held state and
//! idempotency records around it.

use crate::stateful::stateful_triggers;
use crate::store::{done_key, state_key, StatePort, StoreError};
use chrono::{DateTime, Utc};
use tripline_core::event::Event;
use tripline_core::sensor::{CompiledSensor, SensorState};
use tripline_core::spec::Sensor;
use tripline_core::trigger::ports::Ports;
use tripline_core::trigger::{ExecOptions, SensorRunners};

/// A sensor compiled once (at pre-initialization) with its trigger runners.
#[derive(Debug)]
pub struct Deployed {
    pub name: String,
    pub sensor: CompiledSensor,
    pub runners: SensorRunners,
    /// Whether a trigger must remember events between requests (a condition no single
    /// dependency satisfies, e.g. `a && b` or the default AND of several dependencies).
    pub holds_state: bool,
}

/// Why a sensor cannot run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    #[error("sensor {sensor}: {path}: {message}")]
    Invalid {
        sensor: String,
        path: String,
        message: String,
    },
    #[error(
        "sensor {sensor}: trigger {trigger} waits for several dependencies ({deps}), which \
         needs held state between requests, and this build has no key-value store: build with \
         `--features spin` and run under Spin with key_value_stores = [\"default\"]"
    )]
    NeedsStore {
        sensor: String,
        trigger: String,
        deps: String,
    },
}

impl Deployed {
    pub fn compile(sensor: &Sensor, opts: &ExecOptions) -> Result<Deployed, Vec<DeployError>> {
        let name = sensor
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_default();
        let invalid = |path: String, message: String| DeployError::Invalid {
            sensor: name.clone(),
            path,
            message,
        };
        let compiled = CompiledSensor::compile(sensor).map_err(|errs| {
            errs.into_iter()
                .map(|e| invalid(e.path, e.message))
                .collect::<Vec<_>>()
        })?;
        let problems: Vec<DeployError> = compiled
            .problems()
            .into_iter()
            .map(|e| invalid(e.path, e.message))
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let triggers = sensor
            .spec
            .as_ref()
            .map(|s| s.triggers.as_slice())
            .unwrap_or(&[]);
        let runners = SensorRunners::compile(&name, triggers, opts).map_err(|errs| {
            errs.into_iter()
                .map(|e| invalid(e.path, e.message))
                .collect::<Vec<_>>()
        })?;
        let holds_state = !stateful_triggers(&compiled).is_empty();
        Ok(Deployed {
            name,
            sensor: compiled,
            runners,
            holds_state,
        })
    }

    /// Refuses the sensor when it must hold events and the store cannot keep them.
    pub fn check_store(&self, keeps_state: bool) -> Result<(), DeployError> {
        if keeps_state {
            return Ok(());
        }
        match stateful_triggers(&self.sensor).into_iter().next() {
            None => Ok(()),
            Some((trigger, deps)) => Err(DeployError::NeedsStore {
                sensor: self.name.clone(),
                trigger,
                deps: deps.join(", "),
            }),
        }
    }
}

/// What running one sensor on one event came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Firings settled now (the trigger or its dead-letter trigger succeeded).
    pub fired: usize,
    /// Firings skipped because an earlier delivery of the same events settled them.
    pub already_done: usize,
    /// Firings that failed with `atLeastOnce`: the sender should deliver again.
    pub failed: Vec<String>,
}

/// Why the state could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("held state of sensor {0} is unreadable: {1}")]
    Corrupt(String, String),
}

/// Runs `event` through one sensor: held state in, firings fired, held state out.
///
/// With `atLeastOnce` (Tripline's default) the state is saved only once every firing settled,
/// so a failed delivery leaves it as it was and a redelivery re-fires what did not settle;
/// idempotency records skip what did.
pub async fn dispatch<P: Ports, S: StatePort + ?Sized>(
    d: &Deployed,
    event: &Event,
    now: DateTime<Utc>,
    ports: &P,
    store: &S,
) -> Result<Outcome, DispatchError> {
    let key = state_key(&d.name);
    let mut state = if d.holds_state {
        match store.get(&key)? {
            Some(bytes) => serde_json::from_slice::<SensorState>(&bytes)
                .map_err(|e| DispatchError::Corrupt(d.name.clone(), e.to_string()))?,
            None => SensorState::default(),
        }
    } else {
        SensorState::default()
    };
    let firings = d.sensor.on_event(&mut state, event, now);
    let at_least_once = firings.iter().any(|f| {
        d.runners
            .get(f.trigger_index)
            .is_none_or(|r| r.at_least_once())
    });
    let save = |state: &SensorState| -> Result<(), DispatchError> {
        if d.holds_state {
            let bytes = serde_json::to_vec(state)
                .map_err(|e| DispatchError::Corrupt(d.name.clone(), e.to_string()))?;
            store.set(&key, &bytes)?;
        }
        Ok(())
    };
    if !at_least_once {
        save(&state)?;
    }
    let mut out = Outcome::default();
    for firing in &firings {
        let done = done_key(&firing.idempotency_key);
        if store.get(&done)?.is_some() {
            out.already_done += 1;
            continue;
        }
        let report = d.runners.fire(ports, firing).await;
        if report.settled() {
            tracing::info!(
                sensor = d.name.as_str(),
                trigger = report.trigger.as_str(),
                attempts = report.attempts,
                dead_lettered = report.result.is_err(),
                "trigger fired"
            );
            store.set(&done, b"1")?;
            out.fired += 1;
        } else {
            let why = report
                .result
                .as_ref()
                .err()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            tracing::warn!(
                sensor = d.name.as_str(),
                trigger = report.trigger.as_str(),
                attempts = report.attempts,
                "trigger failed: {why}"
            );
            let consumed = d
                .runners
                .get(firing.trigger_index)
                .is_some_and(|r| !r.at_least_once());
            if !consumed {
                out.failed.push(format!("{}: {why}", report.trigger));
            }
        }
    }
    if at_least_once && out.failed.is_empty() {
        save(&state)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use std::cell::RefCell;
    use std::time::Duration;
    use tripline_core::event::EventContext;
    use tripline_core::secret::{SecretError, SecretPort};
    use tripline_core::spec::{load_one, Manifest};
    use tripline_core::trigger::ports::{
        ClockPort, HttpPort, HttpRequest, HttpResponse, InvokePort, LogPort, LogRecord, PortError,
        QueuePort,
    };

    /// Records requests and answers them with scripted statuses (then 200).
    #[derive(Default)]
    struct Fake {
        sent: RefCell<Vec<HttpRequest>>,
        statuses: RefCell<Vec<u16>>,
    }

    impl HttpPort for Fake {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, PortError> {
            self.sent.borrow_mut().push(req);
            let mut st = self.statuses.borrow_mut();
            let status = if st.is_empty() { 200 } else { st.remove(0) };
            Ok(HttpResponse {
                status,
                body: Vec::new(),
            })
        }
    }
    impl ClockPort for Fake {
        fn now_ms(&self) -> u64 {
            0
        }
        async fn sleep(&self, _: Duration) {}
    }
    impl LogPort for Fake {
        fn emit(&self, _: &LogRecord) {}
    }
    impl QueuePort for Fake {}
    impl InvokePort for Fake {}
    impl SecretPort for Fake {
        fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
            Err(SecretError::NotFound {
                name: name.into(),
                key: key.into(),
                looked: "nowhere".into(),
            })
        }
    }

    fn deployed(name: &str, deps: &[&str], conditions: Option<&str>) -> Deployed {
        let mut yaml = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata:\n  name: {name}\nspec:\n  dependencies:\n"
        );
        for d in deps {
            yaml.push_str(&format!(
                "    - name: {d}\n      eventSourceName: es\n      eventName: {d}\n"
            ));
        }
        yaml.push_str("  triggers:\n    - template:\n        name: t\n");
        if let Some(c) = conditions {
            yaml.push_str(&format!("        conditions: \"{c}\"\n"));
        }
        yaml.push_str("        http:\n          url: http://sink/x\n");
        let Manifest::Sensor(s) = load_one(&yaml).expect("yaml").manifest else {
            panic!("not a sensor")
        };
        Deployed::compile(&s, &ExecOptions::default()).expect("compiles")
    }

    fn event(name: &str, id: &str) -> Event {
        Event::new(
            EventContext {
                id: id.into(),
                source: "es".into(),
                specversion: "1.0".into(),
                r#type: "webhook".into(),
                datacontenttype: "application/json".into(),
                subject: name.into(),
                time: DateTime::<Utc>::UNIX_EPOCH,
            },
            b"{}".to_vec(),
        )
    }

    fn run(d: &Deployed, e: &Event, ports: &Fake) -> Outcome {
        futures::executor::block_on(dispatch(d, e, Utc::now(), ports, &MemoryStore))
            .expect("dispatch")
    }

    #[test]
    fn sensors_that_must_hold_events_need_a_store() {
        let both = deployed("both", &["a", "b"], None);
        assert!(both.holds_state);
        let err = both.check_store(false).expect_err("needs a store");
        assert!(err.to_string().contains("(a, b)"), "{err}");
        assert_eq!(both.check_store(true), Ok(()));
        let either = deployed("either", &["a", "b"], Some("a || b"));
        assert!(!either.holds_state);
        assert_eq!(either.check_store(false), Ok(()));
    }

    #[test]
    fn held_events_wait_in_the_store_until_the_condition_holds() {
        let d = deployed("held", &["a", "b"], None);
        let ports = Fake::default();
        let out = run(&d, &event("a", "1"), &ports);
        assert_eq!(out, Outcome::default());
        assert!(ports.sent.borrow().is_empty());
        let stored = MemoryStore
            .get(&state_key("held"))
            .expect("get")
            .expect("saved");
        assert!(String::from_utf8_lossy(&stored).contains("\"a\""));

        let out = run(&d, &event("b", "2"), &ports);
        assert_eq!(out.fired, 1);
        assert_eq!(ports.sent.borrow().len(), 1);
        // Fired and forgotten: a lone `b` waits again.
        let out = run(&d, &event("b", "3"), &ports);
        assert_eq!(out.fired, 0);
    }

    #[test]
    fn failed_firings_leave_the_state_for_a_redelivery_and_settled_ones_are_skipped() {
        let d = deployed("retry", &["a", "b"], None);
        let ports = Fake::default();
        run(&d, &event("a", "10"), &ports);
        let before = MemoryStore.get(&state_key("retry")).expect("get");
        // Every attempt fails (one step by default): the firing is reported, state untouched.
        ports
            .statuses
            .borrow_mut()
            .extend([500, 500, 500, 500, 500]);
        let out = run(&d, &event("b", "11"), &ports);
        assert_eq!(out.fired, 0);
        assert_eq!(out.failed.len(), 1, "{out:?}");
        assert_eq!(MemoryStore.get(&state_key("retry")).expect("get"), before);
        ports.statuses.borrow_mut().clear();

        // The sender delivers `b` again: `a` is still held, the firing goes through.
        let out = run(&d, &event("b", "11"), &ports);
        assert_eq!((out.fired, out.failed.len()), (1, 0));
        // A later redelivery of both events settles nothing twice.
        run(&d, &event("a", "10"), &ports);
        let sent = ports.sent.borrow().len();
        let out = run(&d, &event("b", "11"), &ports);
        assert_eq!(out.already_done, 1, "{out:?}");
        assert_eq!(ports.sent.borrow().len(), sent);
    }
}
