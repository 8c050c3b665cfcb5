//! The compile-time check of a guard's scopes: `#[jwt_auth]` implements [`Backend`] for the type
//! it generates, with the scopes of its `oauth_scopes`, and `#[requires]` writes one constant per
//! scope it names, `const _: () = check_scope::<Backend>("notes:write");`, spanned on the scope.
//! The constant is evaluated by the compiler: a scope the backend does not declare stops the
//! build there, with the closest declared one as a "did you mean".
//!
//! Constant evaluation rather than a macro of the backend's (a `macro_rules!` checker) because a
//! type is found wherever it can be named (through a `use`, an alias, another crate), and the
//! message is ours rather than rustc's "no associated item named `__scope_notes_wrte`".

/// A `#[jwt_auth]` backend type, for `#[requires]`: its types, and the scopes it declares.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `#[jwt_auth]` backend",
    label = "`#[requires]` names the backend type that `#[jwt_auth]` generates",
    note = "write `#[requires(RetrieveUser, ...)]` with the type `#[jwt_auth]` generates for the \
            retrieval function"
)]
pub trait Backend {
    /// The user type.
    type User: Send + Sync + 'static;
    /// The claims type.
    type Claims: Send + Sync + 'static;
    /// The type's name, for messages.
    const NAME: &'static str;
    /// The scopes of its `oauth_scopes`.
    const SCOPES: &'static [&'static str];
    /// `false` for the stand-in of an attribute with mistakes, whose scopes may not have been
    /// read: its guards are not checked, so that the attribute's errors come alone.
    const CHECKED: bool;
}

/// Stops the build, at the constant that calls it, when `B` does not declare `scope`.
///
/// # Panics
///
/// When `B` does not declare `scope`: in a constant, that panic is the compile error.
pub const fn check_scope<B: Backend>(scope: &str) {
    if !B::CHECKED || contains(B::SCOPES, scope) {
        return;
    }
    let mut message = Message::new();
    if B::SCOPES.is_empty() {
        message = message
            .push("`")
            .push(B::NAME)
            .push("` declares no scopes; add `oauth_scopes = { \"")
            .push(scope)
            .push("\": \"...\" }` to its `#[jwt_auth]`");
    } else {
        message = message.push("unknown scope `").push(scope).push("`; ");
        message = if let Some(close) = closest(B::SCOPES, scope) {
            message.push("did you mean `").push(close).push("`?")
        } else {
            let mut listed = message.push("`").push(B::NAME).push("` declares ");
            let mut index = 0;
            while index < B::SCOPES.len() {
                if index > 0 {
                    listed = listed.push(", ");
                }
                listed = listed.push("`").push(B::SCOPES[index]).push("`");
                index += 1;
            }
            listed
        };
    }
    match core::str::from_utf8(message.as_bytes()) {
        Ok(text) => panic!("{}", text),
        Err(_) => panic!("unknown scope"),
    }
}

const fn equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

const fn contains(declared: &[&str], scope: &str) -> bool {
    let mut index = 0;
    while index < declared.len() {
        if equal(declared[index], scope) {
            return true;
        }
        index += 1;
    }
    false
}

/// The longest scope compared for a "did you mean"; longer ones get the list instead.
const MAX_COMPARED: usize = 64;

/// The edit distance (insertions, deletions, substitutions) between two names of at most
/// [`MAX_COMPARED`] bytes, by bytes; the macro's `suggest::edit_distance` is the reference.
const fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut previous = [0_usize; MAX_COMPARED + 1];
    let mut current = [0_usize; MAX_COMPARED + 1];
    let mut j = 0;
    while j <= b.len() {
        previous[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= a.len() {
        current[0] = i;
        let mut j = 1;
        while j <= b.len() {
            let substitution = previous[j - 1] + if a[i - 1] == b[j - 1] { 0 } else { 1 };
            let deletion = previous[j] + 1;
            let insertion = current[j - 1] + 1;
            let mut best = substitution;
            if deletion < best {
                best = deletion;
            }
            if insertion < best {
                best = insertion;
            }
            current[j] = best;
            j += 1;
        }
        previous = current;
        i += 1;
    }
    previous[b.len()]
}

/// The declared scope closest to `scope`, if it is a likely typo: at most one edit per three
/// bytes, and at least one (the macro's rule for keys).
const fn closest<'a>(declared: &[&'a str], scope: &str) -> Option<&'a str> {
    let written = scope.as_bytes();
    if written.len() > MAX_COMPARED {
        return None;
    }
    let limit = if written.len() / 3 > 1 {
        written.len() / 3
    } else {
        1
    };
    let mut best: Option<&'a str> = None;
    let mut best_distance = usize::MAX;
    let mut index = 0;
    while index < declared.len() {
        let candidate = declared[index].as_bytes();
        if candidate.len() <= MAX_COMPARED {
            let distance = distance(written, candidate);
            if distance <= limit && distance < best_distance {
                best = Some(declared[index]);
                best_distance = distance;
            }
        }
        index += 1;
    }
    best
}

/// A message built at compile time, cut at its capacity.
struct Message {
    bytes: [u8; 512],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Self {
            bytes: [0; 512],
            len: 0,
        }
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        let mut index = 0;
        while index < text.len() && self.len < self.bytes.len() {
            self.bytes[self.len] = text[index];
            self.len += 1;
            index += 1;
        }
        self
    }

    const fn as_bytes(&self) -> &[u8] {
        self.bytes.split_at(self.len).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Notes;

    impl Backend for Notes {
        type User = ();
        type Claims = ();
        const NAME: &'static str = "Notes";
        const SCOPES: &'static [&'static str] = &["notes:read", "notes:write"];
        const CHECKED: bool = true;
    }

    // Evaluated by the compiler, as `#[requires]` writes them.
    const _: () = check_scope::<Notes>("notes:read");
    const _: () = check_scope::<Notes>("notes:write");

    #[test]
    fn distances_and_suggestions() {
        assert_eq!(distance(b"notes:wrte", b"notes:write"), 1);
        assert_eq!(distance(b"", b"abc"), 3);
        assert_eq!(distance(b"kitten", b"sitting"), 3);
        assert_eq!(closest(Notes::SCOPES, "notes:wrte"), Some("notes:write"));
        assert_eq!(closest(Notes::SCOPES, "admin"), None);
        assert!(contains(Notes::SCOPES, "notes:read"));
        assert!(!contains(Notes::SCOPES, "notes"));
    }

    #[test]
    fn an_unknown_scope_panics_with_the_suggestion() {
        let message = std::panic::catch_unwind(|| check_scope::<Notes>("notes:wrte"))
            .unwrap_err()
            .downcast::<String>()
            .map(|message| *message)
            .unwrap_or_default();
        assert_eq!(
            message,
            "unknown scope `notes:wrte`; did you mean `notes:write`?"
        );
        let message = std::panic::catch_unwind(|| check_scope::<Notes>("admin"))
            .unwrap_err()
            .downcast::<String>()
            .map(|message| *message)
            .unwrap_or_default();
        assert_eq!(
            message,
            "unknown scope `admin`; `Notes` declares `notes:read`, `notes:write`"
        );
    }
}
