//! URLs as they may appear in spans: no credentials, no secrets in the query, no fragment.

use url::Url;

/// What replaces a secret.
///
/// ```
/// assert_eq!(rizk_http::REDACTED, "REDACTED");
/// ```
pub const REDACTED: &str = "REDACTED";

/// Whether the query parameter `name` usually carries a secret.
fn secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    const EXACT: &[&str] = &["key", "sig", "code", "auth", "pwd", "jwt", "otp", "pass"];
    const CONTAINS: &[&str] = &[
        "token",
        "secret",
        "password",
        "passwd",
        "signature",
        "api_key",
        "apikey",
        "credential",
        "session",
        "authorization",
        "accesskey",
        "access_key",
        "private",
    ];
    EXACT.contains(&name.as_str())
        || name.ends_with("_key")
        || CONTAINS.iter().any(|c| name.contains(c))
}

/// `url` with credentials replaced by `REDACTED`, the values of query parameters that usually
/// carry secrets (`api_key`, `token`, `signature`, `X-Amz-Signature`, `sig`, ...) replaced by
/// `REDACTED`, and the fragment removed: what the client span records as `url.full`.
///
/// ```
/// let url = url::Url::parse("https://user:pw@api.example.com/v1/chat?model=gpt&api_key=sk-123&X-Amz-Signature=abc#frag").unwrap();
/// assert_eq!(
///     rizk_http::redact_url(&url),
///     "https://REDACTED:REDACTED@api.example.com/v1/chat?model=gpt&api_key=REDACTED&X-Amz-Signature=REDACTED"
/// );
/// ```
pub fn redact_url(url: &Url) -> String {
    let mut out = url.clone();
    if !out.username().is_empty() {
        let _ = out.set_username(REDACTED);
    }
    if out.password().is_some() {
        let _ = out.set_password(Some(REDACTED));
    }
    out.set_fragment(None);
    if let Some(query) = url.query() {
        let redacted: Vec<String> = query
            .split('&')
            .map(|pair| {
                let raw_name = pair.split('=').next().unwrap_or_default();
                let name = url::form_urlencoded::parse(raw_name.as_bytes())
                    .next()
                    .map(|(k, _)| k.into_owned())
                    .unwrap_or_default();
                if pair.contains('=') && secret_param(&name) {
                    format!("{raw_name}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        out.set_query(Some(&redacted.join("&")));
    }
    out.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(s: &str) -> String {
        redact_url(&Url::parse(s).unwrap())
    }

    #[test]
    fn keeps_harmless_urls_as_they_are() {
        assert_eq!(
            redact("http://127.0.0.1:8080/agent"),
            "http://127.0.0.1:8080/agent"
        );
        assert_eq!(
            redact("http://h/p?page=2&q=a%20b"),
            "http://h/p?page=2&q=a%20b"
        );
    }

    #[test]
    fn redacts_secrets_in_query_and_userinfo() {
        assert_eq!(
            redact("http://h/p?access_token=x&client_secret=y&sessionId=z&key=k&flag"),
            "http://h/p?access_token=REDACTED&client_secret=REDACTED&sessionId=REDACTED&key=REDACTED&flag"
        );
        assert_eq!(redact("http://user@h/"), "http://REDACTED@h/");
        assert_eq!(
            redact("http://h/p?x-goog-signature=abc"),
            "http://h/p?x-goog-signature=REDACTED"
        );
    }
}
