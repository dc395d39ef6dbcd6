//! Ending answers whose writer died. An answer is written by one server, which touches it every
//! third of `EJENTO_STREAM_STALE_SECS`; one untouched for longer lost its writer (a crash, a
//! kill, a lost network). Every server sweeps such answers — agent and workflow answers alike —
//! at start and then periodically, in batches until none is left, so no answer stays
//! `streaming` whether or not anyone follows it.

use std::time::Duration;

use crate::store::Store;

/// Ends every orphaned answer (both kinds); how many were ended.
pub async fn orphaned_answers(store: &Store, stale_secs: i64) -> anyhow::Result<u64> {
    let cutoff = crate::time_fmt::from_now(time::Duration::seconds(-stale_secs));
    let mut ended = 0;
    // Each call ends one batch; a batch that ends nothing means none is left (or another
    // server is ending them).
    loop {
        let batch = store.fail_stale_responses(None, &cutoff).await?;
        ended += batch;
        if batch == 0 {
            break;
        }
    }
    ended += store.fail_stale_workflow_responses(None, &cutoff).await?;
    Ok(ended)
}

/// Sweeps every third of the stale time, for as long as the server runs.
pub fn start(store: Store, stale_secs: i64) {
    let every = Duration::from_secs((stale_secs / 3).clamp(1, 15) as u64);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            match orphaned_answers(&store, stale_secs).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(answers = n, "ended answers whose server stopped writing them"),
                Err(e) => tracing::error!(error = %e, "could not sweep orphaned answers"),
            }
        }
    });
}
