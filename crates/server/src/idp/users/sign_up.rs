//! `SignUp`: Self-service sign-up through an app client.
use tessera_wire::idp::{SignUpRequest, SignUpResponse};

use crate::{ApiError, registry::Ctx};

pub(crate) async fn handle(ctx: Ctx, req: SignUpRequest) -> Result<SignUpResponse, ApiError> {
    Ok(ctx.core.sign_up(req).await?)
}
