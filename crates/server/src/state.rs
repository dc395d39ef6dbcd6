//! What every handler shares: configuration, the store and the services built on it. Built
//! once at start ([`AppState::init`]); the router is built from it in [`crate::startup`], which
//! nothing below the routes imports.

use std::sync::Arc;

use crate::{
    auth::tokens::{JwtKeys, random_secret},
    chat::{
        ChatHub,
        stream::{Liveness, StreamEngine},
    },
    config::Config,
    db::Db,
    evaluation::EvaluationRunner,
    indexing::Indexer,
    objects::Objects,
    outbound::Outbound,
    outbox::Outbox,
    search::{bm25::Bm25Index, sync::SearchSync},
    store::Store,
    tools::SecretBox,
    workflow::WorkflowHub,
};

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub jwt: Arc<JwtKeys>,
    pub outbox: Outbox,
    pub objects: Objects,
    pub search: Arc<SearchSync>,
    pub indexer: Indexer,
    pub chat: Arc<ChatHub>,
    /// Writes and follows answers, agent and workflow answers alike.
    pub streams: Arc<StreamEngine>,
    pub workflows: Arc<WorkflowHub>,
    pub evaluations: Arc<EvaluationRunner>,
    pub secrets: Arc<SecretBox>,
    /// Everything fetched on a user's behalf goes through this.
    pub outbound: Outbound,
    /// Whose `X-Forwarded-For` names the client (for throttling).
    pub proxies: Arc<crate::net::TrustedProxies>,
}

impl AppState {
    /// Connects, migrates and loads the signing secret (generated and stored on first start).
    pub async fn init(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let store = Store::new(db);
        // Responses from before analytics rollups existed are counted once, on this start.
        if store.rollups_need_rebuild().await? {
            let report = store.rebuild_usage_rollups().await?;
            tracing::info!(
                responses = report.responses,
                rows = report.rows,
                "analytics rollups built"
            );
        }
        let (jwt_secret, secrets_key) = (config.jwt_secret()?, config.secrets_key()?);
        let stored: Vec<&str> = [
            ("EJENTO_JWT_SECRET", jwt_secret.is_none()),
            ("EJENTO_SECRETS_KEY", secrets_key.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        if !stored.is_empty() {
            let names = stored.join(" and ");
            anyhow::ensure!(
                !config.is_https(),
                "{names} must be set (or given as {names}_FILE) when EJENTO_PUBLIC_URL is https: \
                 without them the keys that sign sign-ins and seal tool secrets would be kept in the \
                 same database as the data they protect."
            );
            tracing::warn!(
                "{names} not set: the key is generated and kept IN THE DATABASE, beside the data it protects. \
                 Anyone with a copy of the database can forge sign-ins or open tool secrets. Set {names} \
                 (or {names}_FILE) for any install other people use."
            );
        }
        let secret = match jwt_secret {
            Some(s) => s,
            None => store.setting_or_init("jwt_secret", &random_secret()).await?,
        };
        let secrets = Arc::new(SecretBox::new(&match secrets_key {
            Some(s) => s,
            None => store.setting_or_init("secrets_key", &random_secret()).await?,
        }));
        let outbox = Outbox::from_config(&config)?;
        let objects = Objects::open(&config.object_store)?;
        let index = Bm25Index::open(&config.index_dir)?;
        let search = SearchSync::new(store.clone(), Arc::new(index), config.embedder()?);
        let outbound = Outbound::new(config.outbound_allow_list()?);
        let proxies = Arc::new(config.proxies()?);
        let config = Arc::new(config);
        let indexer = Indexer::new(
            store.clone(),
            objects.clone(),
            search.clone(),
            config.clone(),
            outbound.clone(),
        );
        let deployments = config.deployments()?;
        let names: Vec<String> = deployments.iter().map(|d| d.name.clone()).collect();
        store.sync_deployments(&names).await?;
        let postgres = (store.db().backend == crate::db::Backend::Postgres).then(|| config.database_url.clone());
        let streams = StreamEngine::start(
            store.clone(),
            Liveness::from_stale_secs(config.stream_stale_secs),
            postgres,
        );
        let chat = ChatHub::new(
            store.clone(),
            search.clone(),
            config.clone(),
            deployments,
            secrets.clone(),
            outbound.clone(),
            streams.clone(),
        );
        let workflows = WorkflowHub::new(store.clone(), search.clone(), chat.clone());
        let evaluations = EvaluationRunner::new(store.clone(), chat.clone());
        Ok(Self {
            config,
            store,
            jwt: Arc::new(JwtKeys::new(&secret)),
            outbox,
            objects,
            search,
            indexer,
            chat,
            workflows,
            streams,
            evaluations,
            secrets,
            outbound,
            proxies,
        })
    }
}
