//! `SetUserPoolMfaConfig`.
use tessera_wire::idp::{SetUserPoolMfaConfigRequest, SetUserPoolMfaConfigResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: SetUserPoolMfaConfigRequest,
) -> Result<SetUserPoolMfaConfigResponse, ApiError> {
    let c = ctx.core.set_user_pool_mfa_config(req).await?;
    Ok(SetUserPoolMfaConfigResponse {
        email_mfa_configuration: c.email_mfa_configuration,
        mfa_configuration: c.mfa_configuration,
        sms_mfa_configuration: c.sms_mfa_configuration,
        software_token_mfa_configuration: c.software_token_mfa_configuration,
        web_authn_configuration: c.web_authn_configuration,
    })
}
