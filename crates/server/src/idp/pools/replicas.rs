//! `CreateUserPoolReplica`, `ListUserPoolReplicas`, `UpdateUserPoolReplica`,
//! `DeleteUserPoolReplica` (multi-Region replicas, `tessera_core::replicas`). The Region a
//! call is made in is the node's `site_region`, or else the one the caller signed for.
use tessera_wire::idp::{
    CreateUserPoolReplicaRequest, CreateUserPoolReplicaResponse, DeleteUserPoolReplicaRequest,
    DeleteUserPoolReplicaResponse, ListUserPoolReplicasRequest, ListUserPoolReplicasResponse,
    UpdateUserPoolReplicaRequest, UpdateUserPoolReplicaResponse,
};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn create(
    ctx: Ctx,
    req: CreateUserPoolReplicaRequest,
) -> Result<CreateUserPoolReplicaResponse, ApiError> {
    let replica = ctx
        .core
        .create_user_pool_replica(
            &ctx.region,
            &req.user_pool_id,
            &req.region_name,
            req.user_pool_tags,
        )
        .await?;
    Ok(CreateUserPoolReplicaResponse {
        user_pool_replica: Some(replica),
    })
}

pub(crate) async fn list(
    ctx: Ctx,
    req: ListUserPoolReplicasRequest,
) -> Result<ListUserPoolReplicasResponse, ApiError> {
    // Two replicas at most: one page, never a NextToken.
    let replicas = ctx.core.list_user_pool_replicas(&req.user_pool_id).await?;
    Ok(ListUserPoolReplicasResponse {
        user_pool_replicas: Some(replicas),
        next_token: None,
    })
}

pub(crate) async fn update(
    ctx: Ctx,
    req: UpdateUserPoolReplicaRequest,
) -> Result<UpdateUserPoolReplicaResponse, ApiError> {
    let replica = ctx
        .core
        .update_user_pool_replica(
            &ctx.region,
            &req.user_pool_id,
            &req.region_name,
            &req.status,
        )
        .await?;
    Ok(UpdateUserPoolReplicaResponse {
        user_pool_replica: Some(replica),
    })
}

pub(crate) async fn delete(
    ctx: Ctx,
    req: DeleteUserPoolReplicaRequest,
) -> Result<DeleteUserPoolReplicaResponse, ApiError> {
    let replica = ctx
        .core
        .delete_user_pool_replica(&ctx.region, &req.user_pool_id, &req.region_name)
        .await?;
    Ok(DeleteUserPoolReplicaResponse {
        user_pool_replica: Some(replica),
    })
}
