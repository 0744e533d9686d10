//! Outbound HTTP through `wasi:http/outgoing-handler`, with spin-sdk's executor.
//!
//! The request is built as a wasi-http `OutgoingRequest` rather than spin-sdk's `Request` so
//! that repeated header names survive; the body is written while the response is awaited, and
//! the whole exchange races the trigger's timeout on the monotonic clock.

use super::clock;
use spin_sdk::http::{ErrorCode, Headers, Method, OutgoingRequest, Response, Scheme, SendError};
use tripline_core::trigger::ports::{HttpRequest, HttpResponse, PortError};

/// A URL split the way wasi-http wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    pub https: bool,
    pub authority: &'a str,
    /// Path and query, starting with `/`.
    pub path_with_query: String,
}

/// Splits an absolute `http(s)://` URL; the fragment is dropped, as clients never send it.
pub(crate) fn split_url(url: &str) -> Result<Target<'_>, PortError> {
    let bad = |why: &str| PortError::Permanent(format!("invalid URL {url:?}: {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(bad("only http and https are supported")),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    if authority.contains('@') {
        return Err(bad(
            "credentials in the URL are not supported; use basicAuth",
        ));
    }
    let path_with_query = match tail.chars().next() {
        None => "/".to_string(),
        Some('?') => format!("/{tail}"),
        Some(_) => tail.to_string(),
    };
    Ok(Target {
        https,
        authority,
        path_with_query,
    })
}

fn method(m: &str) -> Method {
    match m {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        "CONNECT" => Method::Connect,
        "TRACE" => Method::Trace,
        other => Method::Other(other.to_string()),
    }
}

/// Whether trying again may help.
fn classify(e: &ErrorCode) -> bool {
    !matches!(
        e,
        ErrorCode::HttpRequestDenied
            | ErrorCode::HttpRequestUriInvalid
            | ErrorCode::HttpRequestUriTooLong
            | ErrorCode::HttpRequestMethodInvalid
            | ErrorCode::DestinationIpProhibited
            | ErrorCode::TlsCertificateError
            | ErrorCode::ConfigurationError
    )
}

fn send_error(url: &str, e: SendError) -> PortError {
    let message = format!("{url}: {e}");
    match e {
        SendError::Http(code) if !classify(&code) => {
            // Spin denies hosts missing from `allowed_outbound_hosts` this way: say so.
            if matches!(code, ErrorCode::HttpRequestDenied) {
                PortError::Permanent(format!(
                    "{message} (is the host in the component's allowed_outbound_hosts?)"
                ))
            } else {
                PortError::Permanent(message)
            }
        }
        SendError::RequestConversion(_) => PortError::Permanent(message),
        _ => PortError::Transient(message),
    }
}

/// Sends one request and reads the whole response.
pub async fn send(req: HttpRequest) -> Result<HttpResponse, PortError> {
    if let Some(tls) = &req.tls {
        if tls.ca_cert.is_some() || tls.client_cert.is_some() || tls.client_key.is_some() {
            return Err(PortError::Unsupported(
                "custom TLS certificates on outbound HTTP (Spin uses the host's trust store)"
                    .into(),
            ));
        }
        if tls.insecure_skip_verify {
            return Err(PortError::Unsupported(
                "tls.insecureSkipVerify on outbound HTTP (Spin always verifies)".into(),
            ));
        }
    }
    let target = split_url(&req.url)?;
    let mut headers: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
        .collect();
    // A declared length lets the host send the body in one piece rather than chunked, which
    // on loopback saves a delayed round trip per request.
    if !req.body.is_empty() && req.header("content-length").is_none() {
        headers.push((
            "content-length".into(),
            req.body.len().to_string().into_bytes(),
        ));
    }
    let fields = Headers::from_list(&headers)
        .map_err(|e| PortError::Permanent(format!("{}: invalid header: {e:?}", req.url)))?;
    let out = OutgoingRequest::new(fields);
    let bad = |what: &str| PortError::Permanent(format!("{}: invalid {what}", req.url));
    out.set_method(&method(&req.method))
        .map_err(|()| bad("method"))?;
    out.set_scheme(Some(if target.https {
        &Scheme::Https
    } else {
        &Scheme::Http
    }))
    .map_err(|()| bad("scheme"))?;
    out.set_authority(Some(target.authority))
        .map_err(|()| bad("host"))?;
    out.set_path_with_query(Some(&target.path_with_query))
        .map_err(|()| bad("path"))?;
    let exchange = exchange(out, req.body);
    let timeout = clock::sleep(req.timeout);
    futures::pin_mut!(exchange, timeout);
    match futures::future::select(exchange, timeout).await {
        futures::future::Either::Left((result, _)) => {
            let resp = result.map_err(|e| send_error(&req.url, e))?;
            Ok(HttpResponse {
                status: *resp.status(),
                body: resp.into_body(),
            })
        }
        futures::future::Either::Right(((), _)) => Err(PortError::Transient(format!(
            "{}: no response within {:?}",
            req.url, req.timeout
        ))),
    }
}

async fn exchange(out: OutgoingRequest, body: Vec<u8>) -> Result<Response, SendError> {
    use futures::SinkExt;
    let mut sink = out.take_body();
    let response = spin_sdk::http::send::<_, Response>(out);
    let write = async move {
        if !body.is_empty() {
            sink.send(body).await.map_err(SendError::Io)?;
        }
        // Dropping the sink finishes the body, which lets the response come.
        drop(sink);
        Ok::<(), SendError>(())
    };
    let (written, response) = futures::future::join(write, response).await;
    written?;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let t = split_url("http://127.0.0.1:8080/hook?a=1#frag").expect("url");
        assert_eq!(
            t,
            Target {
                https: false,
                authority: "127.0.0.1:8080",
                path_with_query: "/hook?a=1".into()
            }
        );
        let t = split_url("HTTPS://example.com").expect("url");
        assert!(t.https);
        assert_eq!(t.path_with_query, "/");
        assert_eq!(
            split_url("https://example.com?x=1")
                .expect("url")
                .path_with_query,
            "/?x=1"
        );
        for bad in [
            "example.com/x",
            "ftp://example.com",
            "http:///x",
            "http://u:p@h/",
        ] {
            assert!(
                matches!(split_url(bad), Err(PortError::Permanent(_))),
                "{bad}"
            );
        }
    }
}
