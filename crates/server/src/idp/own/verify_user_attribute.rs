//! `VerifyUserAttribute`: Redeems an attribute verification code.
use tessera_wire::idp::{VerifyUserAttributeRequest, VerifyUserAttributeResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: VerifyUserAttributeRequest,
) -> Result<VerifyUserAttributeResponse, ApiError> {
    ctx.core
        .verify_user_attribute(&req.access_token, &req.attribute_name, &req.code)
        .await?;
    Ok(VerifyUserAttributeResponse {})
}
