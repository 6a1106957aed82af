//! `VerifySoftwareToken`.
use tessera_wire::idp::{VerifySoftwareTokenRequest, VerifySoftwareTokenResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: VerifySoftwareTokenRequest,
) -> Result<VerifySoftwareTokenResponse, ApiError> {
    Ok(ctx.core.verify_software_token(req).await?)
}
