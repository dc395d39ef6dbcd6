//! Every SQL statement of the server, one module per resource. Routes call the store; the
//! store knows nothing of HTTP. Queries use `$n` placeholders, valid on SQLite and PostgreSQL.

mod api_keys;
mod passwordless;
mod settings;
mod throttle;
mod tokens;
mod users;

pub use api_keys::{ApiKeyRow, NewApiKey};
pub use passwordless::PasswordlessRow;
pub use tokens::RefreshTokenRow;
pub use users::{NewUser, SignupOutcome, UserRow};

use crate::db::Db;

#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
}

impl Store {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn pool(&self) -> &sqlx::AnyPool {
        &self.db.pool
    }
}
