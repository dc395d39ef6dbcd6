//! What agent answers and workflow answers share while they are written: their events, the
//! answer so far, the writer's sign of life, Stop, and ending the ones whose writer died. The
//! two kinds keep their rows and events in tables of their own; [`AnswerKind`] names them, and
//! every statement here serves both.

use sqlx::{Any, Transaction};

use super::{Store, analytics, analytics::Usage};
use crate::{db::Backend, error::Result, time_fmt};

/// Which kind of answer: an agent's, or a workflow's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    Agent,
    Workflow,
}

impl AnswerKind {
    fn table(self) -> &'static str {
        match self {
            AnswerKind::Agent => "agent_responses",
            AnswerKind::Workflow => "workflow_responses",
        }
    }

    fn events_table(self) -> &'static str {
        match self {
            AnswerKind::Agent => "response_events",
            AnswerKind::Workflow => "workflow_response_events",
        }
    }

    /// The column of the events table naming the answer.
    fn owner_column(self) -> &'static str {
        match self {
            AnswerKind::Agent => "response_id",
            AnswerKind::Workflow => "workflow_response_id",
        }
    }

    /// The field of an answer's output naming it.
    pub fn id_field(self) -> &'static str {
        match self {
            AnswerKind::Agent => "agent_response_id",
            AnswerKind::Workflow => "workflow_response_id",
        }
    }

    /// The letter that names the kind in a change notice (`a:12:40`).
    fn letter(self) -> char {
        match self {
            AnswerKind::Agent => 'a',
            AnswerKind::Workflow => 'w',
        }
    }

    pub const ALL: [AnswerKind; 2] = [AnswerKind::Agent, AnswerKind::Workflow];
}

/// Events one read returns at most: a read that returns fewer has read everything stored.
pub const EVENTS_PER_READ: usize = 500;

/// The PostgreSQL channel on which servers tell each other that an answer has new events.
pub const CHANGES_CHANNEL: &str = "ejento_answer_events";

/// A change notice: which answer, and the id of its newest stored event. Never the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub kind: AnswerKind,
    pub answer: i64,
    pub seq: i64,
}

impl Change {
    pub fn payload(&self) -> String {
        format!("{}:{}:{}", self.kind.letter(), self.answer, self.seq)
    }

    pub fn parse(payload: &str) -> Option<Self> {
        let mut parts = payload.split(':');
        let kind = match parts.next()? {
            "a" => AnswerKind::Agent,
            "w" => AnswerKind::Workflow,
            _ => return None,
        };
        let answer = parts.next()?.parse().ok()?;
        let seq = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(Change { kind, answer, seq })
    }
}

/// One event to store.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub kind: AnswerKind,
    pub answer: i64,
    pub seq: i64,
    pub event: &'a str,
    pub data: &'a str,
}

/// What an answer has said so far, stored with the events that said it.
#[derive(Debug, Clone, Copy)]
pub struct SaidSoFar<'a> {
    pub kind: AnswerKind,
    pub answer: i64,
    pub text: &'a str,
    pub thoughts: &'a str,
}

/// An event as followers get it: (seq, event name, JSON data).
pub type EventRow = (i64, String, String);

impl Store {
    /// Stores events and what their answers have said so far, all or nothing, and (on
    /// PostgreSQL) tells the other servers which answers changed when it commits.
    pub async fn append_answer_events(&self, events: &[NewEvent<'_>], said: &[SaidSoFar<'_>]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.write().await?;
        for kind in AnswerKind::ALL {
            let mine: Vec<&NewEvent> = events.iter().filter(|e| e.kind == kind).collect();
            if !mine.is_empty() {
                let sql = format!(
                    "INSERT INTO {} ({}, seq, event, data) VALUES {}",
                    kind.events_table(),
                    kind.owner_column(),
                    placeholders(mine.len(), 4)
                );
                let mut query = sqlx::query(&sql);
                for e in &mine {
                    query = query.bind(e.answer).bind(e.seq).bind(e.event).bind(e.data);
                }
                query.execute(&mut *tx).await?;
            }
            let said: Vec<&SaidSoFar> = said.iter().filter(|s| s.kind == kind).collect();
            if !said.is_empty() {
                // Both databases name the columns of a VALUES list column1, column2, …
                let sql = format!(
                    "UPDATE {t} SET response = v.column2{thoughts} FROM (VALUES {values}) AS v \
                     WHERE {t}.id = v.column1 AND {t}.status = 'streaming'",
                    t = kind.table(),
                    thoughts = if kind == AnswerKind::Agent {
                        ", thoughts = v.column3"
                    } else {
                        ""
                    },
                    values = placeholders(said.len(), 3),
                );
                let mut query = sqlx::query(&sql);
                for s in &said {
                    query = query.bind(s.answer).bind(s.text).bind(s.thoughts);
                }
                query.execute(&mut *tx).await?;
            }
        }
        let mut changes: Vec<Change> = Vec::new();
        for e in events {
            match changes.iter_mut().find(|c| c.kind == e.kind && c.answer == e.answer) {
                Some(c) => c.seq = c.seq.max(e.seq),
                None => changes.push(Change {
                    kind: e.kind,
                    answer: e.answer,
                    seq: e.seq,
                }),
            }
        }
        self.notify_changes(&mut tx, &changes).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tells the other servers (PostgreSQL `NOTIFY`, sent when `tx` commits) that these answers
    /// have new events. One server on SQLite has nobody to tell.
    async fn notify_changes(&self, tx: &mut Transaction<'static, Any>, changes: &[Change]) -> Result<()> {
        if self.db().backend != Backend::Postgres || changes.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT pg_notify('{CHANGES_CHANNEL}', v.column1) FROM (VALUES {}) AS v",
            placeholders(changes.len(), 1)
        );
        let mut query = sqlx::query(&sql);
        for c in changes {
            query = query.bind(c.payload());
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }

    /// Events of an answer after `seq`, in order (at most [`EVENTS_PER_READ`] at a time).
    pub async fn answer_events_after(&self, kind: AnswerKind, answer: i64, seq: i64) -> Result<Vec<EventRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT seq, event, data FROM {} WHERE {} = $1 AND seq > $2 ORDER BY seq LIMIT {EVENTS_PER_READ}",
            kind.events_table(),
            kind.owner_column()
        ))
        .bind(answer)
        .bind(seq)
        .fetch_all(self.pool())
        .await?)
    }

    /// The writer of these answers is alive: one statement for all of a server's answers.
    pub async fn touch_answers(&self, kind: AnswerKind, answers: &[i64]) -> Result<()> {
        for chunk in answers.chunks(500) {
            let sql = format!(
                "UPDATE {} SET modified_on = $1 WHERE status = 'streaming' AND id IN ({})",
                kind.table(),
                (2..chunk.len() + 2)
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut query = sqlx::query(&sql).bind(time_fmt::now());
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Stop: asked once, while the answer is being written; false when it has already ended.
    pub async fn request_answer_stop(&self, kind: AnswerKind, answer: i64) -> Result<bool> {
        let done = sqlx::query(&format!(
            "UPDATE {} SET cancel_requested = 1 WHERE id = $1 AND status = 'streaming'",
            kind.table()
        ))
        .bind(answer)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn answer_stop_requested(&self, kind: AnswerKind, answer: i64) -> Result<bool> {
        let (flag,): (i64,) = sqlx::query_as(&format!("SELECT cancel_requested FROM {} WHERE id = $1", kind.table()))
            .bind(answer)
            .fetch_one(self.pool())
            .await?;
        Ok(flag != 0)
    }

    /// Ends up to 100 answers whose writer fell silent before `cutoff` (a crash, a kill, a lost
    /// network): each becomes `failed`, keeping what it said, and its stream gets an `error` and
    /// an `end` carrying that text. The status change is conditional, so only one server ends
    /// each. Returns what changed, so that followers can be told.
    pub async fn fail_stale_answers(&self, kind: AnswerKind, cutoff: &str) -> Result<Vec<Change>> {
        let thread = match kind {
            AnswerKind::Agent => "COALESCE(chat_thread_id, 0)",
            AnswerKind::Workflow => "thread_id",
        };
        let stale: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
            "SELECT id, {thread}, query FROM {} WHERE status = 'streaming' AND modified_on < $1 ORDER BY id LIMIT 100",
            kind.table()
        ))
        .bind(cutoff)
        .fetch_all(self.pool())
        .await?;
        let message = "The server writing this answer stopped before it finished. Ask again.";
        let mut changes = Vec::new();
        for (id, thread, query) in stale {
            let mut tx = self.db.write().await?;
            let won: Option<(String,)> = sqlx::query_as(&format!(
                "UPDATE {} SET status = 'failed', modified_on = $2 WHERE id = $1 AND status = 'streaming' \
                 RETURNING response",
                kind.table()
            ))
            .bind(id)
            .bind(time_fmt::now())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((answer,)) = won else {
                continue;
            };
            if kind == AnswerKind::Agent {
                // Asked, not answered: a query that used nothing it reported.
                let key: analytics::ResponseKeyRow = sqlx::query_as(&format!(
                    "SELECT {} FROM agent_responses WHERE id = $1",
                    analytics::KEY_COLUMNS
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                analytics::add_usage(&mut tx, &analytics::key_of(&key), Usage::answered(0, 0, 0, "0")).await?;
            }
            let (last,): (i64,) = sqlx::query_as(&format!(
                "SELECT COALESCE(MAX(seq), 0) FROM {} WHERE {} = $1",
                kind.events_table(),
                kind.owner_column()
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let error = serde_json::json!({"step": "error", "message": message, "delta": "",
                "output": {"error": {"details": message}, "blocked": false}});
            let mut output = serde_json::json!({
                "answer": answer, "thread_id": thread, "query": query, "status": "failed",
                "success": false, "message": message, "references": []});
            output[kind.id_field()] = id.into();
            let end = serde_json::json!({"step": "end", "success": false, "message": message, "output": output});
            let (error, end) = (error.to_string(), end.to_string());
            let sql = format!(
                "INSERT INTO {} ({}, seq, event, data) VALUES ($1, $2, $3, $4), ($1, $5, $6, $7)",
                kind.events_table(),
                kind.owner_column()
            );
            sqlx::query(&sql)
                .bind(id)
                .bind(last + 1)
                .bind("error")
                .bind(&error)
                .bind(last + 2)
                .bind("end")
                .bind(&end)
                .execute(&mut *tx)
                .await?;
            let change = Change {
                kind,
                answer: id,
                seq: last + 2,
            };
            self.notify_changes(&mut tx, &[change]).await?;
            tx.commit().await?;
            changes.push(change);
        }
        Ok(changes)
    }
}

/// `($1, $2), ($3, $4), …`: `rows` rows of `width` parameters.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_notice_names_the_answer_and_its_last_event_and_nothing_else() {
        let change = Change {
            kind: AnswerKind::Workflow,
            answer: 12,
            seq: 40,
        };
        assert_eq!(change.payload(), "w:12:40");
        assert_eq!(Change::parse("w:12:40"), Some(change));
        for bad in ["", "x:1:2", "a:1", "a:1:2:3", "a:one:2", "a:1:-"] {
            assert_eq!(Change::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn placeholders_number_rows_one_after_another() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 1), "($1)");
    }
}
