//! Outgoing mail. The default transport is a folder: each message is a file, and its link is
//! also written to the server log, so a self-hosted install works with no mail server.

use std::path::PathBuf;

use anyhow::Context;

#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Writes one message; returns the file it went to.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<PathBuf> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .with_context(|| format!("cannot create the outbox folder {}", self.dir.display()))?;
        let stamp = crate::time_fmt::now().replace([':', '.'], "-");
        let safe_to: String = to
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '@' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{stamp}-{safe_to}.txt"));
        let message = format!("To: {to}\nSubject: {subject}\n\n{body}\n");
        tokio::fs::write(&path, message)
            .await
            .with_context(|| format!("cannot write {}", path.display()))?;
        tracing::info!(to, subject, file = %path.display(), "mail written to the outbox:\n{body}");
        Ok(path)
    }
}
