//! `GetUserAttributeVerificationCode`: Sends a code to verify the user's email or phone.
use tessera_wire::idp::{
    GetUserAttributeVerificationCodeRequest, GetUserAttributeVerificationCodeResponse,
};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetUserAttributeVerificationCodeRequest,
) -> Result<GetUserAttributeVerificationCodeResponse, ApiError> {
    let details = ctx
        .core
        .get_user_attribute_verification_code(
            &req.access_token,
            &req.attribute_name,
            req.client_metadata.as_ref(),
        )
        .await?;
    Ok(GetUserAttributeVerificationCodeResponse {
        code_delivery_details: Some(details),
    })
}
