//! The attribute on a struct.

use jwt_auth::jwt_auth;

#[jwt_auth(secret = env("JWT_SECRET"))]
struct User;

fn main() {}
