//! `genbudget serve`: the ledger behind HTTP, for web apps in any language.
//!
//! Layout: `api` (request bodies and queries, checked into ledger
//! requests), `routes` (the handlers and their OpenAPI declarations),
//! `worker` (the ledger's own thread: authentication, authorisation and
//! group commit), `reply` (errors and JSON responses), `metrics`
//! (Prometheus), `openapi` (the generated document), `dashboard/` (the
//! page at `GET /`: HTML, script and style served from the binary; it reads
//! the API with the token a person signs in with).
//!
//! A request's road: hyper reads it (size, header and idle limits apply
//! here) → its handler checks the body → one job on the ledger thread's
//! queue → that thread authenticates the token, runs the job (writes in the
//! batch's one transaction) and replies after the commit → the handler
//! answers. One line per request goes to stderr.
//!
//! Shutdown (SIGTERM or SIGINT): stop accepting, let the requests in flight
//! finish (keep-alive connections close after their current request), let
//! the ledger thread drain its queue and close the ledger, exit 0.

pub mod api;
pub mod dashboard;
pub mod metrics;
pub mod openapi;
pub mod reply;
pub mod routes;
pub mod worker;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, mpsc};

use crate::ledger::Ledger;
use crate::pricing::PriceBook;

use metrics::Metrics;
use routes::{App, TokenName};
use worker::{Clock, Job, Worker};

/// How the request log is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-11-26T09:00:00.123Z POST /v1/holds 201 2.1ms token=web`
    Text,
    /// One JSON object a line.
    Json,
}

/// The service's settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub log_format: LogFormat,
    /// Connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and how long
    /// an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// How long a request waits for the ledger before a `503`.
    pub request_timeout: Duration,
    /// How often expired holds are swept in the background.
    pub expire_every: Duration,
    /// How long shutdown waits for requests in flight.
    pub drain: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            log_format: LogFormat::Text,
            max_connections: 1024,
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            expire_every: Duration::from_secs(1),
            drain: Duration::from_secs(30),
        }
    }
}

/// The router with every endpoint.
fn router(app: App) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/dashboard.js", get(dashboard::script))
        .route("/dashboard.css", get(dashboard::style))
        .route("/v1/health", get(routes::health))
        .route("/openapi.json", get(routes::openapi))
        .route("/metrics", get(routes::metrics))
        .route("/v1/holds", post(routes::post_hold).get(routes::list_holds))
        .route("/v1/holds/{key}", get(routes::get_hold))
        .route("/v1/holds/{key}/settle", post(routes::settle))
        .route("/v1/holds/{key}/release", post(routes::release))
        .route("/v1/charges", post(routes::post_charge))
        .route("/v1/quote", post(routes::quote))
        .route("/v1/status", get(routes::status))
        .route(
            "/v1/users/{user}",
            get(routes::get_user).put(routes::put_user),
        )
        .route("/v1/users/{user}/grants", post(routes::post_grant))
        .route("/v1/org", put(routes::put_org))
        .route("/v1/report", get(routes::report))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .route_layer(middleware::from_fn(tag_route))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .layer(DefaultBodyLimit::max(routes::MAX_BODY))
        .with_state(app)
}

/// The route a request matched, carried to the response for the log.
#[derive(Clone)]
struct RouteName(String);

async fn tag_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut r = next.run(req).await;
    if let Some(route) = route {
        r.extensions_mut().insert(RouteName(route));
    }
    r
}

/// Counts and logs every request.
async fn observe(State(log): State<Log>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let r = next.run(req).await;
    let elapsed = start.elapsed();
    let route = r
        .extensions()
        .get::<RouteName>()
        .map_or("(none)", |n| n.0.as_str());
    let status = r.status().as_u16();
    log.metrics.request(route, status, elapsed.as_secs_f64());
    let token = r.extensions().get::<TokenName>().map(|t| t.0.as_str());
    let ms = elapsed.as_secs_f64() * 1000.0;
    let time = (log.clock)().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let line = match log.format {
        LogFormat::Text => format!(
            "{time} {method} {path} {status} {ms:.1}ms token={}",
            token.unwrap_or("-")
        ),
        LogFormat::Json => serde_json::json!({
            "time": time,
            "method": method.as_str(),
            "path": path,
            "status": status,
            "ms": (ms * 10.0).round() / 10.0,
            "token": token,
        })
        .to_string(),
    };
    crate::cli::say!("{line}");
    r
}

/// What the request log needs.
#[derive(Clone)]
struct Log {
    metrics: Arc<Metrics>,
    clock: Clock,
    format: LogFormat,
}

impl axum::extract::FromRef<App> for Log {
    fn from_ref(app: &App) -> Log {
        app.log.clone()
    }
}

/// Runs the service until SIGTERM or SIGINT. `ready` is called with the
/// address once the socket listens (port 0 picks a free one).
pub fn run(
    config: Config,
    ledger: Ledger,
    book: PriceBook,
    clock: Clock,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    let std_listener = std::net::TcpListener::bind(config.listen)
        .with_context(|| format!("--listen {}: cannot listen there", config.listen))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;

    let metrics = Arc::new(Metrics::default());
    let (jobs, rx) = mpsc::channel::<Job>(4 * worker::MAX_BATCH);
    let worker = Worker {
        ledger,
        book,
        clock: clock.clone(),
        metrics: metrics.clone(),
    };
    let ledger_thread = std::thread::Builder::new()
        .name("ledger".into())
        .spawn(move || worker.run(rx))
        .context("starting the ledger thread")?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let app = App {
        jobs: jobs.clone(),
        metrics: metrics.clone(),
        timeout: config.request_timeout,
        openapi: Arc::new(openapi::document()),
        log: Log {
            metrics,
            clock,
            format: config.log_format,
        },
    };
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        ready(addr);
        // Background expiry.
        let expiring = {
            let jobs = jobs.clone();
            let every = config.expire_every;
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if jobs.send(Job::Expire).await.is_err() {
                        break;
                    }
                }
            })
        };
        drop(jobs);
        serve(listener, router(app), &config).await;
        expiring.abort();
        let _ = expiring.await;
        anyhow::Ok(())
    });
    // Every sender is gone with the runtime's tasks: the ledger thread
    // drains its queue, closes the ledger and ends.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if ledger_thread.join().is_err() {
        anyhow::bail!("the ledger thread stopped unexpectedly");
    }
    served
}

/// Accepts connections until a signal, then drains them.
async fn serve(listener: tokio::net::TcpListener, router: Router, config: &Config) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let signal = shutdown_signal();
    tokio::pin!(signal);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s { Ok(s) => s, Err(_) => break },
            () = &mut signal => break,
        };
        let stream = tokio::select! {
            c = listener.accept() => match c {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    crate::cli::say!("warning: accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(config.drain) => {
            crate::cli::say!("warning: requests still in flight after {} s; stopping anyway", config.drain.as_secs());
        }
    }
}

/// SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
