//! Each request's reactive work runs in that request's own task.
//!
//! Leptos renders a page with a reactive graph whose nodes are guarded by
//! `RwLock`s, and spawns each resource's future with `any_spawner`. With the
//! stock Tokio executor those futures become tasks of their own, which the
//! multi-threaded runtime runs on another worker *at the same time* as the
//! page that awaits them. Two threads then take the same nodes' locks in
//! opposite orders (an effect's, an async-derived value's, a suspense
//! context's), and under load both wait for ever: every worker blocked, the
//! server deaf, `/healthz` unanswered, 0 % CPU. That is
//! leptos-rs/leptos#4673 (open); Vigía met it with 32 auditors opening a
//! case file at once.
//!
//! The cure here does not depend on where the locks are taken: no two
//! threads touch one request's graph at once. [`confine`] wraps every page
//! and server function: what the request spawns is queued to the request's
//! own task, which polls it beside the handler, and the HTML is read to its
//! end inside that task, so the graph is also dropped there. A request's
//! database queries still run concurrently with each other (they are
//! polled together); only the CPU work of one request is on one thread at a
//! time, which at the loads Vigía serves costs nothing: other requests keep
//! both cores busy. What is still pending when the page is answered (a
//! resource nobody read) finishes in a task of its own, alone.
//!
//! Outside a request (background jobs, the command line) a spawn is a Tokio
//! task, as before.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use any_spawner::{CustomExecutor, PinnedFuture, PinnedLocalFuture};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::stream::{FuturesUnordered, StreamExt};

tokio::task_local! {
    /// The queue of the request being served by the current task.
    static QUEUE: UnboundedSender<PinnedFuture<()>>;
}

/// How long the work a page left behind may run once the page is answered.
const LEFTOVER_LIMIT: Duration = Duration::from_secs(60);

/// Makes Leptos spawn through [`RequestExecutor`]. Call before the first
/// request; later calls, and Leptos's own `init_tokio`, change nothing.
pub fn init() {
    // Already set (a second application in one process, the tests): the
    // executor set first is this one, or Leptos's, which it replaces only
    // when first.
    if any_spawner::Executor::init_custom_executor(RequestExecutor).is_err() {
        tracing::debug!("Leptos's executor was already set");
    }
}

/// Spawns into the current request's task when there is one, else onto Tokio.
pub struct RequestExecutor;

impl CustomExecutor for RequestExecutor {
    fn spawn(&self, fut: PinnedFuture<()>) {
        let mut fut = Some(fut);
        let queued = QUEUE.try_with(|queue| {
            // The `Some` is taken here only; `try_with` runs this at most once.
            let f = fut.take().expect("the future is still here");
            queue.unbounded_send(f).map_err(|e| e.into_inner())
        });
        match queued {
            Ok(Ok(())) => {}
            // The request's queue is closed: run it on its own.
            Ok(Err(f)) => {
                tokio::spawn(f);
            }
            // Not inside a request.
            Err(_) => {
                if let Some(f) = fut {
                    tokio::spawn(f);
                }
            }
        }
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        // As Tokio's executor for Leptos does: effects, the only users, do
        // not run on the server.
        tokio::task::spawn_local(fut);
    }

    fn poll_local(&self) {}
}

/// The futures a request spawned, polled by the request's task.
struct Spawned {
    incoming: UnboundedReceiver<PinnedFuture<()>>,
    running: FuturesUnordered<PinnedFuture<()>>,
}

impl Spawned {
    /// Runs what can run; `Ready` when nothing is left for now.
    fn poll_all(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            while let Poll::Ready(Some(f)) = self.incoming.poll_next_unpin(cx) {
                self.running.push(f);
            }
            match self.running.poll_next_unpin(cx) {
                Poll::Ready(Some(())) => continue,
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    // Empty: done unless something was queued meanwhile.
                    match self.incoming.poll_next_unpin(cx) {
                        Poll::Ready(Some(f)) => self.running.push(f),
                        _ => return Poll::Ready(()),
                    }
                }
            }
        }
    }
}

/// The middleware: runs the handler, what it spawns and the reading of its
/// HTML in this one task.
pub async fn confine(req: Request, next: Next) -> Response {
    let (queue, incoming) = unbounded();
    let mut spawned = Spawned {
        incoming,
        running: FuturesUnordered::new(),
    };
    let (answered, idle) = QUEUE
        .scope(queue.clone(), async {
            let mut work = pin!(answer(req, next));
            let answered = poll_fn(|cx| {
                // What the handler waits for first, so that it finds it
                // done; whether all of it is done matters only at the end.
                if spawned.poll_all(cx).is_ready() {
                    tracing::trace!("a request's spawned work is done for now");
                }
                work.as_mut().poll(cx)
            })
            .await;
            let idle = poll_fn(|cx| Poll::Ready(spawned.poll_all(cx).is_ready())).await;
            (answered, idle)
        })
        .await;
    if !idle {
        tokio::spawn(QUEUE.scope(queue, async move {
            let rest = poll_fn(move |cx| spawned.poll_all(cx));
            if tokio::time::timeout(LEFTOVER_LIMIT, rest).await.is_err() {
                tracing::warn!("work a page left behind was still pending after a minute: dropped");
            }
        }));
    }
    answered
}

/// The handler's response, with an HTML body read to its end here.
async fn answer(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => Response::from_parts(parts, Body::from(bytes)),
        Err(e) => {
            tracing::error!(error = %e, "a page failed while it was rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use axum::body::Body;
    use axum::extract::Request;
    use axum::routing::get;
    use axum::Router;
    use futures::StreamExt;
    use tower::ServiceExt;

    /// A handler that spawns, as a page spawns its resources, eight
    /// pieces of work that each hold a thread for a while (as rendering
    /// does); answers how many finished. `most` is the most that ran at
    /// one moment.
    fn app(most: Arc<AtomicUsize>) -> Router {
        Router::new().route(
            "/",
            get(move || async move {
                let running = Arc::new(AtomicUsize::new(0));
                let (done, finished) = futures::channel::mpsc::unbounded::<()>();
                for _ in 0..8 {
                    let (done, running, most) = (done.clone(), running.clone(), most.clone());
                    any_spawner::Executor::spawn(async move {
                        for _ in 0..5 {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(4));
                            running.fetch_sub(1, Ordering::SeqCst);
                            tokio::task::yield_now().await;
                        }
                        done.unbounded_send(()).expect("the handler waits");
                    });
                }
                drop(done);
                finished.count().await.to_string()
            }),
        )
    }

    async fn ask(app: Router) -> String {
        let res = app
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    /// Confined, a request's spawned work all finishes and never runs on
    /// two threads at once; unconfined (the stock way), the same work runs
    /// on both workers together, which is what let Leptos's locks deadlock.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_requests_spawned_work_runs_in_its_task_alone() {
        super::init();
        let most = Arc::new(AtomicUsize::new(0));
        let confined = app(most.clone()).layer(axum::middleware::from_fn(super::confine));
        assert_eq!(ask(confined).await, "8", "every piece finished");
        assert_eq!(most.load(Ordering::SeqCst), 1, "one at a time");

        let most = Arc::new(AtomicUsize::new(0));
        assert_eq!(ask(app(most.clone())).await, "8");
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "unconfined, both workers at once"
        );
    }
}
