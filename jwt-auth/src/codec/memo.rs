//! The header memo: header segments whose checks are known, answered without base64 or JSON.
//!
//! What [`Codec::checked_kid`](crate::codec::Codec::checked_kid) answers depends only on the
//! header segment, so a token whose header is, byte for byte, a known one is answered from here:
//! the codec's own access tokens' header, and the first few others of tokens that verified
//! (tokens minted by another library, whose header is the same JSON in another order, say).
//! Only a token with a valid signature teaches one, so a caller without the key cannot fill it.
//! What it saves: the header's base64 and JSON per token; tokens with a header the codec had
//! not learned cost about 1,950 instructions more to decode (callgrind, `bench/RESULTS.md`).
//! The reference, `checked_kid`'s own parse, is what the tests in `codec/tests.rs` hold it to.

use std::sync::OnceLock;

use crate::token::header::JoseHeader;

/// How many header segments besides its own a codec remembers.
pub(crate) const LEARNED_HEADERS: usize = 4;

/// The longest header segment a codec remembers, in bytes.
pub(crate) const LEARNED_HEADER_MAX: usize = 512;

/// A header segment and what the codec's checks found in it.
#[derive(Clone, Debug)]
pub(crate) struct KnownHeader {
    pub segment: String,
    pub header: JoseHeader,
}

/// The codec's own header and the first few learned ones.
#[derive(Clone, Default)]
pub(crate) struct HeaderMemo {
    /// The header segment of the access tokens the codec signs.
    pub own: Option<KnownHeader>,
    /// The first few other header segments of tokens whose signature verified.
    pub learned: [OnceLock<KnownHeader>; LEARNED_HEADERS],
}

impl HeaderMemo {
    /// What the checks answered for a known header segment.
    pub(crate) fn get(&self, segment: &str) -> Option<&JoseHeader> {
        self.own
            .iter()
            .chain(self.learned.iter().map_while(OnceLock::get))
            .find(|known| known.segment == segment)
            .map(|known| &known.header)
    }

    /// Remembers the header of a token whose signature verified, in the first free slot: the
    /// slots fill in order and are never replaced, so the first few distinct headers stay.
    pub(crate) fn learn(&self, segment: &str, header: JoseHeader) {
        if segment.len() > LEARNED_HEADER_MAX {
            return;
        }
        let mut known = Some(KnownHeader {
            segment: segment.to_owned(),
            header,
        });
        for slot in &self.learned {
            let Some(value) = known.take() else { return };
            // Another thread may have taken the slot first: then try the next one, unless it
            // learned the same header.
            known = match slot.set(value) {
                Ok(()) => None,
                Err(_) if slot.get().is_some_and(|other| other.segment == segment) => None,
                Err(value) => Some(value),
            };
        }
    }
}
