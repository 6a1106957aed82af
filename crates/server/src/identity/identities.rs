//! Identities: GetId, credentials and OpenID tokens, describe, list, delete, unlink.
use tessera_wire::identity::*;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn get_id(ctx: Ctx, req: GetIdInput) -> Result<GetIdResponse, ApiError> {
    let id = ctx
        .identity
        .get_id(&req.identity_pool_id, &req.logins.unwrap_or_default())
        .await?;
    Ok(GetIdResponse {
        identity_id: Some(id),
    })
}

pub(crate) async fn get_credentials_for_identity(
    ctx: Ctx,
    req: GetCredentialsForIdentityInput,
) -> Result<GetCredentialsForIdentityResponse, ApiError> {
    let (id, credentials) = ctx
        .identity
        .get_credentials_for_identity(
            &req.identity_id,
            &req.logins.unwrap_or_default(),
            req.custom_role_arn.as_deref(),
        )
        .await?;
    Ok(GetCredentialsForIdentityResponse {
        identity_id: Some(id),
        credentials: Some(credentials),
    })
}

pub(crate) async fn get_open_id_token(
    ctx: Ctx,
    req: GetOpenIdTokenInput,
) -> Result<GetOpenIdTokenResponse, ApiError> {
    let (id, token) = ctx
        .identity
        .get_open_id_token(&req.identity_id, &req.logins.unwrap_or_default())
        .await?;
    Ok(GetOpenIdTokenResponse {
        identity_id: Some(id),
        token: Some(token),
    })
}

pub(crate) async fn unlink_identity(ctx: Ctx, req: UnlinkIdentityInput) -> Result<(), ApiError> {
    Ok(ctx
        .identity
        .unlink_identity(&req.identity_id, &req.logins, &req.logins_to_remove)
        .await?)
}

pub(crate) async fn describe_identity(
    ctx: Ctx,
    req: DescribeIdentityInput,
) -> Result<IdentityDescription, ApiError> {
    Ok(ctx.identity.describe_identity(&req.identity_id).await?)
}

pub(crate) async fn list_identities(
    ctx: Ctx,
    req: ListIdentitiesInput,
) -> Result<ListIdentitiesResponse, ApiError> {
    let (identities, next) = ctx
        .identity
        .list_identities(
            &req.identity_pool_id,
            req.max_results,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListIdentitiesResponse {
        identity_pool_id: Some(req.identity_pool_id),
        identities: Some(identities),
        next_token: next,
    })
}

pub(crate) async fn delete_identities(
    ctx: Ctx,
    req: DeleteIdentitiesInput,
) -> Result<DeleteIdentitiesResponse, ApiError> {
    let unprocessed = ctx
        .identity
        .delete_identities(&req.identity_ids_to_delete)
        .await?;
    Ok(DeleteIdentitiesResponse {
        unprocessed_identity_ids: Some(unprocessed),
    })
}
