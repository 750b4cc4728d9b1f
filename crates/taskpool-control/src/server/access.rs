//! What a session may do, decided by the token its client presents: every
//! command, or queries only. A server may have one token of each kind.

/// What a session may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Every command the pool's kind supports.
    Control,
    /// Queries only; every command that would change the pool is refused.
    ReadOnly,
}

/// The access tokens of a server and the server-wide read-only setting.
#[derive(Clone, Default)]
pub(crate) struct AccessTokens {
    pub(crate) control: Option<String>,
    pub(crate) read_only: Option<String>,
}

impl AccessTokens {
    /// Whether clients must present a token.
    pub(crate) fn required(&self) -> bool {
        self.control.is_some() || self.read_only.is_some()
    }

    /// What a client presenting `presented` may do, on a server that is
    /// read-only as a whole or not; `None` when the token is wrong or
    /// missing. Both tokens are always compared, in time that does not
    /// depend on where the bytes differ, so that timing tells nothing.
    pub(crate) fn access_for(&self, presented: Option<&str>, server_read_only: bool) -> Option<Access> {
        let full = if server_read_only { Access::ReadOnly } else { Access::Control };
        if !self.required() {
            return Some(full);
        }
        let presented = presented.unwrap_or("");
        let control = self.control.as_deref().is_some_and(|token| same_secret(token, presented));
        let read_only = self.read_only.as_deref().is_some_and(|token| same_secret(token, presented));
        match (control, read_only) {
            (true, _) => Some(full),
            (false, true) => Some(Access::ReadOnly),
            (false, false) => None,
        }
    }
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |token: &Option<String>| token.as_ref().map(|_| "<redacted>");
        f.debug_struct("AccessTokens")
            .field("control", &redacted(&self.control))
            .field("read_only", &redacted(&self.read_only))
            .finish()
    }
}

/// Compares every byte of `expected`, whatever `presented` holds.
fn same_secret(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    let mut diff = u8::from(a.len() != b.len());
    for (i, &x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> AccessTokens {
        AccessTokens { control: Some("s3cret".into()), read_only: Some("peek".into()) }
    }

    #[test]
    fn a_token_must_match_exactly() {
        let tokens = tokens();
        assert_eq!(tokens.access_for(Some("s3cret"), false), Some(Access::Control));
        assert_eq!(tokens.access_for(Some("peek"), false), Some(Access::ReadOnly));
        for wrong in [None, Some(""), Some("s3cre"), Some("s3cretx"), Some("S3cret"), Some("peekx")] {
            assert_eq!(tokens.access_for(wrong, false), None, "{wrong:?} must not match");
        }
    }

    #[test]
    fn a_read_only_server_gives_read_only_access_to_every_token() {
        assert_eq!(tokens().access_for(Some("s3cret"), true), Some(Access::ReadOnly));
        assert_eq!(AccessTokens::default().access_for(None, true), Some(Access::ReadOnly));
    }

    #[test]
    fn without_tokens_everyone_gets_in() {
        assert_eq!(AccessTokens::default().access_for(None, false), Some(Access::Control));
        assert_eq!(AccessTokens::default().access_for(Some("anything"), false), Some(Access::Control));
    }

    #[test]
    fn debug_hides_the_tokens() {
        let debug = format!("{:?}", tokens());
        assert!(!debug.contains("s3cret") && !debug.contains("peek"), "{debug}");
    }
}
