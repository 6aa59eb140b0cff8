//! The admin API: tokens listed, created, shown, edited, revoked, reset,
//! enabled and disabled, the trail and the policy, each one call of the
//! core's operations with `api:<admin token id>` as the actor. Bodies and
//! queries are parsed and checked here; every rule is the core's.

use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde::{Deserialize, Deserializer};

use super::State;
use super::http::{self, ApiError, Body};
use super::secret::{Connection, SecretBody, Undelivered};
use crate::core::error::Result;
use crate::core::id::TokenId;
use crate::core::model::{Action, Status, Token};
use crate::core::ops::{self, Change, Edit, NewToken, Replace, Reset};
use crate::core::policy::Expiry;
use crate::core::token::Secret;
use crate::core::validate;
use crate::store::{self, ListFilter, LogFilter};
use crate::time::{self, Duration, Since, Timestamp};

/// Tokens per read snapshot of a list.
const PAGE: u32 = 1000;

/// The actor a change through the API is recorded with.
pub fn actor(admin: TokenId) -> String {
    format!("api:{admin}")
}

/// The query's pairs; a name given twice, or one the route does not know,
/// is 422.
fn query(
    query: Option<&str>,
    known: &[&str],
    repeatable: &[&str],
) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if !known.contains(&&*k) {
            return Err(ApiError::invalid(format!(
                "unknown query parameter {}; this route takes {}",
                crate::text::quote(&k),
                known.join(", ")
            )));
        }
        if !repeatable.contains(&&*k) && pairs.iter().any(|(p, _)| *p == k) {
            return Err(ApiError::invalid(format!("{k} may be given once")));
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    Ok(pairs)
}

fn field<T: std::str::FromStr<Err = String>>(name: &str, v: &str) -> Result<T, ApiError> {
    v.parse()
        .map_err(|e| ApiError::invalid(format!("{name}: {e}")))
}

/// A value that one of the core's checks accepts.
fn checked(name: &str, v: String, check: fn(&str) -> Result<&str>) -> Result<String, ApiError> {
    match check(&v) {
        Ok(_) => Ok(v),
        Err(e) => Err(ApiError::invalid(format!("{name}: {e}"))),
    }
}

fn id_of(name: &str, v: &str) -> Result<TokenId, ApiError> {
    v.parse()
        .map_err(|_| ApiError::invalid(format!("{name}: a token id is a positive integer")))
}

/// `GET /v1/tokens?status=&owner=&expiring_within=`: a JSON array,
/// streamed a page (one read snapshot) at a time.
pub async fn list(state: &State, q: Option<&str>) -> Result<Response<Body>, ApiError> {
    let mut filter = ListFilter {
        limit: Some(PAGE),
        ..ListFilter::default()
    };
    for (k, v) in query(q, &["status", "owner", "expiring_within"], &[])? {
        match k.as_str() {
            "status" => {
                filter.status = Some(match v.as_str() {
                    "active" => Status::Active,
                    "disabled" => Status::Disabled,
                    "expired" => Status::Expired,
                    "revoked" => Status::Revoked,
                    _ => {
                        return Err(ApiError::invalid(
                            "status: one of active, disabled, expired, revoked",
                        ));
                    }
                });
            }
            "owner" => filter.owner = Some(checked(&k, v, validate::owner)?),
            _ => filter.expiring_within = Some(field::<Duration>(&k, &v)?.as_secs()),
        }
    }
    let now = time::now();
    let page = move |filter: ListFilter| {
        move |store: &mut dyn crate::store::Store| {
            store::read(store, |r| {
                let mut out = Vec::new();
                let next = ops::list_page(r, &filter, now, &mut |t| {
                    out.push(b',');
                    t.json(now).write(&mut out);
                    Ok(())
                })?;
                Ok((out, next))
            })
        }
    };
    let (first, mut next) = state.pool.run(page(filter.clone())).await?;
    let (tx, body) = super::stream::channel();
    let mut chunk = first;
    let pool = state.pool.clone();
    tokio::spawn(async move {
        let mut array = Array::default();
        loop {
            let bytes = array.chunk(&chunk, next.is_none());
            // An empty frame would read as the end of a chunked body.
            if !bytes.is_empty() && tx.send(Ok(bytes.into())).await.is_err() {
                return;
            }
            let Some(after) = next else { return };
            let f = ListFilter {
                after: Some(after),
                ..filter.clone()
            };
            match pool.run(page(f)).await {
                Ok((c, n)) => {
                    chunk = c;
                    next = n;
                }
                Err(e) => {
                    super::access::note(&format!("a token list was cut short: {e}"));
                    let _ = tx
                        .send(Err(std::io::Error::other("the database failed")))
                        .await;
                    return;
                }
            }
        }
    });
    let mut r = Response::new(body);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

/// A JSON array sent in pieces, each page's elements as `,{...},{...}`.
#[derive(Default)]
struct Array {
    opened: bool,
    any: bool,
}

impl Array {
    /// The bytes for one page; `last` closes the array.
    fn chunk(&mut self, page: &[u8], last: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(page.len() + 3);
        if !self.opened {
            out.push(b'[');
            self.opened = true;
        }
        // The first element of the whole array has no comma before it.
        match page.split_first() {
            Some((_, rest)) if !self.any => {
                out.extend_from_slice(rest);
                self.any = true;
            }
            _ => out.extend_from_slice(page),
        }
        if last {
            out.extend_from_slice(b"]\n");
        }
        out
    }
}

/// Parses `null` as `Some(None)`, so a field may be cleared.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The expiry fields every change of a token takes; at most one.
fn expiry(
    expires_in: Option<&str>,
    expires_at: Option<&str>,
    no_expiry: Option<bool>,
) -> Result<Option<Expiry>, ApiError> {
    let given = [
        expires_in.is_some(),
        expires_at.is_some(),
        no_expiry == Some(true),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(ApiError::invalid(
            "give at most one of expires_in, expires_at and no_expiry",
        ));
    }
    Ok(if no_expiry == Some(true) {
        Some(Expiry::Never)
    } else if let Some(at) = expires_at {
        Some(Expiry::At(field::<Timestamp>("expires_at", at)?))
    } else if let Some(d) = expires_in {
        Some(Expiry::In(field::<Duration>("expires_in", d)?))
    } else {
        None
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires_in: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    no_expiry: Option<bool>,
    #[serde(default)]
    replace: Option<bool>,
}

/// `POST /v1/tokens`: 201 with the token and its secret.
pub async fn create(
    state: &State,
    admin: TokenId,
    body: &[u8],
    conn: &Arc<Connection>,
) -> Result<Response<Body>, ApiError> {
    let b: CreateBody = http::parse_json(body)?;
    let new = NewToken {
        name: b.name,
        owner: b.owner,
        scopes: b.scopes,
        expiry: expiry(
            b.expires_in.as_deref(),
            b.expires_at.as_deref(),
            b.no_expiry,
        )?
        .unwrap_or_default(),
        // The API is for programs: no question, whatever the owner holds.
        replace: (b.replace == Some(true)).then_some(Replace::Any),
    };
    let actor = actor(admin);
    let pool = state.pool.clone();
    let issued = state
        .pool
        .run(move |store| {
            let now = time::now();
            let (token, secret, _) = ops::create(store, &new, &actor, now)?;
            let guard = Undelivered::new(token.id, &actor, pool);
            Ok((token, secret, guard))
        })
        .await?;
    // --replace may have revoked others.
    state.lookup.forget();
    Ok(deliver(StatusCode::CREATED, issued, conn))
}

/// The response that carries a new secret, and only it.
fn deliver(
    status: StatusCode,
    (token, secret, guard): (Token, Secret, Undelivered),
    conn: &Arc<Connection>,
) -> Response<Body> {
    use http_body_util::BodyExt;
    let bytes = match crate::deliver::secret_bytes(Some(token.json(time::now())), &secret) {
        Ok(b) => b,
        // The guard revokes the token as it goes.
        Err(e) => return ApiError::from(e).response(),
    };
    drop(secret);
    guard.watch(super::http::REQUEST_TIME);
    let mut r = Response::new(SecretBody::new(bytes, guard, conn.clone()).boxed());
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    h.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    // The connection's clean end is what says the secret arrived (over
    // HTTP/2 hyper leaves the header out and the connection sends GOAWAY).
    h.insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("close"),
    );
    r
}

fn token_response(t: &Token) -> Response<Body> {
    http::json(StatusCode::OK, &t.json(time::now()))
}

/// `GET /v1/tokens/{id}`.
pub async fn show(state: &State, id: TokenId) -> Result<Response<Body>, ApiError> {
    let t = state.pool.run(move |store| ops::require(store, id)).await?;
    Ok(token_response(&t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    owner: Option<Option<String>>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    add_scopes: Vec<String>,
    #[serde(default)]
    remove_scopes: Vec<String>,
    #[serde(default)]
    expires_in: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    no_expiry: Option<bool>,
}

/// `PATCH /v1/tokens/{id}`: 200 with the token as it now is, changed or
/// already so.
pub async fn edit(
    state: &State,
    admin: TokenId,
    id: TokenId,
    body: &[u8],
) -> Result<Response<Body>, ApiError> {
    let b: EditBody = http::parse_json(body)?;
    let asked = Edit {
        name: b.name,
        owner: b.owner,
        scopes: b.scopes,
        add_scopes: b.add_scopes,
        remove_scopes: b.remove_scopes,
        expiry: expiry(
            b.expires_in.as_deref(),
            b.expires_at.as_deref(),
            b.no_expiry,
        )?,
    };
    let actor = actor(admin);
    let change = state
        .pool
        .run(move |store| ops::edit(store, id, &asked, &actor, time::now()))
        .await?;
    state.lookup.forget();
    let (Change::Done(t) | Change::Already(t)) = change;
    Ok(token_response(&t))
}

/// `DELETE /v1/tokens/{id}`: 204, also when it was revoked already.
pub async fn revoke(
    state: &State,
    admin: TokenId,
    id: TokenId,
) -> Result<Response<Body>, ApiError> {
    let actor = actor(admin);
    state
        .pool
        .run(move |store| ops::revoke(store, id, &actor, time::now(), None))
        .await?;
    state.lookup.forget();
    let mut r = Response::new(http::full(Vec::new()));
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    #[serde(default)]
    expires_in: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    no_expiry: Option<bool>,
    #[serde(default)]
    grace: Option<String>,
    #[serde(default)]
    owner: Option<String>,
}

/// `POST /v1/tokens/{id}/reset`: 200 with the token and its new secret.
pub async fn reset(
    state: &State,
    admin: TokenId,
    id: TokenId,
    body: &[u8],
    conn: &Arc<Connection>,
) -> Result<Response<Body>, ApiError> {
    let b: ResetBody = if body.is_empty() {
        ResetBody::default()
    } else {
        http::parse_json(body)?
    };
    let asked = Reset {
        expiry: expiry(
            b.expires_in.as_deref(),
            b.expires_at.as_deref(),
            b.no_expiry,
        )?
        .unwrap_or_default(),
        grace: b
            .grace
            .as_deref()
            .map(|g| field::<Duration>("grace", g))
            .transpose()?,
        owner: b.owner,
    };
    let actor = actor(admin);
    let pool = state.pool.clone();
    let issued = state
        .pool
        .run(move |store| {
            let (token, secret) = ops::reset(store, id, &asked, &actor, time::now())?;
            let guard = Undelivered::new(token.id, &actor, pool);
            Ok((token, secret, guard))
        })
        .await?;
    state.lookup.forget();
    Ok(deliver(StatusCode::OK, issued, conn))
}

/// `POST /v1/tokens/{id}/enable` and `/disable`: 200 with the token.
pub async fn switch(
    state: &State,
    admin: TokenId,
    id: TokenId,
    disabled: bool,
) -> Result<Response<Body>, ApiError> {
    let actor = actor(admin);
    let change = state
        .pool
        .run(move |store| ops::set_disabled(store, id, disabled, &actor, time::now()))
        .await?;
    state.lookup.forget();
    let (Change::Done(t) | Change::Already(t)) = change;
    Ok(token_response(&t))
}

/// `GET /v1/log?token_id=&since=&action=&by=&limit=`: the events, oldest
/// first.
pub async fn log(state: &State, q: Option<&str>) -> Result<Response<Body>, ApiError> {
    let mut filter = LogFilter::default();
    let now = time::now();
    for (k, v) in query(
        q,
        &["token_id", "since", "action", "by", "limit"],
        &["action"],
    )? {
        match k.as_str() {
            "token_id" => filter.token = Some(id_of(&k, &v)?),
            "since" => filter.since = Some(field::<Since>(&k, &v)?.at(now)),
            "action" => {
                for name in v.split(',') {
                    let a = Action::from_name(name).ok_or_else(|| {
                        let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                        ApiError::invalid(format!("action: one of {}", names.join(", ")))
                    })?;
                    filter.actions.push(a);
                }
            }
            "by" => filter.by = Some(checked(&k, v, validate::actor)?),
            _ => {
                filter.limit = Some(
                    v.parse::<u32>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| ApiError::invalid("limit: a positive integer"))?,
                );
            }
        }
    }
    let body = state
        .pool
        .run(move |store| {
            store::read(store, |r| {
                let mut out = vec![b'['];
                ops::log(r, &filter, &mut |e| {
                    if out.len() > 1 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut out, &e).map_err(anyhow::Error::from)?;
                    Ok(())
                })?;
                out.extend_from_slice(b"]\n");
                Ok(out)
            })
        })
        .await?;
    Ok(http::with_type(StatusCode::OK, "application/json", body))
}

/// `GET /v1/policy`: the policy in force, every key with its value.
pub async fn policy(state: &State) -> Result<Response<Body>, ApiError> {
    let p = state.pool.run(|store| ops::policy(store)).await?;
    Ok(http::json(StatusCode::OK, &p.json()))
}

/// Parses the id of a path.
pub fn path_id(s: &str) -> Option<TokenId> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::Array;

    fn joined(pages: &[&str]) -> String {
        let mut a = Array::default();
        let mut out = Vec::new();
        for (i, p) in pages.iter().enumerate() {
            out.extend(a.chunk(p.as_bytes(), i + 1 == pages.len()));
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pages_make_one_array_whichever_are_empty() {
        assert_eq!(joined(&[""]), "[]\n");
        assert_eq!(joined(&[",1,2"]), "[1,2]\n");
        assert_eq!(joined(&["", "", ",1", "", ",2,3", ""]), "[1,2,3]\n");
        assert_eq!(joined(&[",1", ",2"]), "[1,2]\n");
    }
}
