//! Identity pools: CRUD, roles, tags, principal-tag maps.
use tessera_wire::identity::*;

use crate::{ApiError, registry::Ctx};

pub(crate) async fn create_identity_pool(
    ctx: Ctx,
    req: CreateIdentityPoolInput,
) -> Result<IdentityPool, ApiError> {
    Ok(ctx.identity.create_identity_pool(&ctx.region, req).await?)
}

pub(crate) async fn describe_identity_pool(
    ctx: Ctx,
    req: DescribeIdentityPoolInput,
) -> Result<IdentityPool, ApiError> {
    Ok(ctx
        .identity
        .describe_identity_pool(&req.identity_pool_id)
        .await?)
}

pub(crate) async fn update_identity_pool(
    ctx: Ctx,
    req: IdentityPool,
) -> Result<IdentityPool, ApiError> {
    Ok(ctx.identity.update_identity_pool(req).await?)
}

pub(crate) async fn delete_identity_pool(
    ctx: Ctx,
    req: DeleteIdentityPoolInput,
) -> Result<(), ApiError> {
    Ok(ctx
        .identity
        .delete_identity_pool(&req.identity_pool_id)
        .await?)
}

pub(crate) async fn list_identity_pools(
    ctx: Ctx,
    req: ListIdentityPoolsInput,
) -> Result<ListIdentityPoolsResponse, ApiError> {
    let (pools, next) = ctx
        .identity
        .list_identity_pools(req.max_results, req.next_token.as_deref())
        .await?;
    Ok(ListIdentityPoolsResponse {
        identity_pools: Some(pools),
        next_token: next,
    })
}

pub(crate) async fn set_identity_pool_roles(
    ctx: Ctx,
    req: SetIdentityPoolRolesInput,
) -> Result<(), ApiError> {
    Ok(ctx
        .identity
        .set_identity_pool_roles(&req.identity_pool_id, req.roles, req.role_mappings)
        .await?)
}

pub(crate) async fn get_identity_pool_roles(
    ctx: Ctx,
    req: GetIdentityPoolRolesInput,
) -> Result<GetIdentityPoolRolesResponse, ApiError> {
    let (roles, mappings) = ctx
        .identity
        .get_identity_pool_roles(&req.identity_pool_id)
        .await?;
    Ok(GetIdentityPoolRolesResponse {
        identity_pool_id: Some(req.identity_pool_id),
        roles: Some(roles),
        role_mappings: (!mappings.is_empty()).then_some(mappings),
    })
}

pub(crate) async fn tag_resource(
    ctx: Ctx,
    req: TagResourceInput,
) -> Result<TagResourceResponse, ApiError> {
    ctx.identity
        .tag_resource(&req.resource_arn, req.tags)
        .await?;
    Ok(TagResourceResponse {})
}

pub(crate) async fn untag_resource(
    ctx: Ctx,
    req: UntagResourceInput,
) -> Result<UntagResourceResponse, ApiError> {
    ctx.identity
        .untag_resource(&req.resource_arn, &req.tag_keys)
        .await?;
    Ok(UntagResourceResponse {})
}

pub(crate) async fn list_tags_for_resource(
    ctx: Ctx,
    req: ListTagsForResourceInput,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let tags = ctx
        .identity
        .list_tags_for_resource(&req.resource_arn)
        .await?;
    Ok(ListTagsForResourceResponse { tags: Some(tags) })
}

pub(crate) async fn set_principal_tag_attribute_map(
    ctx: Ctx,
    req: SetPrincipalTagAttributeMapInput,
) -> Result<SetPrincipalTagAttributeMapResponse, ApiError> {
    let map = ctx
        .identity
        .set_principal_tag_attribute_map(
            &req.identity_pool_id,
            &req.identity_provider_name,
            req.use_defaults,
            req.principal_tags,
        )
        .await?;
    Ok(SetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(req.identity_pool_id),
        identity_provider_name: Some(req.identity_provider_name),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.tags.into_iter().collect()),
    })
}

pub(crate) async fn get_principal_tag_attribute_map(
    ctx: Ctx,
    req: GetPrincipalTagAttributeMapInput,
) -> Result<GetPrincipalTagAttributeMapResponse, ApiError> {
    let map = ctx
        .identity
        .get_principal_tag_attribute_map(&req.identity_pool_id, &req.identity_provider_name)
        .await?;
    Ok(GetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(req.identity_pool_id),
        identity_provider_name: Some(req.identity_provider_name),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.tags.into_iter().collect()),
    })
}
