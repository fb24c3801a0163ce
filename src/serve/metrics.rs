//! `/metrics`: the service's counters in Prometheus text format.
//!
//! - `genbudget_http_requests_total{route, status}`
//! - `genbudget_http_request_duration_seconds` (histogram, by route)
//! - `genbudget_holds_total{outcome, limit}`: holds and charges granted, and
//!   denied by which limit (`user.cap`, `user.max_holds`, `org.cap`,
//!   `org.max_holds`)
//! - `genbudget_write_batch_size` (histogram): writes per group commit

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HoldOutcome {
    outcome: &'static str,
    limit: &'static str,
}

/// The service's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RouteStatus, Counter>,
    latency: Family<Route, Histogram>,
    holds: Family<HoldOutcome, Counter>,
    batch: Histogram,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("genbudget");
        let requests = Family::<RouteStatus, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        let latency = Family::<Route, Histogram>::new_with_constructor(|| {
            // 0.25 ms … ~4 s
            Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response",
            latency.clone(),
        );
        let holds = Family::<HoldOutcome, Counter>::default();
        registry.register(
            "holds",
            "Holds and charges granted, and denied by limit",
            holds.clone(),
        );
        let batch = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "write_batch_size",
            "Writes committed together in one transaction (group commit)",
            batch.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            holds,
            batch,
        }
    }
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `secs`.
    pub fn request(&self, route: &str, status: u16, secs: f64) {
        self.requests
            .get_or_create(&RouteStatus {
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&Route {
                route: route.to_string(),
            })
            .observe(secs);
    }

    /// Counts a hold or charge: granted (`None`) or denied by `limit`.
    pub fn decision(&self, denied_by: Option<&'static str>) {
        let label = match denied_by {
            None => HoldOutcome {
                outcome: "granted",
                limit: "",
            },
            Some(limit) => HoldOutcome {
                outcome: "denied",
                limit,
            },
        };
        self.holds.get_or_create(&label).inc();
    }

    /// Records a group commit of `n` writes.
    pub fn batch(&self, n: usize) {
        self.batch.observe(n as f64);
    }

    /// The metrics in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}
