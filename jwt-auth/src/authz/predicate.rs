//! A guard's predicate, sync or async: the generated code writes
//! `Predicate(is_admin(user, token)).into_check().await` for both, and method resolution picks
//! the impl on `Predicate<F>` when `F` is a future of `bool`, else the one on `&Predicate<bool>`
//! (autoref specialization, as `Revoked` does for revocation checks). A sync predicate costs no
//! future of its own.

use std::future::{Future, Ready, ready};

/// What a guard's predicate returned.
pub struct Predicate<T>(pub T);

/// The future an async predicate returned.
pub trait PredicateFuture {
    /// That future.
    type Check: Future<Output = bool>;
    /// The future to await.
    fn into_check(self) -> Self::Check;
}

impl<F: Future<Output = bool>> PredicateFuture for Predicate<F> {
    type Check = F;

    fn into_check(self) -> F {
        self.0
    }
}

/// The answer a sync predicate returned. The impl takes any `T` and asks for [`GuardAnswer`]
/// on the method, not the impl: method resolution then settles on it whatever the guard
/// returned, and a wrong return type is our `E0277` at the guard rather than rustc's general
/// "method exists but its trait bounds were not satisfied".
pub trait PredicateValue {
    /// What the predicate returned.
    type Value;
    /// The answer, as a ready future.
    fn into_check(self) -> Ready<bool>
    where
        Self::Value: GuardAnswer;
}

impl<T> PredicateValue for &Predicate<T> {
    type Value = T;

    fn into_check(self) -> Ready<bool>
    where
        T: GuardAnswer,
    {
        ready(self.0.answer())
    }
}

/// What a guard may return: `bool` (an `async fn` guard's future of `bool` takes the other
/// path, [`PredicateFuture`]).
#[diagnostic::on_unimplemented(
    message = "a guard returns `bool` or a future of `bool`, not `{Self}`",
    label = "this guard's result",
    note = "a guard is `fn(&User, &Token<Claims>) -> bool`, or an `async fn` returning `bool`"
)]
pub trait GuardAnswer {
    /// The answer.
    fn answer(&self) -> bool;
}

impl GuardAnswer for bool {
    fn answer(&self) -> bool {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unused_async, reason = "stands for an async predicate")]
    async fn is_admin_async(admin: bool) -> bool {
        admin
    }

    #[tokio::test]
    async fn both_shapes_resolve() {
        assert!(Predicate(is_admin_async(true)).into_check().await);
        assert!(!Predicate(is_admin_async(false)).into_check().await);
        assert!(Predicate(true).into_check().await);
        assert!(!Predicate(false).into_check().await);
    }
}
