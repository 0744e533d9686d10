//! The `gitlab` source.
//!
//! As Argo: with a `secretToken`, `X-Gitlab-Token` must equal it (400 `token mismatch`); the body
//! must be JSON; the event is `{"headers":{…},"body":<raw body>,"metadata":{…}}`. (Argo checks the
//! token only when it manages the project hooks itself; Tripline always checks a configured one.)
//!
//! `events` names go-gitlab hook options (`PushEvents`, `MergeRequestsEvents`, …) that Argo
//! turns on in a hook it creates. Tripline creates no hooks and enforces them on receipt through
//! the `X-Gitlab-Event` header each option produces: another event is answered 200 and not
//! published.

use super::auth::Secret;
use super::encode::{write_compact, NotJson};
use super::{reject, Early, Request, SourceError};

/// go-gitlab hook option → the `X-Gitlab-Event` values GitLab sends for it.
const HOOKS: &[(&str, &[&str])] = &[
    ("PushEvents", &["Push Hook"]),
    ("TagPushEvents", &["Tag Push Hook"]),
    ("IssuesEvents", &["Issue Hook"]),
    ("ConfidentialIssuesEvents", &["Confidential Issue Hook"]),
    ("MergeRequestsEvents", &["Merge Request Hook"]),
    ("NoteEvents", &["Note Hook"]),
    ("ConfidentialNoteEvents", &["Confidential Note Hook"]),
    // GitLab before 14 called job events "Build Hook".
    ("JobEvents", &["Job Hook", "Build Hook"]),
    ("PipelineEvents", &["Pipeline Hook"]),
    ("WikiPageEvents", &["Wiki Page Hook"]),
    ("DeploymentEvents", &["Deployment Hook"]),
    ("ReleasesEvents", &["Release Hook"]),
    ("EmojiEvents", &["Emoji Hook"]),
    ("FeatureFlagEvents", &["Feature Flag Hook"]),
    ("ResourceAccessTokenEvents", &["Resource Access Token Hook"]),
    ("MemberEvents", &["Member Hook"]),
    ("SubGroupEvents", &["Subgroup Hook"]),
];

#[derive(Debug)]
pub(crate) struct Gitlab {
    pub(crate) token: Option<Secret>,
    /// Accepted `X-Gitlab-Event` values; empty accepts all.
    pub(crate) hooks: Vec<&'static str>,
    /// The `events` as configured, for messages.
    pub(crate) events: Vec<String>,
}

impl Gitlab {
    pub(crate) fn new(
        token: Option<Secret>,
        events: &[String],
        path: &str,
    ) -> Result<Gitlab, SourceError> {
        let mut hooks = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let (_, headers) =
                HOOKS
                    .iter()
                    .find(|(name, _)| name == e)
                    .ok_or_else(|| SourceError::Invalid {
                        path: format!("{path}.events[{i}]"),
                        reason: format!(
                            "unknown GitLab event {e:?}; known: {}",
                            HOOKS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    })?;
            hooks.extend_from_slice(headers);
        }
        Ok(Gitlab {
            token,
            hooks,
            events: events.to_vec(),
        })
    }

    pub(crate) fn data(&self, req: &Request<'_, '_>, metadata: &str) -> Result<String, Early> {
        if let Some(token) = self.token.as_ref().filter(|t| !t.is_empty()) {
            let given = req.headers.get("X-Gitlab-Token").unwrap_or("");
            if !token.matches(given.as_bytes()) {
                return Err(reject(400, "token mismatch"));
            }
        }
        let body = req.body()?;
        let event = req.headers.get("X-Gitlab-Event").unwrap_or("");
        if !self.hooks.is_empty() && !self.hooks.contains(&event) {
            return Err(Early::Filtered(format!(
                "GitLab event {event:?} is not produced by the source's events ({})",
                self.events.join(", ")
            )));
        }
        let mut out = String::with_capacity(body.len() + 512);
        out.push_str("{\"headers\":");
        req.headers.write_json(&mut out);
        out.push_str(",\"body\":");
        write_compact(&mut out, body)
            .map_err(|NotJson(e)| reject(400, format!("invalid event: body is not JSON: {e}")))?;
        out.push_str(metadata);
        out.push('}');
        Ok(out)
    }
}
