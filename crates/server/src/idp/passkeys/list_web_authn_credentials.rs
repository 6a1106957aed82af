//! `ListWebAuthnCredentials`.
use tessera_wire::idp::{ListWebAuthnCredentialsRequest, ListWebAuthnCredentialsResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: ListWebAuthnCredentialsRequest,
) -> Result<ListWebAuthnCredentialsResponse, ApiError> {
    let (credentials, next_token) = ctx
        .core
        .list_web_authn_credentials(
            &req.access_token,
            req.max_results,
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListWebAuthnCredentialsResponse {
        credentials,
        next_token,
    })
}
