//! Durations, written `"15m"`, `"1h30m"`, `"7d"` or `"45s"`.

/// The units, largest first: a duration names each at most once, in this order.
const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// A duration such as `"1h30m"`, in seconds; `None` when it does not parse or overflows.
#[must_use]
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut rest = text;
    let mut total: u64 = 0;
    let mut next_unit = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let amount: u64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let position = UNITS[next_unit..].iter().position(|(u, _)| *u == unit)?;
        let (_, seconds) = UNITS[next_unit + position];
        total = total.checked_add(amount.checked_mul(seconds)?)?;
        next_unit += position + 1;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Some(total)
}

/// Whether a token lifetime (`expiration`, `refresh_expiration`) of `seconds` is valid: longer
/// than zero, in whole seconds, which is what a token's `exp` counts.
#[must_use]
pub const fn is_valid_lifetime(seconds: u64) -> bool {
    seconds > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid() {
        assert_eq!(parse_duration("45s"), Some(45));
        assert_eq!(parse_duration("15m"), Some(900));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("1d2h3m4s"), Some(93_784));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("90m"), Some(5_400));
    }

    #[test]
    fn invalid() {
        for text in [
            "",
            "1",
            "h",
            "1x",
            "1 h",
            " 1h",
            "1h ",
            "1.5h",
            "-1h",
            "30m1h",
            "1h1h",
            "1hm",
            "1H",
            "1 day",
            "99999999999999999999s",
            "999999999999999999d",
        ] {
            assert_eq!(parse_duration(text), None, "{text:?}");
        }
    }

    #[test]
    fn lifetimes() {
        assert!(!is_valid_lifetime(0));
        assert!(is_valid_lifetime(1));
        assert!(is_valid_lifetime(u64::MAX));
    }
}
