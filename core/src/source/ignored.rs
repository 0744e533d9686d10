//! Fields of webhook-family sources that the source mapping does not act on.
//!
//! Argo uses them to manage hooks on the provider (create, update, delete), which Tripline does
//! not do: the hook is registered by hand, and these fields are ignored. A runtime shows the list
//! as warnings at start-up.

use super::endpoint::{all, Spec};
use crate::spec::{EventSource, WebhookContext};

/// A field that is set but ignored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// Spec path (`spec.github.example.apiToken`).
    pub path: String,
    pub reason: String,
}

const GITHUB: &str = "Tripline does not create, change or delete GitHub webhooks; register the hook on GitHub yourself (payload URL: webhook.url + endpoint, secret: webhookSecret, events: events)";
const GITLAB: &str = "Tripline does not create, change or delete GitLab hooks; register the hook on GitLab yourself (URL: webhook.url + endpoint, secret token: secretToken, triggers: events)";
const STRIPE: &str = "Tripline does not register Stripe webhook endpoints; create the endpoint in Stripe yourself (URL: webhook.url + endpoint, events: eventFilter)";
const TLS: &str =
    "the source mapping does not serve HTTPS; TLS is terminated by the runtime or in front of it";

/// The set fields of `es`'s webhook-family events that are ignored.
pub fn ignored_fields(es: &EventSource) -> Vec<Ignored> {
    let mut out = Vec::new();
    for (path, _, spec) in all(es) {
        let mut note = |field: &str, set: bool, reason: &str| {
            if set {
                out.push(Ignored {
                    path: format!("{path}.{field}"),
                    reason: reason.to_string(),
                });
            }
        };
        match spec {
            Spec::Webhook(w) => {
                note("serverCertSecret", w.server_cert_secret.is_some(), TLS);
                note("serverKeySecret", w.server_key_secret.is_some(), TLS);
            }
            Spec::Github(g) => {
                note("apiToken", g.api_token.is_some(), GITHUB);
                note("githubApp", g.github_app.is_some(), GITHUB);
                note("active", g.active.is_some(), GITHUB);
                note("insecure", g.insecure.is_some(), GITHUB);
                note("contentType", g.content_type.is_some(), GITHUB);
                note(
                    "deleteHookOnFinish",
                    g.delete_hook_on_finish.is_some(),
                    GITHUB,
                );
                note("githubBaseURL", g.github_base_url.is_some(), GITHUB);
                note("githubUploadURL", g.github_upload_url.is_some(), GITHUB);
                note("id", g.id.is_some(), GITHUB);
                tls(&mut note, &g.webhook);
            }
            Spec::Gitlab(g) => {
                note("accessToken", g.access_token.is_some(), GITLAB);
                note("projects", !g.projects.is_empty(), GITLAB);
                note("projectID", g.project_id.is_some(), GITLAB);
                note("groups", !g.groups.is_empty(), GITLAB);
                note("gitlabBaseURL", g.gitlab_base_url.is_some(), GITLAB);
                note(
                    "enableSSLVerification",
                    g.enable_ssl_verification.is_some(),
                    GITLAB,
                );
                note(
                    "deleteHookOnFinish",
                    g.delete_hook_on_finish.is_some(),
                    GITLAB,
                );
                tls(&mut note, &g.webhook);
            }
            Spec::Slack(s) => {
                note(
                    "metadata",
                    !s.metadata.is_empty(),
                    "Argo does not put metadata into slack events; neither does Tripline",
                );
                tls(&mut note, &s.webhook);
            }
            Spec::Stripe(s) => {
                note("createWebhook", s.create_webhook == Some(true), STRIPE);
                note("apiKey", s.api_key.is_some(), STRIPE);
                tls(&mut note, &s.webhook);
            }
        }
    }
    out
}

fn tls(note: &mut impl FnMut(&str, bool, &str), w: &Option<WebhookContext>) {
    if let Some(w) = w {
        note(
            "webhook.serverCertSecret",
            w.server_cert_secret.is_some(),
            TLS,
        );
        note(
            "webhook.serverKeySecret",
            w.server_key_secret.is_some(),
            TLS,
        );
    }
}
