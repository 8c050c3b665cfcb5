//! Two backends over one user type (a header one for the API, a cookie one for pages): the
//! second says `user_impl = false`, and `CurrentUser<User>` works behind either; the user type
//! may also be returned through an `Arc`.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use jwt_auth::{CurrentUser, Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["/login"])]
fn api_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[jwt_auth(secret = env("JWT_SECRET"), flow = "cookie", user_impl = false)]
fn page_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[derive(Clone)]
struct Shared;

#[jwt_auth(secret = env("JWT_SECRET"))]
fn shared_user(token: &Token) -> Option<Arc<Shared>> {
    let _ = token;
    Some(Arc::new(Shared))
}

async fn me(CurrentUser(user): CurrentUser<User>) -> &'static str {
    let _ = user;
    "me"
}

async fn shared(CurrentUser(user): CurrentUser<Arc<Shared>>) -> &'static str {
    let _ = user;
    "shared"
}

fn main() {
    let _: Router = Router::new()
        .route("/me", get(me))
        .route("/shared", get(shared));
    let _ = (ApiUser::builder, PageUser::builder, SharedUser::builder);
}
