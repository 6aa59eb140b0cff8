//! The Prometheus metrics `--metrics-listen` serves: requests by route and
//! status, their durations, and verify verdicts by reason.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::core::model::Verdict;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteOnly {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// What a request counts.
enum Seen {
    Request(&'static str, u16, f64),
    Verdict(&'static str),
}

/// Requests a thread gathers at most before it counts them.
const BATCH: usize = 256;

thread_local! {
    static SEEN: std::cell::RefCell<Vec<Seen>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteStatus, Counter>,
    durations: Family<RouteOnly, Histogram, fn() -> Histogram>,
    verdicts: Family<ReasonLabel, Counter>,
}

fn histogram() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Metrics {
    /// The metrics, all at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RouteStatus, Counter>::default();
        let durations =
            Family::<RouteOnly, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let verdicts = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "tokenctl_http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "tokenctl_http_request_duration_seconds",
            "Time from a request's headers to its answer, by route",
            durations.clone(),
        );
        registry.register(
            "tokenctl_verify",
            "Tokens verified by /auth and /v1/verify, by reason (valid when accepted)",
            verdicts.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            verdicts,
        }
    }

    /// Counts one answered request.
    pub fn request(&self, route: &'static str, status: u16, seconds: f64) {
        self.note(Seen::Request(route, status, seconds));
    }

    /// Counts one verdict.
    pub fn verdict(&self, v: &Verdict) {
        self.note(Seen::Verdict(v.reason.map_or("valid", |r| r.as_str())));
    }

    /// Gathers what a request thread saw, and counts it in a batch: the
    /// shared metrics are locked once per batch, not per request.
    fn note(&self, seen: Seen) {
        let full = SEEN.with(|s| {
            let mut s = s.borrow_mut();
            s.push(seen);
            s.len() >= BATCH
        });
        if full {
            self.flush_thread();
        }
    }

    /// Counts what this thread gathered; the server calls it whenever a
    /// request thread is about to wait for work, and as it ends.
    pub fn flush_thread(&self) {
        let seen = SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()));
        for s in seen {
            match s {
                Seen::Request(route, status, seconds) => {
                    self.requests
                        .get_or_create(&RouteStatus { route, status })
                        .inc();
                    self.durations
                        .get_or_create(&RouteOnly { route })
                        .observe(seconds);
                }
                Seen::Verdict(reason) => {
                    self.verdicts.get_or_create(&ReasonLabel { reason }).inc();
                }
            }
        }
    }

    /// The text exposition format.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
