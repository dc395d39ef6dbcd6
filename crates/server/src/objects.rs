//! Where uploaded originals are kept: a local folder by default, any S3-compatible bucket when
//! `EJENTO_OBJECT_STORE=s3://bucket/prefix` (credentials from the usual `AWS_*` variables), so
//! that replicas share files by configuration alone.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use bytes::Bytes;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, path::Path, prefix::PrefixStore};

use crate::error::Error;

/// How long a request to the bucket may keep retrying. The library's default (ten retries over
/// three minutes) would hold an upload that long while the storage is down; a person waiting on
/// it is better told at once that the storage is unavailable.
const S3_RETRY: RetryConfig = RetryConfig {
    backoff: object_store::BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        base: 2.0,
    },
    max_retries: 3,
    retry_timeout: Duration::from_secs(10),
};

#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
}

impl Objects {
    pub fn open(location: &str) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_retry(S3_RETRY)
                .build()
                .context("configure the S3 object store (EJENTO_OBJECT_STORE and AWS_* variables)")?;
            if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(PrefixStore::new(s3, prefix.trim_matches('/')))
            }
        } else {
            std::fs::create_dir_all(location).with_context(|| format!("create the object folder {location}"))?;
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(location)?)
        };
        Ok(Self { store })
    }

    /// A fresh key for a corpus's next original.
    pub fn new_key(organization_id: i64, corpus_id: i64) -> String {
        format!("org-{organization_id}/corpus-{corpus_id}/{}", uuid::Uuid::new_v4())
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), Error> {
        self.store
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, Error> {
        let object = self.store.get(&Path::from(key)).await.map_err(storage_error)?;
        object.bytes().await.map_err(storage_error)
    }

    /// Best effort: a file left behind costs space, never correctness.
    pub async fn delete(&self, key: &str) {
        if let Err(e) = self.store.delete(&Path::from(key)).await {
            tracing::warn!(error = %e, "could not remove a stored file");
        }
    }
}

/// A stored original that is gone is a 404; any other failure of the storage (unreachable,
/// refusing, timing out) is a 503 that says so, never a bare 500.
fn storage_error(error: object_store::Error) -> Error {
    match error {
        object_store::Error::NotFound { .. } => {
            Error::NotFound("The stored original of this document is missing.".into())
        }
        error => {
            tracing::warn!(error = %error, "the file storage failed");
            Error::Unavailable("The file storage is unavailable right now. Please try again in a few seconds.".into())
        }
    }
}
