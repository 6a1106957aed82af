//! `GetSigningCertificate`.
use tessera_wire::idp::{GetSigningCertificateRequest, GetSigningCertificateResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(
    ctx: Ctx,
    req: GetSigningCertificateRequest,
) -> Result<GetSigningCertificateResponse, ApiError> {
    let certificate = ctx.core.get_signing_certificate(&req.user_pool_id).await?;
    Ok(GetSigningCertificateResponse {
        certificate: Some(certificate),
    })
}
