//! What every route shares: the response body type, JSON answers, the
//! error object of the API and how core errors map onto it, and reading a
//! request body within the limits.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::core::error::Error;

/// Every response's body; a streamed one may fail half way (the
/// connection is then cut, so a client never takes half a list for all).
pub type Body = BoxBody<Bytes, std::io::Error>;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY: usize = 64 * 1024;
/// Request headers larger than this are refused.
pub const MAX_HEADERS: usize = 16 * 1024;
/// A request must have arrived whole within this.
pub const REQUEST_TIME: Duration = Duration::from_secs(10);
/// Of a body larger than [`MAX_BODY`], this much more is read and thrown
/// away before the 413, so the client is not cut off mid-send and sees
/// the answer.
const DRAIN: usize = 16 * 1024 * 1024;

/// A body of these bytes.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A JSON response.
pub fn json(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    json_written(status, |body| {
        if serde_json::to_writer(&mut *body, value).is_err() {
            body.clear();
        }
    })
}

/// A JSON response whose document `write` appends to the body.
pub fn json_written(status: StatusCode, write: impl FnOnce(&mut Vec<u8>)) -> Response<Body> {
    // A verdict is about 400 bytes: one allocation, not a doubling series.
    let mut body = Vec::with_capacity(512);
    write(&mut body);
    body.push(b'\n');
    with_type(status, "application/json", body)
}

/// A response of `content_type`.
pub fn with_type(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// An answer of the API other than success: `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The snake_case code.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// Headers it comes with (WWW-Authenticate, Retry-After, Allow).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error of this status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// With a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> ApiError {
        self.headers.push((name, value.into()));
        self
    }

    /// 422 validation_error.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            message,
        )
    }

    /// 404 not_found for a path no route has.
    pub fn no_route() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
    }

    /// The response.
    pub fn response(&self) -> Response<Body> {
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
        }
        #[derive(Serialize)]
        struct Outer<'a> {
            error: Inner<'a>,
        }
        let mut r = json(
            self.status,
            &Outer {
                error: Inner {
                    code: self.code,
                    message: &self.message,
                },
            },
        );
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                r.headers_mut().insert(*name, v);
            }
        }
        r
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let message = crate::text::redact(&e.to_string()).into_owned();
        match e {
            Error::Usage(_) => ApiError::invalid(message),
            Error::NotFound(_) | Error::NoSuchOwner { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            Error::Revoked { .. } | Error::Conflict(_) | Error::Policy { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            Error::Store(_) => {
                super::access::note(&message);
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database cannot be used now",
                )
            }
            Error::Altered(_) | Error::BrokenPipe | Error::Runtime(_) => {
                // The details go to the server's log, not to the client.
                super::access::note(&message);
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "the server failed; its log says why",
                )
            }
        }
    }
}

/// Reads a request body whole, within [`MAX_BODY`] and by `deadline`;
/// the bytes are wiped when dropped (a body may hold a secret).
pub async fn read_body(body: Incoming, deadline: Instant) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a request body may hold at most {MAX_BODY} bytes"),
        )
        .header("connection", "close")
    };
    if body_length(&body).is_some_and(|n| n > MAX_BODY as u64) {
        drain(body, deadline).await;
        return Err(too_large());
    }
    let mut buf = Zeroizing::new(Vec::new());
    let mut body = body;
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), body.frame()).await;
        let frame = match frame {
            Err(_) => return Err(timed_out()),
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                return Err(ApiError::invalid("the request body could not be read"));
            }
            Ok(Some(Ok(f))) => f,
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > MAX_BODY {
                drain(body, deadline).await;
                return Err(too_large());
            }
            // Grow by copying into a fresh buffer and wiping the old one:
            // a plain reallocation would leave a copy behind.
            if buf.capacity() < buf.len() + data.len() {
                let mut bigger =
                    Zeroizing::new(Vec::with_capacity((buf.len() + data.len()).max(1024) * 2));
                bigger.extend_from_slice(&buf);
                buf = bigger;
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// The length a body declared (Content-Length).
fn body_length(body: &Incoming) -> Option<u64> {
    use hyper::body::Body as _;
    body.size_hint().exact()
}

/// Reads and drops up to [`DRAIN`] more bytes of a body refused.
async fn drain(mut body: Incoming, deadline: Instant) {
    let mut seen = 0usize;
    while seen < DRAIN {
        match tokio::time::timeout_at(deadline.into(), body.frame()).await {
            Ok(Some(Ok(f))) => seen += f.data_ref().map_or(0, Bytes::len),
            _ => return,
        }
    }
}

/// 408: the request did not arrive whole in time.
pub fn timed_out() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "the request did not arrive whole within {} s",
            REQUEST_TIME.as_secs()
        ),
    )
    .header("connection", "close")
}

/// Parses a JSON body into `T`; anything else is 422.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    // serde reads a struct from an array of its fields too; the API takes
    // objects only.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(ApiError::invalid("the body must be a JSON object"));
    }
    serde_json::from_slice(body).map_err(|e| {
        // serde_json quotes what it did not expect; a token sent in the
        // wrong field must not come back in the message.
        ApiError::invalid(format!(
            "the body is not the JSON this route takes: {}",
            crate::text::redact(&e.to_string())
        ))
    })
}
