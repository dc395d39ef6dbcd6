//! The one stream engine for answers being written, agent answers and workflow answers alike.
//! Generators plug into it with their own preparation and generation only; the engine owns the
//! rest, so both kinds behave the same:
//!
//! - **Writing.** [`StreamEngine::spawn`] registers the answer and runs its generator, which
//!   emits events through an [`AnswerWriter`]. Every event is stored before anyone sees it
//!   (group commit: one writer task stores whatever has gathered in one transaction), together
//!   with what the answer has said so far, so the stored answer always holds every piece a
//!   follower was sent, even after a crash.
//! - **Following.** A follower on the server writing the answer reads its events from memory as
//!   they are stored; it costs no database work. A follower elsewhere reads what it lacks from
//!   the database (the one source of truth) when told of a change: on PostgreSQL by
//!   `LISTEN/NOTIFY` (the answer's id and last event id, never the text), and by this server's
//!   own sweep. Nothing polls. A follower resuming after `end` is closed at once; one whose
//!   database read fails is told to reconnect ([`Followed::Lost`]).
//! - **Liveness.** One task per server touches all the answers it writes in one statement every
//!   quarter of `EJENTO_STREAM_STALE_SECS` (default 8 s) and then sweeps: answers untouched
//!   for longer lost their writer, and are ended `failed` with what they said, an `error` and
//!   an `end`. A crash is seen within the stale time plus one beat (10 s by default).
//! - **Stop.** Whoever may see an answer may stop it while it is written ([`StreamEngine::stop`]);
//!   the generator sees the flag at once here, and through the database on other servers.

use std::{
    collections::HashMap,
    future::Future,
    pin::{Pin, pin},
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::{Stream, StreamExt, stream};
use tokio::sync::{Notify, futures::OwnedNotified, mpsc, oneshot};

pub use crate::store::answers::{AnswerKind, EventRow};
use crate::{
    error::Error,
    store::{
        Store,
        answers::{CHANGES_CHANNEL, Change, EVENTS_PER_READ, NewEvent, SaidSoFar},
        callers::AUTH_CHANNEL,
    },
};

/// An answer: its kind and id.
pub type AnswerKey = (AnswerKind, i64);

/// Events gathered into one transaction at most.
const BATCH: usize = 250;

/// What an event adds to the answer's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    Nothing,
    /// Answer text, appended.
    Answer(String),
    /// Thought-process text, appended.
    Thought(String),
    /// The final text of a workflow's consolidated answer: it replaces the agents' answers
    /// streamed before it, and is then appended to.
    Final(String),
}

/// An answer's text so far, as its events built it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaidState {
    pub text: String,
    pub thoughts: String,
    consolidating: bool,
}

impl SaidState {
    pub fn apply(&mut self, said: &Said) {
        match said {
            Said::Nothing => {}
            Said::Answer(delta) => self.text.push_str(delta),
            Said::Thought(delta) => self.thoughts.push_str(delta),
            Said::Final(delta) => {
                if !self.consolidating {
                    self.consolidating = true;
                    self.text.clear();
                }
                self.text.push_str(delta);
            }
        }
    }
}

/// An answer being written in this process: its events so far (followers here read them from
/// memory), and its Stop flag.
#[derive(Default)]
pub struct Live {
    stop: AtomicBool,
    log: Mutex<Vec<EventRow>>,
    wake: Notify,
    /// The generator is done (its `end` is in the log, unless storing it failed).
    closed: AtomicBool,
}

impl Live {
    fn push(&self, row: EventRow) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(row);
        self.wake.notify_waiters();
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    /// Events after `seq`, and whether the last event in the log is an `end` at or before it.
    fn after(&self, seq: i64) -> (Vec<EventRow>, bool) {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let from = log.partition_point(|(s, _, _)| *s <= seq);
        let ended_before = from == log.len() && log.last().is_some_and(|(_, name, _)| name == "end");
        (log[from..].to_vec(), ended_before)
    }

    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

struct Pending {
    kind: AnswerKind,
    answer: i64,
    seq: i64,
    event: &'static str,
    data: String,
    said: Said,
    stored: oneshot::Sender<Result<(), String>>,
}

/// How often a server says its answers are alive, and when an answer counts as orphaned.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    pub stale: Duration,
    pub beat: Duration,
}

impl Liveness {
    /// A beat every quarter of the stale time: three beats may be late before an answer is
    /// taken for dead.
    pub fn from_stale_secs(stale_secs: i64) -> Self {
        let stale = Duration::from_secs(stale_secs.max(1) as u64);
        Self {
            stale,
            beat: (stale / 4).max(Duration::from_millis(250)),
        }
    }
}

pub struct StreamEngine {
    store: Store,
    liveness: Liveness,
    writer: mpsc::Sender<Pending>,
    writing: Mutex<HashMap<AnswerKey, Arc<Live>>>,
    /// Followers waiting on answers written elsewhere, woken by change notices.
    watched: Mutex<HashMap<AnswerKey, Weak<Notify>>>,
    /// Dropped with the engine: its background tasks end.
    _alive: oneshot::Sender<()>,
}

impl StreamEngine {
    /// Starts the engine's writer and its liveness task; with a PostgreSQL URL, also listens
    /// for the other servers' change notices.
    pub fn start(store: Store, liveness: Liveness, postgres_url: Option<String>) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(8 * BATCH);
        let (alive, gone) = oneshot::channel();
        let engine = Arc::new(Self {
            store: store.clone(),
            liveness,
            writer: tx,
            writing: Mutex::new(HashMap::new()),
            watched: Mutex::new(HashMap::new()),
            _alive: alive,
        });
        tokio::spawn(write(store, rx));
        tokio::spawn(keep_alive(Arc::downgrade(&engine)));
        if let Some(url) = postgres_url {
            let weak = Arc::downgrade(&engine);
            tokio::spawn(async move {
                tokio::select! {
                    () = listen(weak, url) => {}
                    _ = gone => {}
                }
            });
        }
        engine
    }

    /// Runs `generate` to its end whoever follows, as an answer being written here.
    pub fn spawn<T, Fut>(
        self: &Arc<Self>,
        key: AnswerKey,
        generate: impl FnOnce(AnswerWriter) -> Fut,
    ) -> tokio::task::JoinHandle<T>
    where
        T: Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        let live = Arc::new(Live::default());
        self.writing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, live.clone());
        let registered = Registered {
            engine: self.clone(),
            key,
            live: live.clone(),
        };
        let work = generate(AnswerWriter {
            engine: self.clone(),
            key,
            live,
            seq: 0,
        });
        tokio::spawn(async move {
            // Unregistered however the generator ends, a panic included.
            let _registered = registered;
            work.await
        })
    }

    /// The answer, if it is being written here.
    pub fn live(&self, key: AnswerKey) -> Option<Arc<Live>> {
        self.writing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned()
    }

    /// Stop: recorded once while the answer is written (false once it has ended), and seen at
    /// once by its generator when it runs here.
    pub async fn stop(&self, key: AnswerKey) -> crate::error::Result<bool> {
        let asked = self.store.request_answer_stop(key.0, key.1).await?;
        if let Some(live) = self.live(key) {
            live.stop.store(true, Ordering::SeqCst);
        }
        Ok(asked)
    }

    /// The answer's events after `after`, until its `end`.
    pub fn follow(self: &Arc<Self>, key: AnswerKey, after: i64) -> impl Stream<Item = Followed> + Send + 'static {
        let cursor = Cursor {
            live: self.live(key),
            engine: self.clone(),
            key,
            after,
            first: true,
            done: false,
            armed: None,
        };
        stream::unfold(cursor, next_batch).flat_map(stream::iter)
    }

    /// Ends every orphaned answer, both kinds, in batches until none is left; how many.
    pub async fn sweep(&self) -> crate::error::Result<usize> {
        let cutoff = crate::time_fmt::from_now(time::Duration::milliseconds(-(self.liveness.stale.as_millis() as i64)));
        let mut ended = 0;
        for kind in AnswerKind::ALL {
            loop {
                let changes = self.store.fail_stale_answers(kind, &cutoff).await?;
                ended += changes.len();
                for change in &changes {
                    self.announce(change);
                }
                // A batch that ends nothing: none is left (or another server is ending them).
                if changes.is_empty() {
                    break;
                }
            }
        }
        Ok(ended)
    }

    /// Says that every answer written here is alive (one statement per kind).
    async fn beat(&self) -> crate::error::Result<()> {
        let keys: Vec<AnswerKey> = self
            .writing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        for kind in AnswerKind::ALL {
            let ids: Vec<i64> = keys.iter().filter(|k| k.0 == kind).map(|k| k.1).collect();
            if !ids.is_empty() {
                self.store.touch_answers(kind, &ids).await?;
            }
        }
        Ok(())
    }

    fn watch(&self, key: AnswerKey) -> Arc<Notify> {
        let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(signal) = watched.get(&key).and_then(Weak::upgrade) {
            return signal;
        }
        if watched.len() >= 1024 && watched.len().is_power_of_two() {
            watched.retain(|_, signal| signal.strong_count() > 0);
        }
        let signal = Arc::new(Notify::new());
        watched.insert(key, Arc::downgrade(&signal));
        signal
    }

    /// Wakes this server's followers of an answer that changed.
    fn announce(&self, change: &Change) {
        let signal = self
            .watched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(change.kind, change.answer))
            .and_then(Weak::upgrade);
        if let Some(signal) = signal {
            signal.notify_waiters();
        }
    }

    /// Wakes every follower here (notices may have been missed): each reads once.
    fn announce_all(&self) {
        let signals: Vec<Arc<Notify>> = self
            .watched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for signal in signals {
            signal.notify_waiters();
        }
    }
}

/// Removes an answer from the registry when its generator ends, however it ends.
struct Registered {
    engine: Arc<StreamEngine>,
    key: AnswerKey,
    live: Arc<Live>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.engine
            .writing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
        self.live.close();
    }
}

/// A generator's handle: emits its answer's events, and tells it when Stop was pressed.
pub struct AnswerWriter {
    engine: Arc<StreamEngine>,
    key: AnswerKey,
    live: Arc<Live>,
    seq: i64,
}

impl AnswerWriter {
    pub fn id(&self) -> i64 {
        self.key.1
    }

    /// How many events were emitted.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Stores the event (with what it says), then hands it to the followers.
    pub async fn emit(&mut self, event: &'static str, data: String, said: Said) -> Result<(), String> {
        self.seq += 1;
        let (stored, done) = oneshot::channel();
        let pending = Pending {
            kind: self.key.0,
            answer: self.key.1,
            seq: self.seq,
            event,
            data: data.clone(),
            said,
            stored,
        };
        self.engine
            .writer
            .send(pending)
            .await
            .map_err(|_| "the event writer stopped".to_string())?;
        done.await.unwrap_or_else(|_| Err("the event writer stopped".into()))?;
        self.live.push((self.seq, event.to_string(), data));
        Ok(())
    }

    /// Stop pressed here, or (when `ask_database`) on another server.
    pub async fn stop_requested(&self, ask_database: bool) -> bool {
        self.live.stop_requested()
            || (ask_database
                && self
                    .engine
                    .store
                    .answer_stop_requested(self.key.0, self.key.1)
                    .await
                    .unwrap_or(false))
    }
}

/// What a follower gets.
pub enum Followed {
    Event(EventRow),
    /// The database could not be read: the follower should reconnect and resume.
    Lost(Error),
}

struct Cursor {
    engine: Arc<StreamEngine>,
    key: AnswerKey,
    live: Option<Arc<Live>>,
    after: i64,
    first: bool,
    done: bool,
    /// Listening since before the last database read, which read everything then stored: the
    /// next read waits for news instead of asking again at once (half the reads of a follower
    /// that connects to an answer written elsewhere).
    armed: Option<Pin<Box<OwnedNotified>>>,
}

impl Cursor {
    fn batch(mut self, rows: Vec<EventRow>) -> Option<(Vec<Followed>, Cursor)> {
        if let Some((last, _, _)) = rows.last() {
            self.after = *last;
        }
        self.done = rows.iter().any(|(_, name, _)| name == "end");
        self.first = false;
        Some((rows.into_iter().map(Followed::Event).collect(), self))
    }
}

async fn next_batch(mut cursor: Cursor) -> Option<(Vec<Followed>, Cursor)> {
    if cursor.done {
        return None;
    }
    loop {
        if let Some(live) = cursor.live.clone() {
            let mut woken = pin!(live.wake.notified());
            woken.as_mut().enable();
            let (rows, ended_before) = live.after(cursor.after);
            if !rows.is_empty() {
                return cursor.batch(rows);
            }
            if ended_before {
                return None;
            }
            if !live.closed.load(Ordering::SeqCst) {
                woken.await;
                continue;
            }
            // The generator ended without its `end` in memory: what the database holds decides.
            cursor.live = None;
        }
        if let Some(armed) = cursor.armed.take() {
            armed.await;
        }
        let mut woken = Box::pin(cursor.engine.watch(cursor.key).notified_owned());
        woken.as_mut().enable();
        // A follower resuming reads the event it last saw too: if that was `end`, it is done.
        let from = if cursor.first {
            (cursor.after - 1).max(0)
        } else {
            cursor.after
        };
        // Boxed: the read's state is large and needed only while it runs, while a follower's
        // state lives as long as its answer is written (about 0.5 KB with the read boxed,
        // measured with heaptrack beside 2,000 idle followers).
        let read = Box::pin(
            cursor
                .engine
                .store
                .answer_events_after(cursor.key.0, cursor.key.1, from),
        );
        let rows = match read.await {
            Ok(rows) => rows,
            Err(e) => {
                cursor.done = true;
                return Some((vec![Followed::Lost(e)], cursor));
            }
        };
        let read_all = rows.len() < EVENTS_PER_READ;
        let (seen, rows): (Vec<EventRow>, Vec<EventRow>) =
            rows.into_iter().partition(|(seq, _, _)| *seq <= cursor.after);
        if cursor.first && seen.iter().any(|(_, name, _)| name == "end") {
            return None;
        }
        cursor.first = false;
        if !rows.is_empty() {
            if read_all {
                cursor.armed = Some(woken);
            }
            return cursor.batch(rows);
        }
        woken.await;
    }
}

/// The group-commit writer: whatever has gathered is stored in one transaction, with the text
/// each answer has said so far, and then each event is acknowledged. One event alone goes out
/// at once; a thousand answers share a few transactions.
async fn write(store: Store, mut rx: mpsc::Receiver<Pending>) {
    let mut said: HashMap<AnswerKey, SaidState> = HashMap::new();
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let before: HashMap<AnswerKey, SaidState> = batch
            .iter()
            .map(|p: &Pending| (p.kind, p.answer))
            .filter_map(|k| said.get(&k).map(|s| (k, s.clone())))
            .collect();
        let mut touched: Vec<AnswerKey> = Vec::new();
        for p in &batch {
            if p.said != Said::Nothing {
                said.entry((p.kind, p.answer)).or_default().apply(&p.said);
                if !touched.contains(&(p.kind, p.answer)) {
                    touched.push((p.kind, p.answer));
                }
            }
        }
        let result = store_batch(&store, &batch, &touched, &said).await;
        if result.is_ok() {
            finish(&mut said, batch.drain(..), |_| Ok(()));
            continue;
        }
        // One bad event (say, of an answer a crash sweep already ended) must not fail the
        // others that shared its transaction: store them one by one, each with its own text.
        for key in &touched {
            match before.get(key) {
                Some(state) => said.insert(*key, state.clone()),
                None => said.remove(key),
            };
        }
        for p in batch.drain(..) {
            let key = (p.kind, p.answer);
            let mut state = said.get(&key).cloned().unwrap_or_default();
            state.apply(&p.said);
            let touched: Vec<AnswerKey> = if p.said == Said::Nothing { vec![] } else { vec![key] };
            let mut one = HashMap::new();
            one.insert(key, state.clone());
            let result = store_batch(&store, std::slice::from_ref(&p), &touched, &one)
                .await
                .map_err(|e| e.to_string());
            if result.is_ok() {
                said.insert(key, state);
            }
            finish(&mut said, std::iter::once(p), |_| result.clone());
        }
    }
}

/// Acknowledges stored events; an answer's text is forgotten with its `end`.
fn finish(
    said: &mut HashMap<AnswerKey, SaidState>,
    done: impl Iterator<Item = Pending>,
    result: impl Fn(&Pending) -> Result<(), String>,
) {
    for p in done {
        if p.event == "end" {
            said.remove(&(p.kind, p.answer));
        }
        let r = result(&p);
        let _ = p.stored.send(r);
    }
}

async fn store_batch(
    store: &Store,
    batch: &[Pending],
    touched: &[AnswerKey],
    said: &HashMap<AnswerKey, SaidState>,
) -> crate::error::Result<()> {
    let events: Vec<NewEvent> = batch
        .iter()
        .map(|p| NewEvent {
            kind: p.kind,
            answer: p.answer,
            seq: p.seq,
            event: p.event,
            data: &p.data,
        })
        .collect();
    let so_far: Vec<SaidSoFar> = touched
        .iter()
        .filter_map(|key| {
            said.get(key).map(|s| SaidSoFar {
                kind: key.0,
                answer: key.1,
                text: &s.text,
                thoughts: &s.thoughts,
            })
        })
        .collect();
    store.append_answer_events(&events, &so_far).await
}

/// Every beat: the answers written here are touched, then orphaned ones are swept. One loop
/// does both, so a server never sweeps an answer it is writing.
async fn keep_alive(engine: Weak<StreamEngine>) {
    let beat = match engine.upgrade() {
        Some(e) => e.liveness.beat,
        None => return,
    };
    loop {
        tokio::time::sleep(beat).await;
        let Some(engine) = engine.upgrade() else { return };
        if let Err(e) = engine.beat().await {
            tracing::error!(error = %e, "could not say the answers written here are alive");
        }
        match engine.sweep().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(answers = n, "ended answers whose server stopped writing them"),
            Err(e) => tracing::error!(error = %e, "could not sweep orphaned answers"),
        }
    }
}

/// Change notices from the other servers (PostgreSQL `LISTEN`): new events of answers, and
/// changes to sign-ins (for the store's [`CallerCache`](crate::store::callers::CallerCache)).
/// After any gap in listening (start, a dropped connection) every follower reads once, so a
/// notice missed meanwhile costs one read, never an event; and while the gap lasts no sign-in
/// is kept, so none can outlive its revocation.
async fn listen(engine: Weak<StreamEngine>, url: String) {
    loop {
        let listening = async {
            let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
            listener.listen_all([CHANGES_CHANNEL, AUTH_CHANNEL]).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match listening.await {
            Ok(mut listener) => {
                let Some(e) = engine.upgrade() else { return };
                e.store.callers().set_hearing(true);
                e.announce_all();
                drop(e);
                loop {
                    let notice = listener.try_recv().await;
                    let Some(e) = engine.upgrade() else { return };
                    match notice {
                        Ok(Some(notice)) if notice.channel() == AUTH_CHANNEL => e.store.callers().forget_all(),
                        Ok(Some(notice)) => {
                            if let Some(change) = Change::parse(notice.payload()) {
                                e.announce(&change);
                            }
                        }
                        Ok(None) => {
                            e.store.callers().set_hearing(false);
                            tracing::warn!("the connection for change notices dropped; listening again");
                            break;
                        }
                        Err(error) => {
                            e.store.callers().set_hearing(false);
                            tracing::warn!(error = %error, "lost the change notices; listening again");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not listen for change notices"),
        }
        if engine.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_so_far_is_what_the_events_said_and_a_consolidation_replaces_the_drafts() {
        let mut s = SaidState::default();
        for said in [
            Said::Thought("Searching. ".into()),
            Said::Answer("Refunds take ".into()),
            Said::Nothing,
            Said::Answer("14 days.".into()),
        ] {
            s.apply(&said);
        }
        assert_eq!(
            (s.text.as_str(), s.thoughts.as_str()),
            ("Refunds take 14 days.", "Searching. ")
        );
        s.apply(&Said::Final("**Billing** ".into()));
        s.apply(&Said::Final("14 days.".into()));
        assert_eq!(s.text, "**Billing** 14 days.");
    }

    #[test]
    fn a_beat_is_a_quarter_of_the_stale_time() {
        let l = Liveness::from_stale_secs(8);
        assert_eq!((l.stale, l.beat), (Duration::from_secs(8), Duration::from_secs(2)));
        assert_eq!(Liveness::from_stale_secs(0).beat, Duration::from_millis(250));
    }
}
