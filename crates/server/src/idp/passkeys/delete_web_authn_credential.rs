//! `DeleteWebAuthnCredential`.
use tessera_wire::idp::{DeleteWebAuthnCredentialRequest, DeleteWebAuthnCredentialResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: DeleteWebAuthnCredentialRequest,
) -> Result<DeleteWebAuthnCredentialResponse, ApiError> {
    ctx.core
        .delete_web_authn_credential(&req.access_token, &req.credential_id)
        .await?;
    Ok(DeleteWebAuthnCredentialResponse {})
}
