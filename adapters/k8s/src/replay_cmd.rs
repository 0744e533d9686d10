//! `tripline replay`: asks a running `tripline run` (its admin port) to re-deliver events from
//! its bus log to one sensor.

use anyhow::{bail, Context, Result};
use std::net::SocketAddr;

pub struct ReplayArgs {
    pub sensor: String,
    pub since: Option<String>,
    pub until: Option<String>,
    pub event_id: Option<String>,
    pub admin: SocketAddr,
}

pub async fn run(a: ReplayArgs) -> Result<bool> {
    if a.since.is_none() && a.until.is_none() && a.event_id.is_none() {
        bail!("give --since/--until (a time window) or --event-id");
    }
    let mut query = vec![("sensor", a.sensor.clone())];
    for (k, v) in [
        ("since", &a.since),
        ("until", &a.until),
        ("event_id", &a.event_id),
    ] {
        if let Some(v) = v {
            query.push((k, v.clone()));
        }
    }
    let url = format!("http://{}/replay", a.admin);
    let resp = reqwest::Client::new()
        .post(&url)
        .query(&query)
        .send()
        .await
        .with_context(|| format!("is `tripline run` listening on {}?", a.admin))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("replay refused ({status}): {body}");
    }
    println!("{body}");
    Ok(true)
}
