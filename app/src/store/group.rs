//! Group commit: pieces of write work that arrive at the same moment run
//! in one write transaction, each answered only once that transaction has
//! committed (or all with its error). The audit trail uses it for the
//! records of audited reads, so that readers do not queue one write
//! transaction each behind each other.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};

use super::Db;

/// One piece of work: statements on the group's transaction.
pub(crate) type Work = Box<
    dyn for<'c> FnOnce(
            &'c mut AnyConnection,
        )
            -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>>
        + Send,
>;

/// The most pieces one transaction takes.
pub const GROUP: usize = 256;

struct Pending {
    work: Work,
    done: oneshot::Sender<Result<(), sqlx::Error>>,
}

/// The queue of one database. The first piece of work starts a writer
/// task; the task takes every piece waiting at that moment (up to
/// [`GROUP`]), runs them in order in one write transaction and commits.
/// Work that arrives meanwhile waits for the next transaction. The task
/// ends when the last copy of the `Db` holding the queue is gone.
#[derive(Clone, Default)]
pub(crate) struct GroupCommit {
    queue: Arc<OnceLock<mpsc::UnboundedSender<Pending>>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommit")
    }
}

impl GroupCommit {
    pub(super) async fn run(&self, db: &Db, work: Work) -> Result<(), sqlx::Error> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            // The writer holds a copy of the database without this queue,
            // so that the queue closes with the last user's copy.
            tokio::spawn(write(db.without_group(), rx));
            tx
        });
        let (done, answer) = oneshot::channel();
        queue
            .send(Pending { work, done })
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn write(db: Db, mut queue: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP {
            match queue.try_recv() {
                Ok(p) => group.push(p),
                Err(_) => break,
            }
        }
        let mut answers = Vec::with_capacity(group.len());
        let mut works = Vec::with_capacity(group.len());
        for p in group {
            answers.push(p.done);
            works.push(p.work);
        }
        let result = run_group(&db, works).await;
        for done in answers {
            let answer = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(same_error(e)),
            };
            // A caller that gave up (its request was dropped) is not
            // waiting: its work is committed all the same.
            if done.send(answer).is_err() {
                tracing::debug!("a grouped write's caller left before its commit");
            }
        }
    }
}

async fn run_group(db: &Db, works: Vec<Work>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for work in works {
        work(&mut tx).await?;
    }
    tx.commit().await
}

/// The group's error for each of its callers (sqlx's errors cannot be
/// copied): the kinds callers tell apart kept, the others described.
fn same_error(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::Io(io) => sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => sqlx::Error::Protocol(format!("the grouped write failed: {other}")),
    }
}
