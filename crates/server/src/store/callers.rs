//! Sign-ins this replica has recently found alive, with their users, so that an authenticated
//! request usually needs no database statement at all.
//!
//! What keeps it right:
//! - Only a live sign-in of an existing user is kept. Anything refused is asked again each time.
//! - Every change to what it holds forgets everything: a signed-out session, a revoked family,
//!   a changed role, name, activity or password, a deleted user. The replica that made the
//!   change forgets as soon as it commits ([`CallerCache::forget_all`] in the store's writes),
//!   so the next request it serves asks the database.
//! - The other replicas hear it from PostgreSQL (`NOTIFY` on the [`AUTH_CHANNEL`], sent by
//!   triggers on those tables when the change commits, whichever code made it) and forget too,
//!   within the time a notice takes to arrive. While a replica cannot hear notices (before its
//!   listener connects, after the connection drops) it keeps nothing.
//! - A lookup that began before a change never stores what it read: every change moves the
//!   epoch, and an answer read under an older epoch is dropped.
//! - As a last bound, nothing is kept longer than [`KEPT_FOR`].

use std::{
    collections::HashMap,
    sync::{
        RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::UserRow;

/// The PostgreSQL channel on which a change to users, organizations or sign-ins is announced.
pub const AUTH_CHANNEL: &str = "ejento_auth";

/// The longest a sign-in is trusted without asking the database again.
pub const KEPT_FOR: Duration = Duration::from_secs(10);

/// Most sign-ins kept; past it the cache starts over (each costs one statement to bring back).
const MOST_KEPT: usize = 50_000;

#[derive(Debug)]
pub struct CallerCache {
    entries: RwLock<HashMap<(i64, String), (UserRow, Instant)>>,
    epoch: AtomicU64,
    /// Whether changes made elsewhere reach this replica (always, on SQLite's single server).
    hearing: AtomicBool,
}

impl CallerCache {
    pub fn new(hearing: bool) -> Self {
        Self {
            entries: RwLock::default(),
            epoch: AtomicU64::new(0),
            hearing: AtomicBool::new(hearing),
        }
    }

    /// The user of a live sign-in, if this replica knows it.
    pub fn get(&self, user: i64, session: &str) -> Option<UserRow> {
        if !self.hearing.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let (row, at) = entries.get(&(user, session.to_string()))?;
        (at.elapsed() < KEPT_FOR).then(|| row.clone())
    }

    /// Where changes stand now: read it before asking the database, give it to [`Self::keep`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Keeps a live sign-in read under `epoch`, unless something changed since.
    pub fn keep(&self, user: &UserRow, session: &str, epoch: u64) {
        if !self.hearing.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        // Checked under the lock that `forget_all` clears under: no change slips in between.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MOST_KEPT {
            entries.clear();
        }
        entries.insert((user.id, session.to_string()), (user.clone(), Instant::now()));
    }

    /// Something a sign-in depends on changed: nothing kept is trusted any more.
    pub fn forget_all(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Whether this replica hears the others' changes; while it does not, it keeps nothing.
    pub fn set_hearing(&self, hearing: bool) {
        self.forget_all();
        self.hearing.store(hearing, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> UserRow {
        UserRow {
            id,
            organization_id: 1,
            org_name: "Org".into(),
            email: format!("u{id}@example.com"),
            password_hash: None,
            first_name: String::new(),
            last_name: String::new(),
            role: "User".into(),
            is_active: 1,
            created_on: String::new(),
        }
    }

    #[test]
    fn a_sign_in_read_before_a_change_is_not_kept() {
        let cache = CallerCache::new(true);
        let before = cache.epoch();
        cache.forget_all();
        cache.keep(&user(1), "s", before);
        assert!(cache.get(1, "s").is_none());
        cache.keep(&user(1), "s", cache.epoch());
        assert_eq!(cache.get(1, "s").map(|u| u.id), Some(1));
        assert!(cache.get(1, "other session").is_none());
    }

    #[test]
    fn a_change_forgets_everything_and_a_deaf_replica_keeps_nothing() {
        let cache = CallerCache::new(true);
        cache.keep(&user(1), "s", cache.epoch());
        cache.forget_all();
        assert!(cache.get(1, "s").is_none());
        cache.set_hearing(false);
        cache.keep(&user(1), "s", cache.epoch());
        assert!(cache.get(1, "s").is_none());
        cache.set_hearing(true);
        cache.keep(&user(1), "s", cache.epoch());
        assert!(cache.get(1, "s").is_some());
    }
}
