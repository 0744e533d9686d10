//! What a bus record holds: an event from a source, or an event replayed to one sensor.

use tripline_core::event::Event;

const EVENT: u8 = b'E';
const REPLAY: u8 = b'R';

#[derive(Debug)]
pub enum BusRecord {
    Event(Event),
    /// Re-delivered by `tripline replay` to one sensor only.
    Replay {
        sensor: String,
        event: Event,
    },
}

pub fn encode_event(e: &Event) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = vec![EVENT];
    serde_json::to_writer(&mut out, e)?;
    Ok(out)
}

pub fn encode_replay(sensor: &str, e: &Event) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = vec![REPLAY];
    out.extend_from_slice(sensor.as_bytes());
    out.push(b'\n');
    serde_json::to_writer(&mut out, e)?;
    Ok(out)
}

pub fn decode(bytes: &[u8]) -> Result<BusRecord, String> {
    match bytes.split_first() {
        Some((&EVENT, rest)) => Event::from_json(rest)
            .map(BusRecord::Event)
            .map_err(|e| e.to_string()),
        Some((&REPLAY, rest)) => {
            let nl = rest
                .iter()
                .position(|b| *b == b'\n')
                .ok_or("replay record without a sensor name")?;
            let (name, json) = rest.split_at(nl);
            let sensor = std::str::from_utf8(name)
                .map_err(|_| "replay sensor name is not UTF-8")?
                .to_string();
            let event = Event::from_json(&json[1..]).map_err(|e| e.to_string())?;
            Ok(BusRecord::Replay { sensor, event })
        }
        Some((tag, _)) => Err(format!("unknown record type {tag:#04x}")),
        None => Err("empty record".into()),
    }
}

impl BusRecord {
    pub fn event(&self) -> &Event {
        match self {
            BusRecord::Event(e) | BusRecord::Replay { event: e, .. } => e,
        }
    }

    /// Whether `sensor` should process this record.
    pub fn is_for(&self, sensor: &str) -> bool {
        match self {
            BusRecord::Event(_) => true,
            BusRecord::Replay { sensor: s, .. } => s == sensor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Event {
        Event::from_json(br#"{"id":"1","source":"s","specversion":"1.0","type":"webhook","subject":"n","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","data":{"a":1}}"#).unwrap()
    }

    #[test]
    fn round_trips() {
        let e = ev();
        let r = decode(&encode_event(&e).unwrap()).unwrap();
        assert!(r.is_for("any"));
        assert_eq!(r.event(), &e);
        let r = decode(&encode_replay("only-me", &e).unwrap()).unwrap();
        assert!(r.is_for("only-me") && !r.is_for("other"));
        assert_eq!(r.event().data(), br#"{"a":1}"#);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(b"").is_err());
        assert!(decode(b"X{}").is_err());
        assert!(decode(b"Rnoline").is_err());
        assert!(decode(b"E{").is_err());
    }
}
