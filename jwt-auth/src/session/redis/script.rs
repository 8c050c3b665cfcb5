//! What the Redis store writes, and how: the key names under the prefix, the two Lua scripts
//! that change a subject's records atomically (`records.lua` is their common part), and the
//! revocation messages they publish.

use redis::Script;

use crate::session::store::{Revocation, Target};

/// A refresh: `records.lua` then `rotate.lua`.
pub(crate) fn rotate_script() -> Script {
    Script::new(concat!(
        include_str!("records.lua"),
        include_str!("rotate.lua")
    ))
}

/// A revocation: `records.lua` then `revoke.lua`.
pub(crate) fn revoke_script() -> Script {
    Script::new(concat!(
        include_str!("records.lua"),
        include_str!("revoke.lua")
    ))
}

/// The largest Unix time written: Lua counts in doubles, exact below 2^53, and `EXPIREAT` takes
/// it in milliseconds below 2^63. "For ever" (`u64::MAX`) is this, some hundred million years.
pub(crate) const NEVER: u64 = 1 << 52;

/// The names under one prefix, so that several applications share a Redis.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
    /// The sorted set of the subjects with a revocation, by the expiry of the last one.
    pub revoked: String,
    /// The channel revocations are published on.
    pub channel: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            revoked: format!("{prefix}revoked"),
            channel: format!("{prefix}revocations"),
        }
    }

    /// The hash of a subject's records.
    pub(crate) fn subject(&self, subject: &str) -> String {
        format!("{}s:{subject}", self.prefix)
    }

    /// The key that marks a WebSocket ticket spent.
    pub(crate) fn ticket(&self, jti: &str) -> String {
        format!("{}ticket:{jti}", self.prefix)
    }

    /// The channel of one instance's heartbeats.
    pub(crate) fn heartbeat(&self, instance: &str) -> String {
        format!("{}heartbeat:{instance}", self.prefix)
    }
}

/// The largest revocation message taken: a subject is at most a token long (8 KiB by default).
const MAX_MESSAGE: usize = 64 * 1024;

/// A revocation as published: `<c|f|t> <at> <until> <subject length> <subject><id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    kind: u8,
    at: u64,
    until: u64,
    subject: String,
    id: String,
}

impl Message {
    /// Reads a published message; `None` for anything else.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > MAX_MESSAGE {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(5, ' ');
        let kind = match parts.next()? {
            "c" => b'c',
            "f" => b'f',
            "t" => b't',
            _ => return None,
        };
        let at = parts.next()?.parse().ok()?;
        let until = parts.next()?.parse().ok()?;
        let length: usize = parts.next()?.parse().ok()?;
        let rest = parts.next()?;
        let subject = rest.get(..length)?;
        let id = rest.get(length..)?;
        if subject.is_empty() || (kind == b'c') != id.is_empty() {
            return None;
        }
        Some(Self {
            kind,
            at,
            until,
            subject: subject.to_owned(),
            id: id.to_owned(),
        })
    }

    /// The revocation it announces.
    pub(crate) fn revocation(&self) -> Revocation<'_> {
        let target = match self.kind {
            b'c' => Target::Subject,
            b'f' => Target::Family(&self.id),
            _ => Target::Token(&self.id),
        };
        Revocation::new(&self.subject, target, self.at, self.until)
    }

    /// The revocations a subject's hash holds (what a snapshot loads): its cutoff, its revoked
    /// families and `jti`s; `fields` is what `HGETALL` answers.
    pub(crate) fn from_fields(subject: &str, fields: &[(String, String)]) -> Vec<Self> {
        fields
            .iter()
            .filter_map(|(field, value)| {
                let (kind, id) = match field.split_once(':') {
                    None if field == "c" => (b'c', ""),
                    Some(("f", id)) => (b'f', id),
                    Some(("t", id)) => (b't', id),
                    _ => return None,
                };
                let mut parts = value.split(':');
                let state = parts.next()?;
                if kind != b'c' && state != "r" {
                    return None;
                }
                Some(Self {
                    kind,
                    at: parts.next()?.parse().ok()?,
                    until: parts.next()?.parse().ok()?,
                    subject: subject.to_owned(),
                    id: id.to_owned(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_back_what_the_scripts_write() {
        let message = Message::parse(b"f 10 20 3 adaFAMILY").unwrap();
        assert_eq!(
            message.revocation(),
            Revocation::new("ada", Target::Family("FAMILY"), 10, 20)
        );
        let odd = Message::parse("c 1 2 6 a b:c\n".as_bytes()).unwrap();
        assert_eq!(
            odd.revocation(),
            Revocation::new("a b:c\n", Target::Subject, 1, 2)
        );
        for bad in [
            &b"x 1 2 1 a"[..],
            b"f 1 2 1 a",
            b"c 1 2 1 ab",
            b"t 1 2 9 a",
            b"f -1 2 1 ab",
            b"",
        ] {
            assert_eq!(
                Message::parse(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(Message::parse(&vec![b'c'; MAX_MESSAGE + 1]), None);
    }

    #[test]
    fn a_snapshot_takes_the_revocations_and_leaves_the_live_families() {
        let fields = [
            ("c".to_owned(), "c:5:50".to_owned()),
            ("f:A".to_owned(), "r:6:60".to_owned()),
            ("f:B".to_owned(), "12:7:70".to_owned()),
            ("t:j".to_owned(), "r:8:80".to_owned()),
            ("junk".to_owned(), "r:1:1".to_owned()),
        ];
        let revocations: Vec<_> = Message::from_fields("ada", &fields)
            .iter()
            .map(|message| format!("{:?}", message.revocation()))
            .collect();
        assert_eq!(revocations.len(), 3, "{revocations:?}");
        assert!(revocations[0].contains("Subject"));
        assert!(revocations[1].contains("Family(\"A\")"));
        assert!(revocations[2].contains("Token(\"j\")"));
    }
}
