//! Identifiers shaped like Cognito's: pool ids, client ids, client secrets, ARNs.

use crate::rand::{Rng, random_string};

pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `<region>_<9 alphanumerics>`, e.g. `us-east-1_a1B2c3D4e`.
pub fn new_pool_id(rng: &dyn Rng, region: &str) -> String {
    format!("{region}_{}", random_string(rng, ALNUM, 9))
}

/// 26 lowercase alphanumerics, like Cognito's app client ids.
pub fn new_client_id(rng: &dyn Rng) -> String {
    random_string(rng, LOWER_ALNUM, 26)
}

/// 51 lowercase alphanumerics, the length of the secrets Cognito generates.
pub fn new_client_secret(rng: &dyn Rng) -> String {
    random_string(rng, LOWER_ALNUM, 51)
}

pub fn pool_arn(region: &str, account: &str, pool_id: &str) -> String {
    format!("arn:aws:cognito-idp:{region}:{account}:userpool/{pool_id}")
}

/// Extracts the pool id from a user pool ARN; `None` for anything else.
pub fn pool_id_from_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_lit, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn_lit != "arn" || service != "cognito-idp" {
        return None;
    }
    resource
        .strip_prefix("userpool/")
        .filter(|id| !id.is_empty())
}

/// The region part of a pool id (`us-east-1_abc` → `us-east-1`).
pub fn region_of_pool(pool_id: &str) -> Option<&str> {
    pool_id.split_once('_').map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::SeededRng;

    #[test]
    fn shapes() {
        let rng = SeededRng::new(7);
        let p = new_pool_id(&rng, "eu-west-1");
        assert!(p.starts_with("eu-west-1_"));
        assert_eq!(p.len(), "eu-west-1_".len() + 9);
        let c = new_client_id(&rng);
        assert_eq!(c.len(), 26);
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_eq!(new_client_secret(&rng).len(), 51);
    }

    #[test]
    fn arns() {
        let a = pool_arn("us-east-1", "123456789012", "us-east-1_abc");
        assert_eq!(
            a,
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
        );
        assert_eq!(pool_id_from_arn(&a), Some("us-east-1_abc"));
        assert_eq!(pool_id_from_arn("arn:aws:s3:::bucket/x"), None);
        assert_eq!(
            pool_id_from_arn("arn:aws:cognito-idp:us-east-1:1:userpool/"),
            None
        );
        assert_eq!(region_of_pool("us-east-1_abc"), Some("us-east-1"));
    }
}
