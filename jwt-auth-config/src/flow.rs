//! The flows, and which flows a key applies to.

/// How the token travels, as `jwt_auth::Flow`: Litestar's `JWTAuth`, `JWTCookieAuth` and
/// `OAuth2PasswordBearerAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// `Authorization: Bearer <jwt>` only.
    #[default]
    Header,
    /// The header, or else the cookie.
    Cookie,
    /// As the cookie flow, with an `OAuth2` token endpoint.
    OAuth2Password,
}

impl Flow {
    /// Every flow, in the documentation's order.
    pub const ALL: [Self; 3] = [Self::Header, Self::Cookie, Self::OAuth2Password];

    /// The flow's name: `"oauth2_password"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Cookie => "cookie",
            Self::OAuth2Password => "oauth2_password",
        }
    }

    /// The flow named `name`, exactly.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flow| flow.name() == name)
    }

    /// Whether the flow reads and sets the cookie.
    #[must_use]
    pub const fn uses_cookie(self) -> bool {
        !matches!(self, Self::Header)
    }
}

/// The flows a key applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every flow.
    AllFlows,
    /// The flows that use the cookie: the cookie flow and the `OAuth2` password flow.
    CookieFlows,
    /// The `OAuth2` password flow only.
    OAuth2Password,
}

impl Scope {
    /// Whether a key of this scope applies to `flow`.
    #[must_use]
    pub const fn includes(self, flow: Flow) -> bool {
        match self {
            Self::AllFlows => true,
            Self::CookieFlows => flow.uses_cookie(),
            Self::OAuth2Password => matches!(flow, Flow::OAuth2Password),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for flow in Flow::ALL {
            assert_eq!(Flow::from_name(flow.name()), Some(flow));
        }
        assert_eq!(
            Flow::from_name("oauth2_password"),
            Some(Flow::OAuth2Password)
        );
        for wrong in ["", "oauth2", "Header", "cookies", " cookie"] {
            assert_eq!(Flow::from_name(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn scopes() {
        let included = |scope: Scope| -> Vec<Flow> {
            Flow::ALL
                .into_iter()
                .filter(|f| scope.includes(*f))
                .collect()
        };
        assert_eq!(included(Scope::AllFlows), Flow::ALL);
        assert_eq!(
            included(Scope::CookieFlows),
            [Flow::Cookie, Flow::OAuth2Password]
        );
        assert_eq!(included(Scope::OAuth2Password), [Flow::OAuth2Password]);
    }
}
