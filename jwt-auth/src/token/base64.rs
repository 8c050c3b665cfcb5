//! Base64url without padding, decoded as a JWS's segments are: what
//! `base64::engine::general_purpose::URL_SAFE_NO_PAD` accepts, and nothing else, at about half
//! its instructions. The crate's engine decodes through a general loop for any alphabet and
//! padding mode; this one reads four characters at a time through one table.
//!
//! Refused, as the crate refuses them: a character outside `A-Z a-z 0-9 - _` (padding `=`
//! included), a length of 4n + 1, and a last character whose unused low bits are not zero
//! (one encoding per byte string). A property test checks this against the crate.

/// For each of the four positions in a group of four characters, each byte's digit value
/// already shifted to its place in the 24 bits the group decodes to, or [`INVALID`] for a byte
/// that is no digit: a group is four lookups and three ORs.
static TABLES: [[u32; 256]; 4] = [shifted(18), shifted(12), shifted(6), shifted(0)];

/// Set in the table entry of any byte that is no digit; above the 24 bits of a group.
const INVALID: u32 = 1 << 31;

const fn shifted(shift: u32) -> [u32; 256] {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut digit = 0;
    while digit < alphabet.len() {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "digit < 64, the alphabet's length"
        )]
        {
            table[alphabet[digit] as usize] = (digit as u32) << shift;
        }
        digit += 1;
    }
    table
}

/// The 24 bits of up to four characters, with [`INVALID`] set if one is no digit.
fn group(chars: &[u8]) -> u32 {
    chars
        .iter()
        .zip(&TABLES)
        .fold(0, |word, (&ch, table)| word | table[usize::from(ch)])
}

/// The number of bytes `len` characters decode to; `None` for a length of 4n + 1, which no
/// byte string encodes to.
pub(crate) fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        rest => Some(len / 4 * 3 + rest.saturating_sub(1)),
    }
}

/// Decodes `input` into the start of `out`; the number of bytes written, or `None` if `input`
/// is not base64url without padding or `out` is shorter than [`decoded_len`].
pub(crate) fn decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let len = decoded_len(input.len())?;
    let out = out.get_mut(..len)?;
    let (quads, tail) = input.as_chunks::<4>();
    let (full, last) = out.split_at_mut(quads.len() * 3);
    // The OR of every group: one invalid character sets `INVALID`.
    let mut seen = 0;
    for (quad, bytes) in quads.iter().zip(full.as_chunks_mut::<3>().0) {
        let word = group(quad);
        seen |= word;
        let [_, high, middle, low] = word.to_be_bytes();
        *bytes = [high, middle, low];
    }
    let word = group(tail);
    let [_, high, middle, _] = word.to_be_bytes();
    match last {
        [] => {}
        // Two characters, one byte: the low four bits of the second are unused, and must be 0.
        [first] => {
            seen |= word | u32::from(word & 0xF000 != 0) << 31;
            *first = high;
        }
        // Three characters, two bytes: the low two bits of the third are unused.
        [first, second] => {
            seen |= word | u32::from(word & 0xC0 != 0) << 31;
            *first = high;
            *second = middle;
        }
        // `decoded_len` gave the tail's length: no other shape reaches here.
        _ => return None,
    }
    (seen & INVALID == 0).then_some(len)
}

/// Decodes `input` into a new vector (see [`decode_into`]).
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0_u8; decoded_len(input.len())?];
    decode_into(input, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn theirs(input: &[u8]) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(input).ok()
    }

    /// Every tail of one, two and three characters after a valid quad, over all 256 bytes for
    /// the last character (the unused bits are in it) and the alphabet plus a few others for
    /// the ones before.
    #[test]
    fn every_short_tail_as_the_crate() {
        let alphabet: Vec<u8> = (0..=u8::MAX)
            .filter(|&b| TABLES[0][usize::from(b)] != INVALID)
            .collect();
        let mut before: Vec<u8> = alphabet.clone();
        before.extend_from_slice(b"=+/. \x00\xff");
        for &last in &(0..=u8::MAX).collect::<Vec<u8>>() {
            assert_eq!(decode(&[b'Q', b'U', b'J', b'D', last]), None);
            for &a in &before {
                let two = [b'Q', b'U', b'J', b'D', a, last];
                assert_eq!(decode(&two), theirs(&two), "{two:?}");
            }
            for &a in &alphabet {
                for &b in &before {
                    let three = [a, b, last];
                    assert_eq!(decode(&three), theirs(&three), "{three:?}");
                }
            }
        }
    }

    #[test]
    fn lengths_and_buffers() {
        assert_eq!(decode(b""), Some(Vec::new()));
        assert_eq!(decoded_len(0), Some(0));
        assert_eq!(decoded_len(1), None);
        assert_eq!(decoded_len(2), Some(1));
        assert_eq!(decoded_len(3), Some(2));
        assert_eq!(decoded_len(4), Some(3));
        assert_eq!(decoded_len(43), Some(32));
        let encoded = URL_SAFE_NO_PAD.encode(b"a JWS payload");
        let mut exact = vec![0; 13];
        assert_eq!(decode_into(encoded.as_bytes(), &mut exact), Some(13));
        assert_eq!(exact, b"a JWS payload");
        let mut short = vec![0; 12];
        assert_eq!(decode_into(encoded.as_bytes(), &mut short), None);
        let mut long = vec![7; 20];
        assert_eq!(decode_into(encoded.as_bytes(), &mut long), Some(13));
        assert_eq!(&long[..13], b"a JWS payload");
        assert_eq!(decode(b"YQ=="), None, "padding is refused");
        assert_eq!(decode(b"YQ"), Some(b"a".to_vec()));
    }

    proptest::proptest! {
        /// The encoding of any bytes decodes back to them, as the crate decodes it.
        #[test]
        fn round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            proptest::prop_assert_eq!(decode(encoded.as_bytes()), Some(bytes));
        }

        /// Strings of base64url characters and a few others, at every length: the same verdict
        /// and bytes as the crate.
        #[test]
        fn agrees_with_the_crate(
            input in proptest::collection::vec(
                proptest::sample::select(b"AQgw_-09azZ=+/. \x00\x80\xff".to_vec()),
                0..120,
            ),
        ) {
            proptest::prop_assert_eq!(decode(&input), theirs(&input));
        }

        /// Any bytes at all.
        #[test]
        fn agrees_with_the_crate_on_any_bytes(
            input in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        ) {
            proptest::prop_assert_eq!(decode(&input), theirs(&input));
        }
    }
}
