//! Group commit for response events. Every token of every answer is persisted before anyone is
//! told of it; with many answers streaming at once, one INSERT per token would queue them all
//! behind the database's single writer (SQLite). Emitters hand their events to one writer task
//! instead, which stores whatever has gathered in one multi-row INSERT and then acknowledges each
//! event: one event alone goes out at once, a thousand answers share a few statements.

use tokio::sync::{mpsc, oneshot};

use crate::store::Store;

/// Events gathered into one statement at most (4 parameters each, far below any database limit).
const BATCH: usize = 250;

struct Pending {
    response_id: i64,
    seq: i64,
    event: &'static str,
    data: String,
    stored: oneshot::Sender<Result<(), String>>,
}

/// A handle to the writer; cheap to clone.
#[derive(Clone)]
pub struct EventWriter {
    tx: mpsc::Sender<Pending>,
    store: Store,
}

impl EventWriter {
    /// Starts the writer task (it ends when the last handle is dropped).
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(8 * BATCH);
        tokio::spawn(write(store.clone(), rx));
        Self { tx, store }
    }

    /// Returns once the event is stored.
    pub async fn append(&self, response_id: i64, seq: i64, event: &'static str, data: String) -> Result<(), String> {
        let (stored, done) = oneshot::channel();
        let pending = Pending {
            response_id,
            seq,
            event,
            data,
            stored,
        };
        match self.tx.send(pending).await {
            Ok(()) => done.await.unwrap_or_else(|_| Err("the event writer stopped".into())),
            // The writer is gone (shutting down): store it directly.
            Err(mpsc::error::SendError(p)) => self
                .store
                .append_events(&[(p.response_id, p.seq, p.event, p.data.as_str())])
                .await
                .map_err(|e| e.to_string()),
        }
    }
}

async fn write(store: Store, mut rx: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let rows: Vec<(i64, i64, &str, &str)> = batch
            .iter()
            .map(|p| (p.response_id, p.seq, p.event, p.data.as_str()))
            .collect();
        if store.append_events(&rows).await.is_ok() {
            for p in batch.drain(..) {
                let _ = p.stored.send(Ok(()));
            }
            continue;
        }
        // One bad event (say, a response already ended by a crash sweep) must not fail the
        // others that shared its statement: store them one by one.
        for p in batch.drain(..) {
            let result = store
                .append_events(&[(p.response_id, p.seq, p.event, p.data.as_str())])
                .await
                .map_err(|e| e.to_string());
            let _ = p.stored.send(result);
        }
    }
}
