//! `AssociateSoftwareToken`.
use tessera_wire::idp::{AssociateSoftwareTokenRequest, AssociateSoftwareTokenResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: AssociateSoftwareTokenRequest,
) -> Result<AssociateSoftwareTokenResponse, ApiError> {
    Ok(ctx.core.associate_software_token(req).await?)
}
