//! `#[requires]` naming a type that no `#[jwt_auth]` generated.

use jwt_auth::requires;

struct AppState;

#[requires(AppState, scope = "notes:read")]
async fn read_note() {}

fn main() {}
