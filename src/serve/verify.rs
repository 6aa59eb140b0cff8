//! The routes that check a presented token: `/auth` for proxies and
//! `/v1/verify` for services, and the check of the admin token every admin
//! route starts with. The token comes from `Authorization: Bearer`,
//! `Api-Token` or `X-Api-Key`, never from the URL.

use std::net::IpAddr;
use std::time::Instant;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::State;
use super::http::{self, ApiError, Body};
use crate::core::error::Result;
use crate::core::id::TokenId;
use crate::core::model::{Reason, Verdict};
use crate::core::rules::{self, Wanted};
use crate::core::token::Presented;
use crate::core::validate;
use crate::time;

/// What the request's headers present.
pub enum Offered {
    /// No token.
    Missing,
    /// Two different tokens, or one header twice: refused, since which one
    /// a proxy in front meant is anybody's guess.
    Ambiguous,
    /// One token.
    One(Presented),
}

/// The token the headers present.
pub fn offered(headers: &HeaderMap) -> Offered {
    let mut found: Option<Presented> = None;
    let mut values = 0;
    let take = |raw: &[u8], found: &mut Option<Presented>| -> bool {
        let text = String::from_utf8_lossy(raw);
        let token = text.trim();
        if let Some(seen) = found.as_ref() {
            return seen.trimmed() == token;
        }
        *found = Some(Presented::new(token.to_owned()));
        true
    };
    for v in headers.get_all(hyper::header::AUTHORIZATION) {
        values += 1;
        let raw = v.as_bytes();
        // `Bearer <token>`, the scheme in any case (RFC 6750); another
        // scheme (Basic, meant for the upstream) presents no token.
        if raw.len() > 7
            && raw[..7].eq_ignore_ascii_case(b"bearer ")
            && !take(&raw[7..], &mut found)
        {
            return Offered::Ambiguous;
        }
    }
    if values > 1 {
        return Offered::Ambiguous;
    }
    for name in ["api-token", "x-api-key"] {
        let mut n = 0;
        for v in headers.get_all(name) {
            n += 1;
            if n > 1 || !take(v.as_bytes(), &mut found) {
                return Offered::Ambiguous;
            }
        }
    }
    match found {
        Some(p) => Offered::One(p),
        None => Offered::Missing,
    }
}

impl State {
    /// The verdict on what a request presents, use recorded as by the
    /// `verify` command (queued, at most once a minute per token).
    pub async fn verify(&self, offered: Offered, wanted: &Wanted<'_>) -> Result<Verdict> {
        let hash = match &offered {
            Offered::One(p) => crate::core::verify::hash_of(p.trimmed()),
            _ => None,
        };
        drop(offered);
        // Not a token at all: answered without a lookup.
        let Some(hash) = hash else {
            return Ok(rules::malformed());
        };
        let found = self.lookup.find(&self.pool, hash).await?;
        let now = time::now();
        crate::core::verify::judge(found, wanted, now, &mut |id| {
            let queued = self.uses.note(id);
            if queued {
                self.lookup.used(&hash, now);
            }
            Ok(queued)
        })
    }

    /// The id of the admin token a request presents, or the error to
    /// answer: 429 while its address waits, 401 for no token or one that
    /// does not verify (the latter counted against the address), 403 for a
    /// token without the scope `admin`.
    pub async fn admin(
        &self,
        headers: &HeaderMap,
        peer: IpAddr,
        seen: &mut Option<TokenId>,
    ) -> Result<TokenId, ApiError> {
        if let Err(wait) = self.limiter.check(peer, Instant::now()) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "too many failed authentications from this address; wait a minute",
            )
            .header("retry-after", (wait.as_secs() + 1).to_string()));
        }
        let offered = offered(headers);
        let missing = matches!(offered, Offered::Missing);
        let scopes = ["admin".to_owned()];
        let wanted = Wanted {
            scopes: &scopes,
            owner: None,
        };
        let verdict = self
            .verify(offered, &wanted)
            .await
            .map_err(ApiError::from)?;
        *seen = verdict.token.as_ref().map(|t| t.id);
        match (verdict.reason, verdict.token.as_ref()) {
            (None, Some(t)) => Ok(t.id),
            (Some(Reason::MissingScope), Some(t)) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("token {} lacks the scope admin", t.id),
            )),
            (reason, _) => {
                // A request without a token guesses nothing; one with a
                // token that does not verify counts against its address.
                if !missing {
                    self.limiter.fail(peer, Instant::now());
                }
                let message = if missing {
                    "no token: send it as Authorization: Bearer <token>, Api-Token or X-Api-Key"
                        .to_owned()
                } else {
                    format!(
                        "the token was rejected: {}",
                        reason.map_or("malformed", Reason::as_str)
                    )
                };
                Err(
                    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
                        .header("www-authenticate", "Bearer realm=\"tokenctl\""),
                )
            }
        }
    }
}

/// `GET /auth` (and `POST`, `HEAD`): 200 with the token's headers, 401 or
/// 403 with `WWW-Authenticate`; the verdict as the body.
pub async fn auth(
    state: &State,
    query: Option<&str>,
    headers: &HeaderMap,
    seen: &mut Option<TokenId>,
) -> Result<Response<Body>, ApiError> {
    let mut scopes = Vec::new();
    let mut owner = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*k {
            "scope" => {
                validate::scope(&v).map_err(|e| ApiError::invalid(format!("scope: {e}")))?;
                scopes.push(v.into_owned());
            }
            "owner" => {
                if owner.is_some() {
                    return Err(ApiError::invalid("owner may be given once"));
                }
                validate::owner(&v).map_err(|e| ApiError::invalid(format!("owner: {e}")))?;
                owner = Some(v.into_owned());
            }
            // A proxy may add parameters of its own.
            _ => {}
        }
    }
    // Envoy cannot put a query on its check; it adds headers instead.
    for v in headers.get_all("x-token-require-scope") {
        let v = v
            .to_str()
            .map_err(|_| ApiError::invalid("X-Token-Require-Scope: not a list of scopes"))?;
        for scope in v.split([' ', ',']).filter(|s| !s.is_empty()) {
            validate::scope(scope).map_err(|e| ApiError::invalid(format!("scope: {e}")))?;
            scopes.push(scope.to_owned());
        }
    }
    let wanted = Wanted {
        scopes: &scopes,
        owner: owner.as_deref(),
    };
    let verdict = state
        .verify(offered(headers), &wanted)
        .await
        .map_err(ApiError::from)?;
    state.metrics.verdict(&verdict);
    *seen = verdict.token.as_ref().map(|t| t.id);
    let now = time::now();
    let status = match verdict.reason {
        None => StatusCode::OK,
        Some(Reason::MissingScope) => StatusCode::FORBIDDEN,
        Some(_) => StatusCode::UNAUTHORIZED,
    };
    let mut r = http::json_written(status, |b| verdict.write_json(b, now));
    let h = r.headers_mut();
    match (verdict.reason, verdict.token.as_ref()) {
        (None, Some(t)) => {
            set(h, "x-token-id", &t.id.to_string());
            set(h, "x-token-name", &encoded(&t.name));
            if let Some(o) = &t.owner {
                set(h, "x-token-owner", &encoded(o));
            }
            set(h, "x-token-scopes", &t.scopes.join(" "));
            if let Some(end) = verdict.grace_until {
                set(h, "x-token-grace-until", &time::rfc3339(end));
            }
        }
        (Some(Reason::MissingScope), _) => set(
            h,
            "www-authenticate",
            &format!(
                "Bearer error=\"insufficient_scope\", scope=\"{}\"",
                scopes.join(" ")
            ),
        ),
        _ => set(h, "www-authenticate", "Bearer error=\"invalid_token\""),
    }
    Ok(r)
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

/// A name or owner as a header value: printable ASCII as it is, every
/// other byte (and `%`) percent-encoded as UTF-8, so no control character
/// or line break reaches the upstream and a name reads back exactly.
pub fn encoded(s: &str) -> std::borrow::Cow<'_, str> {
    /// Control characters (and every non-ASCII byte, which
    /// percent-encoding always encodes), and `%` so a name reads back.
    const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%');
    percent_encoding::utf8_percent_encode(s, ENCODED).into()
}

/// The body `POST /v1/verify` takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    token: Zeroizing<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    owner: Option<String>,
}

/// `POST /v1/verify`: always 200 with the verdict, whatever it is; a body
/// that is not such JSON is 422.
pub async fn verify(
    state: &State,
    body: &[u8],
    seen: &mut Option<TokenId>,
) -> Result<Response<Body>, ApiError> {
    let asked: VerifyBody = http::parse_json(body)?;
    for s in &asked.scopes {
        validate::scope(s).map_err(|e| ApiError::invalid(format!("scopes: {e}")))?;
    }
    if let Some(o) = &asked.owner {
        validate::owner(o).map_err(|e| ApiError::invalid(format!("owner: {e}")))?;
    }
    let VerifyBody {
        mut token,
        scopes,
        owner,
    } = asked;
    let presented = Presented::new(std::mem::take(&mut *token));
    let wanted = Wanted {
        scopes: &scopes,
        owner: owner.as_deref(),
    };
    let verdict = state
        .verify(Offered::One(presented), &wanted)
        .await
        .map_err(ApiError::from)?;
    state.metrics.verdict(&verdict);
    *seen = verdict.token.as_ref().map(|t| t.id);
    let now = time::now();
    Ok(http::json_written(StatusCode::OK, |b| {
        verdict.write_json(b, now);
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn token(h: &[(&str, &str)]) -> Option<String> {
        match offered(&headers(h)) {
            Offered::One(p) => Some(p.trimmed().to_owned()),
            Offered::Missing => None,
            Offered::Ambiguous => Some("<ambiguous>".into()),
        }
    }

    #[test]
    fn a_token_is_taken_from_any_of_three_headers() {
        assert_eq!(
            token(&[("authorization", "Bearer abc")]).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(&[("authorization", "bearer  abc ")]).as_deref(),
            Some("abc")
        );
        assert_eq!(token(&[("api-token", "abc")]).as_deref(), Some("abc"));
        assert_eq!(token(&[("x-api-key", "abc")]).as_deref(), Some("abc"));
        assert_eq!(token(&[("authorization", "Basic dXNlcjpw")]), None);
        assert_eq!(token(&[]), None);
        // The same token twice is one token.
        assert_eq!(
            token(&[("authorization", "Bearer abc"), ("x-api-key", "abc")]).as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn two_tokens_are_refused() {
        for h in [
            &[("authorization", "Bearer abc"), ("x-api-key", "def")][..],
            &[
                ("authorization", "Bearer abc"),
                ("authorization", "Bearer abc"),
            ][..],
            &[("x-api-key", "abc"), ("x-api-key", "abc")][..],
            &[
                ("authorization", "Basic x"),
                ("authorization", "Bearer abc"),
            ][..],
        ] {
            assert_eq!(token(h).as_deref(), Some("<ambiguous>"), "{h:?}");
        }
    }

    #[test]
    fn names_in_headers_carry_no_control_characters() {
        assert_eq!(encoded("CI deploy"), "CI deploy");
        assert_eq!(encoded("a\r\nX-Evil: 1"), "a%0D%0AX-Evil: 1");
        assert_eq!(encoded("café 100%"), "caf%C3%A9 100%25");
        assert_eq!(encoded("\u{202e}x"), "%E2%80%AEx");
    }
}
