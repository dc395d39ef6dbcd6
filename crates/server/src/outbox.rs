//! Outgoing mail, through a mail server (`EJENTO_SMTP_URL`) or, without one, into a folder —
//! each message a file — so a self-hosted install works with no mail server. The log names the
//! recipient and the subject, never the message: mail carries sign-in links and codes, and logs
//! are read by more people than mailboxes are.

use std::path::PathBuf;

use anyhow::Context;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox, message::header::ContentType,
};

/// Longest wait for the mail server, so a request that sends mail never hangs on it.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Clone)]
pub struct Outbox {
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Folder(PathBuf),
    Smtp(Box<Smtp>),
}

#[derive(Clone)]
struct Smtp {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why a message did not leave.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The mail server refused or did not answer; the reason is its own, without credentials.
    #[error("the mail server did not take the message: {0}")]
    Server(String),
    #[error(transparent)]
    Local(#[from] anyhow::Error),
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP transport holds credentials: show only which kind this is.
        match &self.transport {
            Transport::Folder(dir) => write!(f, "Outbox(folder {})", dir.display()),
            Transport::Smtp(smtp) => write!(f, "Outbox(smtp, from {})", smtp.from),
        }
    }
}

impl Outbox {
    /// The folder transport.
    pub fn new(dir: PathBuf) -> Self {
        Self {
            transport: Transport::Folder(dir),
        }
    }

    /// From the configuration: SMTP when `EJENTO_SMTP_URL` is set, else the folder. A wrong
    /// URL stops the start with the reason (never the URL, which holds a password).
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Self> {
        let Some(url) = config.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Self::new(config.outbox_dir.clone()));
        };
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("EJENTO_SMTP_URL is not a usable smtp:// or smtps:// URL: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = match &config.mail_from {
            Some(from) => from
                .parse()
                .map_err(|e| anyhow::anyhow!("EJENTO_MAIL_FROM is not a mail address: {e}"))?,
            None => {
                let host = reqwest::Url::parse(&config.public_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
                    .unwrap_or_else(|| "localhost.localdomain".into());
                format!("Ejento <no-reply@{host}>")
                    .parse()
                    .context("the default sender address")?
            }
        };
        Ok(Self {
            transport: Transport::Smtp(Box::new(Smtp { mailer, from })),
        })
    }

    /// Sends (or writes) one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        match &self.transport {
            Transport::Folder(dir) => {
                let path = write_to_folder(dir, to, subject, body).await?;
                tracing::info!(to, subject, file = %path.display(), "mail written to the outbox");
            }
            Transport::Smtp(smtp) => {
                let message = Message::builder()
                    .from(smtp.from.clone())
                    .to(to.parse().context("the recipient address")?)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_string())
                    .context("building the message")?;
                smtp.mailer
                    .send(message)
                    .await
                    .map_err(|e| SendError::Server(e.to_string()))?;
                tracing::info!(to, subject, "mail sent");
            }
        }
        Ok(())
    }
}

async fn write_to_folder(dir: &std::path::Path, to: &str, subject: &str, body: &str) -> anyhow::Result<PathBuf> {
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("cannot create the outbox folder {}", dir.display()))?;
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
    let path = dir.join(format!("{stamp}-{safe_to}.txt"));
    let message = format!("To: {to}\nSubject: {subject}\n\n{body}\n");
    tokio::fs::write(&path, message)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}
