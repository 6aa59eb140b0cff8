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
        self.requests
            .get_or_create(&RouteStatus { route, status })
            .inc();
        self.durations
            .get_or_create(&RouteOnly { route })
            .observe(seconds);
    }

    /// Counts one verdict.
    pub fn verdict(&self, v: &Verdict) {
        let reason = v.reason.map_or("valid", |r| r.as_str());
        self.verdicts.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// The text exposition format.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
