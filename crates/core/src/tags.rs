//! Tags on user pools (`TagResource`, `UntagResource`, `ListTagsForResource`).
//! Cognito tags user pools only; the resource is named by its ARN.

use std::collections::HashMap;

use crate::{CoreError, Tessera, ids};

/// AWS allows 50 tags per resource.
pub const MAX_TAGS: usize = 50;

pub(crate) fn check_tags(tags: Option<&HashMap<String, String>>) -> Result<(), CoreError> {
    let Some(tags) = tags else { return Ok(()) };
    if tags.len() > MAX_TAGS {
        return Err(CoreError::InvalidParameter(format!(
            "A user pool can have at most {MAX_TAGS} tags."
        )));
    }
    if tags
        .keys()
        .any(|k| k.to_ascii_lowercase().starts_with("aws:"))
    {
        return Err(CoreError::InvalidParameter(
            "Tag keys may not start with aws:.".into(),
        ));
    }
    if tags.values().any(|v| v.chars().count() > 256) {
        return Err(CoreError::InvalidParameter(
            "Tag values may be at most 256 characters.".into(),
        ));
    }
    Ok(())
}

impl Tessera {
    fn pool_for_arn<'a>(&self, arn: &'a str) -> Result<&'a str, CoreError> {
        ids::pool_id_from_arn(arn)
            .ok_or_else(|| CoreError::ResourceNotFound(format!("Resource {arn} does not exist.")))
    }

    /// The pool's ARN must match exactly (region and account included).
    async fn check_arn(&self, arn: &str) -> Result<String, CoreError> {
        let pool_id = self.pool_for_arn(arn)?;
        let rec = self.store.get_pool(pool_id).await?.ok_or_else(|| {
            CoreError::ResourceNotFound(format!("Resource {arn} does not exist."))
        })?;
        if rec.config.arn.as_deref() != Some(arn) {
            return Err(CoreError::ResourceNotFound(format!(
                "Resource {arn} does not exist."
            )));
        }
        Ok(rec.id)
    }

    pub async fn tag_resource(
        &self,
        arn: &str,
        tags: HashMap<String, String>,
    ) -> Result<(), CoreError> {
        if let Some(pool_id) = self.replica_for_arn(arn).await? {
            return self
                .modify_replica_tags(&pool_id, |all| {
                    all.extend(tags.clone());
                    check_tags(Some(all))
                })
                .await
                .map(drop);
        }
        let pool_id = self.check_arn(arn).await?;
        self.modify_pool(&pool_id, |rec| {
            let mut all = rec.config.user_pool_tags.take().unwrap_or_default();
            all.extend(tags.clone());
            let r = check_tags(Some(&all));
            rec.config.user_pool_tags = Some(all);
            r
        })
        .await?;
        Ok(())
    }

    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), CoreError> {
        if let Some(pool_id) = self.replica_for_arn(arn).await? {
            return self
                .modify_replica_tags(&pool_id, |all| {
                    keys.iter().for_each(|k| drop(all.remove(k)));
                    Ok(())
                })
                .await
                .map(drop);
        }
        let pool_id = self.check_arn(arn).await?;
        self.modify_pool(&pool_id, |rec| {
            if let Some(t) = rec.config.user_pool_tags.as_mut() {
                for k in keys {
                    t.remove(k);
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn list_tags_for_resource(
        &self,
        arn: &str,
    ) -> Result<HashMap<String, String>, CoreError> {
        if let Some(pool_id) = self.replica_for_arn(arn).await? {
            return self.modify_replica_tags(&pool_id, |_| Ok(())).await;
        }
        let pool_id = self.check_arn(arn).await?;
        Ok(self
            .load_pool(&pool_id)
            .await?
            .config
            .user_pool_tags
            .unwrap_or_default())
    }
}
