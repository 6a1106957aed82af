//! The console's routes, one line per page or form (mounted when the console is on).

use axum::Router;
use axum::routing::{get, post};

use super::{
    BASE, clients, css, domains, groups, identity_pools, login, logout, pools, providers,
    resources, settings, settings_edit, user, users,
};
use crate::AppState;

/// The console's routes (mounted when the console is on).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(pools::overview))
        .route("/console/console.css", get(css))
        .route("/console/login", get(login::page_of).post(login::keys))
        .route("/console/login/user", post(login::user))
        .route("/console/login/mfa", post(login::mfa))
        .route("/console/logout", post(logout))
        .route("/console/outbox", get(pools::outbox))
        .route(
            "/console/identity-pools",
            get(identity_pools::page_of).post(identity_pools::create),
        )
        .route(
            "/console/identity-pools/delete",
            post(identity_pools::delete),
        )
        .route("/console/pools", post(pools::create_pool))
        .route("/console/pools/{pool_id}", get(users::pool_page))
        .route("/console/pools/{pool_id}/users", post(users::create_user))
        .route(
            "/console/pools/{pool_id}/users/action",
            post(users::user_action),
        )
        .route("/console/pools/{pool_id}/user", get(user::user_page))
        .route(
            "/console/pools/{pool_id}/user/attribute",
            post(user::set_attribute),
        )
        .route(
            "/console/pools/{pool_id}/user/groups",
            post(user::change_group),
        )
        .route(
            "/console/pools/{pool_id}/user/mfa",
            post(user::turn_off_mfa),
        )
        .route(
            "/console/pools/{pool_id}/user/sign-out",
            post(user::sign_out),
        )
        .route(
            "/console/pools/{pool_id}/clients",
            get(clients::page_of).post(clients::create),
        )
        .route(
            "/console/pools/{pool_id}/clients/delete",
            post(clients::delete),
        )
        .route(
            "/console/pools/{pool_id}/groups",
            get(groups::page_of).post(groups::create),
        )
        .route(
            "/console/pools/{pool_id}/groups/delete",
            post(groups::delete),
        )
        .route("/console/pools/{pool_id}/settings", get(settings::page_of))
        .route(
            "/console/pools/{pool_id}/settings/{section}",
            post(settings_edit::save),
        )
        .route(
            "/console/pools/{pool_id}/resource-servers",
            get(resources::page_of).post(resources::create),
        )
        .route(
            "/console/pools/{pool_id}/resource-servers/delete",
            post(resources::delete),
        )
        .route(
            "/console/pools/{pool_id}/domain",
            get(domains::page_of).post(domains::create),
        )
        .route(
            "/console/pools/{pool_id}/domain/delete",
            post(domains::delete),
        )
        .route(
            "/console/pools/{pool_id}/domain/preview",
            get(domains::preview),
        )
        .route(
            "/console/pools/{pool_id}/providers",
            get(providers::page_of).post(providers::create),
        )
        .route(
            "/console/pools/{pool_id}/providers/delete",
            post(providers::delete),
        )
}
