//! What users say about agents: comments, reviews, ratings, votes; and what they keep close:
//! stars, recently opened items, aliases.

use ejento_api::{Alias, Comment, Review};

use super::{Store, pagination::PageRequest};
use crate::{
    error::{Result, ResultExt},
    time_fmt,
};

#[derive(Debug, Clone, sqlx::FromRow)]
struct CommentRow {
    id: i64,
    agent_id: i64,
    user_id: i64,
    author: String,
    comment: String,
    created_on: String,
    modified_on: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    agent_id: i64,
    agent_name: String,
    user_id: i64,
    author: String,
    review: String,
    rating: Option<i64>,
    created_on: String,
    modified_on: String,
}

const COMMENT_SELECT: &str = "SELECT c.id, c.agent_id, c.user_id, u.email AS author, c.comment, c.created_on, c.modified_on \
     FROM agent_comments c JOIN users u ON u.id = c.user_id";
const REVIEW_SELECT: &str = "SELECT r.id, r.agent_id, a.agent_name, r.user_id, u.email AS author, r.review, r.rating, \
     r.created_on, r.modified_on FROM agent_reviews r JOIN users u ON u.id = r.user_id JOIN agents a ON a.id = r.agent_id";

/// Item kinds kept in the recent list.
#[derive(Debug, Clone, Copy)]
pub enum RecentKind {
    Agent,
    Team,
    Project,
}

impl RecentKind {
    fn as_str(self) -> &'static str {
        match self {
            RecentKind::Agent => "agent",
            RecentKind::Team => "team",
            RecentKind::Project => "project",
        }
    }
}

/// How many recent items of each kind a user keeps.
const RECENT_LIMIT: i64 = 20;

impl Store {
    pub async fn list_comments(&self, agent: i64, page: PageRequest) -> Result<(Vec<Comment>, i64)> {
        let rows: Vec<CommentRow> = sqlx::query_as(&format!(
            "{COMMENT_SELECT} WHERE c.agent_id = $1 AND c.is_deleted = 0 ORDER BY c.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(agent)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM agent_comments WHERE agent_id = $1 AND is_deleted = 0")
                .bind(agent)
                .fetch_one(self.pool())
                .await?;
        Ok((rows.into_iter().map(comment).collect(), count))
    }

    pub async fn find_comment(&self, agent: i64, id: i64) -> Result<Option<Comment>> {
        let row: Option<CommentRow> = sqlx::query_as(&format!(
            "{COMMENT_SELECT} WHERE c.agent_id = $1 AND c.id = $2 AND c.is_deleted = 0"
        ))
        .bind(agent)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(comment))
    }

    pub async fn create_comment(&self, agent: i64, user: i64, text: &str) -> Result<i64> {
        let now = time_fmt::now();
        Ok(sqlx::query_scalar(
            "INSERT INTO agent_comments (agent_id, user_id, comment, created_on, modified_on) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(agent)
        .bind(user)
        .bind(text)
        .bind(&now)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn update_comment(&self, id: i64, text: &str) -> Result<()> {
        sqlx::query("UPDATE agent_comments SET comment = $1, modified_on = $2 WHERE id = $3")
            .bind(text)
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_comment(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE agent_comments SET is_deleted = 1, modified_on = $1 WHERE id = $2")
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Reviews of one agent, or (with `agent` None) every review written by `user`.
    pub async fn list_reviews(
        &self,
        agent: Option<i64>,
        user: Option<i64>,
        page: PageRequest,
    ) -> Result<(Vec<Review>, i64)> {
        let where_ =
            "r.is_deleted = 0 AND a.is_deleted = 0 AND ($1 = 0 OR r.agent_id = $1) AND ($2 = 0 OR r.user_id = $2)";
        let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
            "{REVIEW_SELECT} WHERE {where_} ORDER BY r.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(agent.unwrap_or(0))
        .bind(user.unwrap_or(0))
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(self.pool())
        .await?;
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM agent_reviews r JOIN agents a ON a.id = r.agent_id WHERE {where_}"
        ))
        .bind(agent.unwrap_or(0))
        .bind(user.unwrap_or(0))
        .fetch_one(self.pool())
        .await?;
        Ok((rows.into_iter().map(review).collect(), count))
    }

    pub async fn find_review(&self, agent: i64, id: i64) -> Result<Option<Review>> {
        let row: Option<ReviewRow> = sqlx::query_as(&format!(
            "{REVIEW_SELECT} WHERE r.agent_id = $1 AND r.id = $2 AND r.is_deleted = 0"
        ))
        .bind(agent)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(review))
    }

    pub async fn create_review(&self, agent: i64, user: i64, text: &str, rating: Option<i64>) -> Result<i64> {
        let now = time_fmt::now();
        Ok(sqlx::query_scalar(
            "INSERT INTO agent_reviews (agent_id, user_id, review, rating, created_on, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(agent)
        .bind(user)
        .bind(text)
        .bind(rating)
        .bind(&now)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn update_review(&self, id: i64, text: &str, rating: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE agent_reviews SET review = $1, rating = $2, modified_on = $3 WHERE id = $4")
            .bind(text)
            .bind(rating)
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_review(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE agent_reviews SET is_deleted = 1, modified_on = $1 WHERE id = $2")
            .bind(time_fmt::now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// (sum, count, the user's own) ratings of an agent.
    pub async fn rating_summary(&self, agent: i64, user: i64) -> Result<(i64, i64, Option<i64>)> {
        let (sum, count): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(rating), 0) AS BIGINT), COUNT(*) FROM agent_ratings WHERE agent_id = $1",
        )
        .bind(agent)
        .fetch_one(self.pool())
        .await?;
        let mine: Option<i64> =
            sqlx::query_scalar("SELECT rating FROM agent_ratings WHERE agent_id = $1 AND user_id = $2")
                .bind(agent)
                .bind(user)
                .fetch_optional(self.pool())
                .await?;
        Ok((sum, count, mine))
    }

    pub async fn set_rating(&self, agent: i64, user: i64, rating: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO agent_ratings (agent_id, user_id, rating, modified_on) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agent_id, user_id) DO UPDATE SET rating = excluded.rating, modified_on = excluded.modified_on",
        )
        .bind(agent)
        .bind(user)
        .bind(rating)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every rating in the organization that the caller can see agents of: (agent, name, avg, count).
    pub async fn all_ratings(&self, agent_ids: &[i64]) -> Result<Vec<(i64, f64, i64)>> {
        if agent_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT agent_id, CAST(SUM(rating) AS BIGINT), COUNT(*) FROM agent_ratings WHERE agent_id IN ({}) GROUP BY agent_id ORDER BY agent_id",
            super::pagination::placeholders(1, agent_ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
        for id in agent_ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|(agent, sum, n)| (agent, ((sum as f64 / n.max(1) as f64) * 100.0).round() / 100.0, n))
            .collect())
    }

    /// (likes, dislikes, the user's own vote: 1, -1 or none).
    pub async fn vote_summary(&self, agent: i64, user: i64) -> Result<(i64, i64, Option<i64>)> {
        let (up, down): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN vote > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN vote < 0 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM agent_votes WHERE agent_id = $1",
        )
        .bind(agent)
        .fetch_one(self.pool())
        .await?;
        let mine: Option<i64> = sqlx::query_scalar("SELECT vote FROM agent_votes WHERE agent_id = $1 AND user_id = $2")
            .bind(agent)
            .bind(user)
            .fetch_optional(self.pool())
            .await?;
        Ok((up, down, mine))
    }

    /// Records a vote (1 or -1), or withdraws it (0).
    pub async fn set_vote(&self, agent: i64, user: i64, vote: i64) -> Result<()> {
        if vote == 0 {
            sqlx::query("DELETE FROM agent_votes WHERE agent_id = $1 AND user_id = $2")
                .bind(agent)
                .bind(user)
                .execute(self.pool())
                .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO agent_votes (agent_id, user_id, vote, modified_on) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agent_id, user_id) DO UPDATE SET vote = excluded.vote, modified_on = excluded.modified_on",
        )
        .bind(agent)
        .bind(user)
        .bind(vote)
        .bind(time_fmt::now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn set_starred(&self, user: i64, agent: i64, starred: bool) -> Result<()> {
        if starred {
            sqlx::query(
                "INSERT INTO starred_agents (user_id, agent_id, created_on) VALUES ($1, $2, $3) ON CONFLICT (user_id, agent_id) DO NOTHING",
            )
            .bind(user)
            .bind(agent)
            .bind(time_fmt::now())
            .execute(self.pool())
            .await?;
        } else {
            sqlx::query("DELETE FROM starred_agents WHERE user_id = $1 AND agent_id = $2")
                .bind(user)
                .bind(agent)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// Records a visit, keeping only the newest few of each kind.
    pub async fn touch_recent(&self, user: i64, kind: RecentKind, item: i64) -> Result<()> {
        let mut tx = self.db.write().await?;
        sqlx::query(
            "INSERT INTO recent_items (user_id, kind, item_id, visited_on) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, kind, item_id) DO UPDATE SET visited_on = excluded.visited_on",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(item)
        .bind(time_fmt::now())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM recent_items WHERE user_id = $1 AND kind = $2 AND item_id NOT IN \
             (SELECT item_id FROM recent_items WHERE user_id = $1 AND kind = $2 ORDER BY visited_on DESC LIMIT $3)",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(RECENT_LIMIT)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn forget_recent(&self, user: i64, kind: RecentKind, item: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM recent_items WHERE user_id = $1 AND kind = $2 AND item_id = $3")
            .bind(user)
            .bind(kind.as_str())
            .bind(item)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ids of the user's recent items of a kind, newest first.
    pub async fn recent_ids(&self, user: i64, kind: RecentKind) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT item_id FROM recent_items WHERE user_id = $1 AND kind = $2 ORDER BY visited_on DESC LIMIT $3",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(RECENT_LIMIT)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn list_aliases(&self, agent: i64) -> Result<Vec<Alias>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, agent_id, alias, created_by, created_on FROM agent_aliases WHERE agent_id = $1 ORDER BY id",
        )
        .bind(agent)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(alias).collect())
    }

    pub async fn find_alias(&self, agent: i64, id: i64) -> Result<Option<Alias>> {
        let row: Option<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, agent_id, alias, created_by, created_on FROM agent_aliases WHERE agent_id = $1 AND id = $2",
        )
        .bind(agent)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(alias))
    }

    pub async fn create_alias(&self, agent: i64, value: &str, by: &str) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO agent_aliases (agent_id, alias, created_by, created_on) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(agent)
        .bind(value)
        .bind(by)
        .bind(time_fmt::now())
        .fetch_one(self.pool())
        .await
        .on_unique_violation(|| format!("The alias {value} is already taken."))
    }

    pub async fn update_alias(&self, id: i64, value: &str) -> Result<()> {
        sqlx::query("UPDATE agent_aliases SET alias = $1 WHERE id = $2")
            .bind(value)
            .bind(id)
            .execute(self.pool())
            .await
            .on_unique_violation(|| format!("The alias {value} is already taken."))?;
        Ok(())
    }

    pub async fn delete_alias(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM agent_aliases WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

fn comment(r: CommentRow) -> Comment {
    Comment {
        id: r.id,
        agent_id: r.agent_id,
        user_id: r.user_id,
        author: r.author,
        comment: r.comment,
        created_on: r.created_on,
        modified_on: r.modified_on,
    }
}

fn review(r: ReviewRow) -> Review {
    Review {
        id: r.id,
        agent_id: r.agent_id,
        agent_name: r.agent_name,
        user_id: r.user_id,
        author: r.author,
        review: r.review,
        rating: r.rating,
        created_on: r.created_on,
        modified_on: r.modified_on,
    }
}

fn alias((id, agent_id, alias, created_by, created_on): (i64, i64, String, String, String)) -> Alias {
    Alias {
        id,
        agent_id,
        alias,
        created_by,
        created_on,
    }
}
