//! The error accumulator: every phase pushes what it finds, so that one compile reports every
//! mistake (serde's `Ctxt`, darling's `Accumulator`).

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Errors found so far, combined into one `syn::Error` at the end.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error covering `tokens` (from their first to their last token).
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Whether nothing was recorded.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The combined error, if any.
    pub(crate) fn finish(self) -> Option<syn::Error> {
        self.combined
    }

    /// How many errors were recorded.
    pub(crate) fn len(&self) -> usize {
        self.combined.as_ref().map_or(0, |e| e.into_iter().count())
    }

    /// The messages, in order (for the tests).
    #[cfg(test)]
    pub(crate) fn messages(&self) -> Vec<String> {
        self.combined
            .as_ref()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }
}
