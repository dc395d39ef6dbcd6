//! Settings, from command-line flags or `EJENTO_*` environment variables.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, ValueEnum};

/// Who may register after the first user (who always may, and founds the organization).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignupPolicy {
    /// Later sign-ups join the first organization with the role User.
    Open,
    /// Only the first user may sign up; everyone else is created by an administrator.
    Closed,
    /// Every sign-up founds its own organization (a hosted, multi-tenant service).
    Organizations,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path?mode=rwc` (embedded) or `postgres://…` (scale-out).
    #[arg(
        long,
        env = "EJENTO_DATABASE_URL",
        default_value = "sqlite://data/ejento.db?mode=rwc"
    )]
    pub database_url: String,

    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "EJENTO_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Folder of the built dashboard (`trunk build --release` writes `dist/`); served with SPA fallback.
    #[arg(long, env = "EJENTO_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Secret that signs access tokens. When unset, one is generated on first start and kept in
    /// the database, so every replica shares it.
    #[arg(long, env = "EJENTO_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Key that seals tool secrets (API keys of API tools) in the database. When unset, one is
    /// generated on first start and kept in the database; set it to keep the key out of it.
    #[arg(long, env = "EJENTO_SECRETS_KEY", hide_env_values = true)]
    pub secrets_key: Option<String>,

    /// A file holding `EJENTO_JWT_SECRET` (a Docker or Kubernetes secret), read at start.
    #[arg(long, env = "EJENTO_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// A file holding `EJENTO_SECRETS_KEY`, read at start.
    #[arg(long, env = "EJENTO_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,

    /// Lifetime of an `ejento_access_token`, in seconds.
    #[arg(long, env = "EJENTO_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl_secs: u64,

    /// Lifetime of an auth-app (refresh) token, in seconds.
    #[arg(long, env = "EJENTO_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: u64,

    #[arg(long, env = "EJENTO_SIGNUP", value_enum, default_value_t = SignupPolicy::Open)]
    pub signup: SignupPolicy,

    /// Where mail is written when no SMTP server is configured (one file per message).
    #[arg(long, env = "EJENTO_OUTBOX_DIR", default_value = "data/outbox")]
    pub outbox_dir: PathBuf,

    /// The mail server: `smtps://user:password@smtp.example.com` (TLS), or
    /// `smtp://user:password@smtp.example.com:587?tls=required` (STARTTLS). Unset: the outbox
    /// folder. It holds a password, so it is never shown or logged.
    #[arg(long, env = "EJENTO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of mail, e.g. `Ejento <no-reply@example.com>`; default no-reply at the public
    /// URL's host.
    #[arg(long, env = "EJENTO_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// The dashboard's public address, used in links sent by mail.
    #[arg(long, env = "EJENTO_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// Failed sign-ins to one account from one address before that address must wait: one
    /// minute, doubling with each further failure up to 15 (the owner elsewhere is not held).
    #[arg(long, env = "EJENTO_LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = 5)]
    pub login_max_failures_per_account: i64,

    /// Failed sign-ins to one account from all addresses within the window before password
    /// sign-in to it pauses for everyone (a distributed guess); e-mail links still work.
    #[arg(long, env = "EJENTO_LOGIN_MAX_FAILURES_ACCOUNT_WIDE", default_value_t = 50)]
    pub login_max_failures_account_wide: i64,

    /// Sign-in links one account may be sent within the window.
    #[arg(long, env = "EJENTO_PASSWORDLESS_MAX_PER_ACCOUNT", default_value_t = 5)]
    pub passwordless_max_per_account: i64,

    /// Failed sign-ins and sign-in links requested per client address within the window before
    /// further attempts get 429.
    #[arg(long, env = "EJENTO_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 30)]
    pub login_max_failures_per_address: i64,

    /// The sliding window of the two limits above, in seconds.
    #[arg(long, env = "EJENTO_LOGIN_WINDOW", default_value_t = 900)]
    pub login_window_secs: i64,

    /// Load balancers and proxies (addresses or networks) whose `X-Forwarded-For` is believed:
    /// the client is the rightmost hop that is not one of them.
    #[arg(long, env = "EJENTO_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Older spelling: believe `X-Forwarded-For` from whoever connects, taking its rightmost
    /// hop (only behind a load balancer that every request passes through).
    #[arg(long, env = "EJENTO_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Where uploaded originals are kept: a folder, or `s3://bucket/prefix` (AWS_* variables).
    #[arg(long, env = "EJENTO_OBJECT_STORE", default_value = "data/objects")]
    pub object_store: String,

    /// This server's search index folder (rebuilt from the database when missing).
    #[arg(long, env = "EJENTO_INDEX_DIR", default_value = "data/index")]
    pub index_dir: PathBuf,

    /// Largest file (or fetched web page) accepted, in MB.
    #[arg(long, env = "EJENTO_MAX_UPLOAD_MB", default_value_t = 50)]
    pub max_upload_mb: u64,

    /// Indexing jobs run at once by this server.
    #[arg(long, env = "EJENTO_INDEX_WORKERS", default_value_t = 2)]
    pub index_workers: usize,

    /// Seconds a worker holds a job without renewing its lease; a crashed worker's jobs are
    /// taken over after this.
    #[arg(long, env = "EJENTO_INDEX_LEASE", default_value_t = 30)]
    pub index_lease_secs: i64,

    /// Times a job is started before it ends `failed` with its last reason: a file that kills
    /// its parser, or the server, on every attempt stops being tried.
    #[arg(long, env = "EJENTO_INDEX_MAX_ATTEMPTS", default_value_t = 3)]
    pub index_max_attempts: i64,

    /// Memory (address space) a parse child may use, in MB; past it the document fails.
    #[arg(long, env = "EJENTO_PARSE_MEMORY_MB", default_value_t = 1024)]
    pub parse_memory_mb: u64,

    /// Seconds a parse child may take to parse and chunk one document before it is killed.
    #[arg(long, env = "EJENTO_PARSE_TIMEOUT", default_value_t = 120)]
    pub parse_timeout_secs: u64,

    /// Text one document may hold once extracted, in MB.
    #[arg(long, env = "EJENTO_MAX_DOCUMENT_TEXT_MB", default_value_t = 20)]
    pub max_document_text_mb: u64,

    /// The program started as the parse child with `parse` (default: this server's own binary).
    #[arg(long, env = "EJENTO_PARSE_PROGRAM")]
    pub parse_program: Option<PathBuf>,

    /// Pause between batches of chunks written, to cap the load indexing puts on the database.
    #[arg(long, env = "EJENTO_INDEX_BATCH_PAUSE_MS", default_value_t = 0)]
    pub index_batch_pause_ms: u64,

    /// Time limit for fetching a web link.
    #[arg(long, env = "EJENTO_WEBLINK_TIMEOUT", default_value_t = 30)]
    pub weblink_timeout_secs: u64,

    /// Hosts and networks the server may fetch from on a user's behalf although they are
    /// private (web links, API tools, web search): `intranet.example, .corp.example,
    /// 10.0.0.0/8, ::1`, or `*` for everything. Empty: only public addresses.
    #[arg(long, env = "EJENTO_OUTBOUND_ALLOW", default_value = "")]
    pub outbound_allow: String,

    /// Older spelling of `EJENTO_OUTBOUND_ALLOW=*`.
    #[arg(long, env = "EJENTO_WEBLINK_ALLOW_PRIVATE", default_value_t = false)]
    pub weblink_allow_private: bool,

    /// Web links in corpora with refresh enabled are fetched again when older than this.
    #[arg(long, env = "EJENTO_REFRESH_INTERVAL", default_value_t = 24 * 3600)]
    pub refresh_interval_secs: i64,

    /// Pause between the words the local answerer streams, so answers read as they arrive.
    #[arg(long, env = "EJENTO_LOCAL_TOKEN_DELAY_MS", default_value_t = 15)]
    pub local_token_delay_ms: u64,

    /// OpenAI-compatible model endpoints, as a JSON list of
    /// `{name, base_url, model, api_key_env, input_price_per_1k, output_price_per_1k}`.
    #[arg(long, env = "EJENTO_MODEL_DEPLOYMENTS", default_value = "")]
    pub model_deployments: String,

    /// The local embedding model's folder (all-MiniLM-L6-v2: `model.safetensors`,
    /// `tokenizer.json`, `config.json`). `auto`: where `scripts/setup.sh` installs it
    /// (`~/.cache/ejento/models/all-MiniLM-L6-v2`); `off`: no retrieval by meaning. A missing or
    /// wrong model is reported at start and search falls back to keywords (BM25).
    #[arg(long, env = "EJENTO_EMBEDDING_MODEL_DIR", default_value = "auto")]
    pub embedding_model_dir: String,

    /// An OpenAI-compatible embeddings endpoint to use instead of the local model, as JSON
    /// `{name, base_url, model, api_key_env, dimensions}` (`dimensions`: the length of its vectors).
    #[arg(long, env = "EJENTO_EMBEDDING_DEPLOYMENT", default_value = "")]
    pub embedding_deployment: String,

    /// Longest wait for a model endpoint's first byte, and between two of its chunks.
    #[arg(long, env = "EJENTO_LLM_TIMEOUT", default_value_t = 60)]
    pub llm_timeout_secs: u64,

    /// A response whose writer has shown no sign of life for this long (its server died) is
    /// ended as failed, so nobody waits for it forever.
    #[arg(long, env = "EJENTO_STREAM_STALE_SECS", default_value_t = 8)]
    pub stream_stale_secs: i64,

    /// A client that has not sent a whole request head this many seconds after connecting (or
    /// after its previous response) is disconnected: slow or silent clients cannot hold
    /// connections for free.
    #[arg(long, env = "EJENTO_HEADER_READ_TIMEOUT_SECS", default_value_t = 30)]
    pub header_read_timeout_secs: u64,

    /// Run the server's clock from this instant (RFC 3339, e.g. `2024-02-29T12:00:00Z`) instead
    /// of real time, for demos and tests of date-dependent views; the dashboard follows it.
    #[arg(long, env = "EJENTO_CLOCK_START")]
    pub clock_start: Option<String>,
}

/// A number no other call in this process returns.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A secret given in the environment or in a file; a file that cannot be read, or is empty, is
/// an error naming it rather than a silent fallback to a key kept in the database.
fn secret(name: &str, value: Option<&str>, file: Option<&std::path::Path>) -> anyhow::Result<Option<String>> {
    if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
        return Ok(Some(value.to_string()));
    }
    let Some(file) = file else { return Ok(None) };
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("{name}_FILE: cannot read {}: {e}", file.display()))?;
    let text = text.trim();
    anyhow::ensure!(!text.is_empty(), "{name}_FILE: {} is empty", file.display());
    Ok(Some(text.to_string()))
}

impl Config {
    /// The configured model deployments; a clear error when the JSON is wrong.
    pub fn deployments(&self) -> anyhow::Result<Vec<crate::chat::openai::Deployment>> {
        if self.model_deployments.trim().is_empty() {
            return Ok(Vec::new());
        }
        serde_json::from_str(&self.model_deployments).map_err(|e| {
            anyhow::anyhow!(
                "EJENTO_MODEL_DEPLOYMENTS is not a JSON list of {{name, base_url, model, api_key_env, \
                 input_price_per_1k, output_price_per_1k}}: {e}"
            )
        })
    }

    /// The embedding model: the remote deployment when one is configured, else the local model
    /// (`None`, with the reason in the log, when there is none: search is then by keywords).
    /// An embedding deployment that is not valid JSON is an error.
    pub fn embedder(&self) -> anyhow::Result<Option<std::sync::Arc<dyn crate::embeddings::Embedder>>> {
        #[derive(serde::Deserialize)]
        struct EmbeddingDeployment {
            #[serde(flatten)]
            deployment: crate::chat::openai::Deployment,
            dimensions: usize,
        }
        if !self.embedding_deployment.trim().is_empty() {
            let d: EmbeddingDeployment = serde_json::from_str(&self.embedding_deployment).map_err(|e| {
                anyhow::anyhow!(
                    "EJENTO_EMBEDDING_DEPLOYMENT is not JSON {{name, base_url, model, api_key_env, dimensions}}: {e}"
                )
            })?;
            anyhow::ensure!(
                (1..=8192).contains(&d.dimensions),
                "EJENTO_EMBEDDING_DEPLOYMENT: dimensions must be 1 to 8192"
            );
            tracing::info!(deployment = %d.deployment.name, dimensions = d.dimensions, "embedding with a remote endpoint");
            let timeout = std::time::Duration::from_secs(self.llm_timeout_secs);
            return Ok(Some(std::sync::Arc::new(crate::embeddings::remote::Remote::new(
                d.deployment,
                d.dimensions,
                timeout,
            ))));
        }
        let dir = match self.embedding_model_dir.trim() {
            "off" | "" => None,
            "auto" => crate::embeddings::minilm::default_dir(),
            path => Some(PathBuf::from(path)),
        };
        Ok(crate::embeddings::open_local(dir.as_deref()))
    }

    /// The token signing secret from `EJENTO_JWT_SECRET` or its `_FILE`; `None` when neither is
    /// set (the database then keeps one).
    pub fn jwt_secret(&self) -> anyhow::Result<Option<String>> {
        secret(
            "EJENTO_JWT_SECRET",
            self.jwt_secret.as_deref(),
            self.jwt_secret_file.as_deref(),
        )
    }

    /// The key sealing tool secrets, from `EJENTO_SECRETS_KEY` or its `_FILE`.
    pub fn secrets_key(&self) -> anyhow::Result<Option<String>> {
        secret(
            "EJENTO_SECRETS_KEY",
            self.secrets_key.as_deref(),
            self.secrets_key_file.as_deref(),
        )
    }

    /// Whether the server is reached over https (cookies are Secure, HSTS is sent, keys must
    /// come from outside the database).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Whose `X-Forwarded-For` names the client.
    pub fn proxies(&self) -> anyhow::Result<crate::net::TrustedProxies> {
        if self.trust_forwarded_for && self.trusted_proxies.trim().is_empty() {
            return Ok(crate::net::TrustedProxies::any_peer());
        }
        crate::net::TrustedProxies::parse(&self.trusted_proxies).map_err(anyhow::Error::msg)
    }

    /// What the guarded outbound client may reach although it is private.
    pub fn outbound_allow_list(&self) -> anyhow::Result<crate::outbound::AllowList> {
        if self.weblink_allow_private {
            return Ok(crate::outbound::AllowList::everything());
        }
        crate::outbound::AllowList::parse(&self.outbound_allow).map_err(anyhow::Error::msg)
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(1024 * 1024)
    }

    /// What one document may expand to while it is parsed: its parts may unpack to four times
    /// the largest upload, its text is capped by `max_document_text_mb`.
    pub fn parse_limits(&self) -> crate::indexing::parse::Limits {
        crate::indexing::parse::Limits {
            max_inflated: self.max_upload_bytes().saturating_mul(4),
            max_text: self.max_document_text_mb.saturating_mul(1024 * 1024),
        }
    }

    /// Settings for a test or an embedded run: a given database, port 0, defaults for the rest.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".parse().expect("literal address"),
            dist: PathBuf::from("dist"),
            jwt_secret: None,
            secrets_key: None,
            jwt_secret_file: None,
            secrets_key_file: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            signup: SignupPolicy::Open,
            outbox_dir: std::env::temp_dir().join("ejento-outbox"),
            smtp_url: None,
            mail_from: None,
            public_url: "http://127.0.0.1:8080".into(),
            login_max_failures_per_account: 5,
            login_max_failures_account_wide: 50,
            passwordless_max_per_account: 5,
            login_max_failures_per_address: 30,
            login_window_secs: 900,
            trusted_proxies: String::new(),
            trust_forwarded_for: false,
            // Per process: two servers must never share a search index folder.
            object_store: std::env::temp_dir()
                .join(format!("ejento-objects-{}", std::process::id()))
                .display()
                .to_string(),
            index_dir: std::env::temp_dir().join(format!("ejento-index-{}-{}", std::process::id(), unique())),
            max_upload_mb: 50,
            index_workers: 2,
            index_lease_secs: 30,
            index_max_attempts: 3,
            parse_memory_mb: 1024,
            parse_timeout_secs: 120,
            max_document_text_mb: 20,
            parse_program: None,
            index_batch_pause_ms: 0,
            weblink_timeout_secs: 30,
            outbound_allow: String::new(),
            weblink_allow_private: false,
            refresh_interval_secs: 24 * 3600,
            local_token_delay_ms: 0,
            model_deployments: String::new(),
            // Tests that search by meaning say so; the others stay fast and keyword-only.
            embedding_model_dir: "off".into(),
            embedding_deployment: String::new(),
            llm_timeout_secs: 60,
            stream_stale_secs: 8,
            header_read_timeout_secs: 30,
            clock_start: None,
        }
    }
}
