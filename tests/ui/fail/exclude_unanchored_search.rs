use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

// Litestar searches `.json$` anywhere in the path; here a pattern is a path or starts with `^`.
#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["/login", ".json$", "health"])]
fn retrieve_user(_token: &Token) -> Option<User> {
    Some(User)
}

fn main() {}
