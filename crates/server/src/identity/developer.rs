//! Developer-authenticated identities.
use tessera_wire::identity::*;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn get_open_id_token_for_developer_identity(
    ctx: Ctx,
    req: GetOpenIdTokenForDeveloperIdentityInput,
) -> Result<GetOpenIdTokenForDeveloperIdentityResponse, ApiError> {
    let (id, token) = ctx
        .identity
        .get_open_id_token_for_developer_identity(
            &req.identity_pool_id,
            req.identity_id.as_deref(),
            &req.logins,
            req.principal_tags.as_ref(),
            req.token_duration,
        )
        .await?;
    Ok(GetOpenIdTokenForDeveloperIdentityResponse {
        identity_id: Some(id),
        token: Some(token),
    })
}

pub(crate) async fn lookup_developer_identity(
    ctx: Ctx,
    req: LookupDeveloperIdentityInput,
) -> Result<LookupDeveloperIdentityResponse, ApiError> {
    let (id, users, next) = ctx
        .identity
        .lookup_developer_identity(
            &req.identity_pool_id,
            req.identity_id.as_deref(),
            req.developer_user_identifier.as_deref(),
            req.max_results,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(LookupDeveloperIdentityResponse {
        identity_id: Some(id),
        developer_user_identifier_list: Some(users),
        next_token: next,
    })
}

pub(crate) async fn merge_developer_identities(
    ctx: Ctx,
    req: MergeDeveloperIdentitiesInput,
) -> Result<MergeDeveloperIdentitiesResponse, ApiError> {
    let id = ctx
        .identity
        .merge_developer_identities(
            &req.identity_pool_id,
            &req.developer_provider_name,
            &req.source_user_identifier,
            &req.destination_user_identifier,
        )
        .await?;
    Ok(MergeDeveloperIdentitiesResponse {
        identity_id: Some(id),
    })
}

pub(crate) async fn unlink_developer_identity(
    ctx: Ctx,
    req: UnlinkDeveloperIdentityInput,
) -> Result<(), ApiError> {
    Ok(ctx
        .identity
        .unlink_developer_identity(
            &req.identity_pool_id,
            &req.identity_id,
            &req.developer_provider_name,
            &req.developer_user_identifier,
        )
        .await?)
}
