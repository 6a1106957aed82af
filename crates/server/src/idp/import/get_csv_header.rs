//! `GetCSVHeader`.
use tessera_wire::idp::{GetCSVHeaderRequest, GetCSVHeaderResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetCSVHeaderRequest,
) -> Result<GetCSVHeaderResponse, ApiError> {
    let header = ctx.core.get_csv_header(&req.user_pool_id).await?;
    Ok(GetCSVHeaderResponse {
        user_pool_id: Some(req.user_pool_id),
        csv_header: Some(header),
    })
}
