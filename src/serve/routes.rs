//! Which route a request is for, the methods each takes, and the request
//! handler that answers it: limits, the admin check, metrics and the
//! access line around every route.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use super::State;
use super::http::{self, ApiError, Body, REQUEST_TIME};
use super::secret::Connection;
use super::{admin, verify};
use crate::core::id::TokenId;

/// The routes, with the id a token route names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/auth`.
    Auth,
    /// `/v1/verify`.
    Verify,
    /// `/healthz`.
    Health,
    /// `/readyz`.
    Ready,
    /// `/openapi.json`.
    OpenApi,
    /// `/v1/tokens`.
    Tokens,
    /// `/v1/tokens/{id}`; `None`: not an id, so no such token.
    Token(Option<TokenId>),
    /// `/v1/tokens/{id}/reset`.
    Reset(Option<TokenId>),
    /// `/v1/tokens/{id}/enable`.
    Enable(Option<TokenId>),
    /// `/v1/tokens/{id}/disable`.
    Disable(Option<TokenId>),
    /// `/v1/log`.
    Log,
    /// `/v1/policy`.
    Policy,
    /// Anything else.
    Unknown,
}

impl Route {
    /// The route of a path.
    pub fn of(path: &str) -> Route {
        match path {
            "/auth" => return Route::Auth,
            "/v1/verify" => return Route::Verify,
            "/healthz" => return Route::Health,
            "/readyz" => return Route::Ready,
            "/openapi.json" => return Route::OpenApi,
            "/v1/tokens" => return Route::Tokens,
            "/v1/log" => return Route::Log,
            "/v1/policy" => return Route::Policy,
            _ => {}
        }
        // Envoy's ext_authz appends the client's path to its path_prefix.
        if path.starts_with("/auth/") {
            return Route::Auth;
        }
        let Some(rest) = path.strip_prefix("/v1/tokens/") else {
            return Route::Unknown;
        };
        let (id, action) = match rest.split_once('/') {
            Some((id, action)) => (id, Some(action)),
            None => (rest, None),
        };
        let id = admin::path_id(id);
        match action {
            None => Route::Token(id),
            Some("reset") => Route::Reset(id),
            Some("enable") => Route::Enable(id),
            Some("disable") => Route::Disable(id),
            Some(_) => Route::Unknown,
        }
    }

    /// The route as metrics name it.
    pub fn label(self) -> &'static str {
        match self {
            Route::Auth => "/auth",
            Route::Verify => "/v1/verify",
            Route::Health => "/healthz",
            Route::Ready => "/readyz",
            Route::OpenApi => "/openapi.json",
            Route::Tokens => "/v1/tokens",
            Route::Token(_) => "/v1/tokens/{id}",
            Route::Reset(_) => "/v1/tokens/{id}/reset",
            Route::Enable(_) => "/v1/tokens/{id}/enable",
            Route::Disable(_) => "/v1/tokens/{id}/disable",
            Route::Log => "/v1/log",
            Route::Policy => "/v1/policy",
            Route::Unknown => "other",
        }
    }

    /// The methods it answers (`HEAD` wherever `GET`).
    pub fn methods(self) -> &'static [Method] {
        match self {
            Route::Auth => &[Method::GET, Method::HEAD, Method::POST],
            Route::Verify | Route::Reset(_) | Route::Enable(_) | Route::Disable(_) => {
                &[Method::POST]
            }
            Route::Health | Route::Ready | Route::OpenApi | Route::Log | Route::Policy => {
                &[Method::GET, Method::HEAD]
            }
            Route::Tokens => &[Method::GET, Method::HEAD, Method::POST],
            Route::Token(_) => &[Method::GET, Method::HEAD, Method::PATCH, Method::DELETE],
            Route::Unknown => &[],
        }
    }

    /// The id of a token route, or 404.
    fn id(self) -> Result<TokenId, ApiError> {
        match self {
            Route::Token(id) | Route::Reset(id) | Route::Enable(id) | Route::Disable(id) => {
                id.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such token"))
            }
            _ => Err(ApiError::no_route()),
        }
    }
}

/// Answers one request, and counts and logs it.
pub async fn handle(
    state: Arc<State>,
    conn: Arc<Connection>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Body>, std::convert::Infallible> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = Route::of(&path);
    let mut seen = None;
    let response = match answer(&state, &conn, peer, route, req, start, &mut seen).await {
        Ok(r) => r,
        Err(e) => e.response(),
    };
    let took = start.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .request(route.label(), status, took.as_secs_f64());
    super::access::request(&super::access::Request {
        method: method.as_str(),
        path: &path,
        status,
        took,
        token: seen,
        peer,
    });
    Ok(response)
}

async fn answer(
    state: &State,
    conn: &Arc<Connection>,
    peer: SocketAddr,
    route: Route,
    req: Request<Incoming>,
    start: Instant,
    seen: &mut Option<TokenId>,
) -> Result<Response<Body>, ApiError> {
    let methods = route.methods();
    if methods.is_empty() {
        return Err(ApiError::no_route());
    }
    let method = req.method().clone();
    // A proxy asks /auth with the method of the request it checks (Envoy
    // does): any method is the same question.
    if !methods.contains(&method) && route != Route::Auth {
        let allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} takes {}", route.label(), allow.join(", ")),
        )
        .header("allow", allow.join(", ")));
    }
    let deadline = start + REQUEST_TIME;
    let query = req.uri().query().map(str::to_owned);
    let query = query.as_deref();
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    match route {
        Route::Health => {
            return Ok(http::json(
                StatusCode::OK,
                &serde_json::json!({"status": "ok"}),
            ));
        }
        Route::Ready => return Ok(state.ready().await),
        Route::OpenApi => {
            return Ok(http::with_type(
                StatusCode::OK,
                "application/json",
                super::OPENAPI.as_bytes().to_vec(),
            ));
        }
        Route::Auth => return verify::auth(state, query, headers, seen).await,
        Route::Verify => {
            let body = http::read_body(body, deadline).await?;
            return verify::verify(state, &body, seen).await;
        }
        _ => {}
    }
    let admin_id = state.admin(headers, peer.ip(), seen).await?;
    let read = |body| http::read_body(body, deadline);
    match (route, method) {
        (Route::Tokens, Method::GET | Method::HEAD) => admin::list(state, query).await,
        (Route::Tokens, _) => {
            let body = read(body).await?;
            admin::create(state, admin_id, &body, conn).await
        }
        (Route::Token(_), Method::GET | Method::HEAD) => admin::show(state, route.id()?).await,
        (Route::Token(_), Method::PATCH) => {
            let id = route.id()?;
            let body = read(body).await?;
            admin::edit(state, admin_id, id, &body).await
        }
        (Route::Token(_), _) => admin::revoke(state, admin_id, route.id()?).await,
        (Route::Reset(_), _) => {
            let id = route.id()?;
            let body = read(body).await?;
            admin::reset(state, admin_id, id, &body, conn).await
        }
        (Route::Enable(_), _) => admin::switch(state, admin_id, route.id()?, false).await,
        (Route::Disable(_), _) => admin::switch(state, admin_id, route.id()?, true).await,
        (Route::Log, _) => admin::log(state, query).await,
        (Route::Policy, _) => admin::policy(state).await,
        _ => Err(ApiError::no_route()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_routes() {
        let id = TokenId::new(42);
        assert_eq!(Route::of("/auth"), Route::Auth);
        assert_eq!(Route::of("/v1/tokens/42"), Route::Token(id));
        assert_eq!(Route::of("/v1/tokens/42/reset"), Route::Reset(id));
        assert_eq!(Route::of("/v1/tokens/x/disable"), Route::Disable(None));
        assert_eq!(Route::of("/v1/tokens/42/other"), Route::Unknown);
        assert_eq!(Route::of("/v1/tokens/"), Route::Token(None));
        assert_eq!(Route::of("/auth/"), Route::Auth);
        assert_eq!(Route::of("/auth/api/items"), Route::Auth);
        assert_eq!(Route::of("/authx"), Route::Unknown);
        assert_eq!(Route::of("/"), Route::Unknown);
    }
}
