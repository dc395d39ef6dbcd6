//! Where uploaded originals are kept: a local folder by default, any S3-compatible bucket when
//! `EJENTO_OBJECT_STORE=s3://bucket/prefix` (credentials from the usual `AWS_*` variables), so
//! that replicas share files by configuration alone.

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, path::Path, prefix::PrefixStore};

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

    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.store
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await
            .context("store the uploaded file")?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        Ok(self
            .store
            .get(&Path::from(key))
            .await
            .context("read a stored file")?
            .bytes()
            .await?)
    }

    /// Best effort: a file left behind costs space, never correctness.
    pub async fn delete(&self, key: &str) {
        if let Err(e) = self.store.delete(&Path::from(key)).await {
            tracing::warn!(error = %e, "could not remove a stored file");
        }
    }
}
