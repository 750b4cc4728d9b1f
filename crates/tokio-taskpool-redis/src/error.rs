//! The one error type of this crate: what failed, against which server or
//! queue, and why.

use std::fmt;

/// What went wrong talking to Redis, named so that an operator knows what
/// to fix: the URL, the credentials, the server, or the item.
///
/// The URL in a message never shows a password.
///
/// ```
/// use tokio_taskpool_redis::{QueueError, RedisQueue};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let err = RedisQueue::connect("http://localhost", "jobs").await.unwrap_err();
/// assert!(matches!(err, QueueError::BadUrl { .. }));
/// assert!(err.to_string().starts_with("'http://localhost' is not a usable redis URL"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueueError {
    /// The URL cannot be parsed or names no Redis server (`redis://`,
    /// `rediss://` or `redis+unix://`).
    BadUrl {
        /// The URL, its password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server refused the password or the ACL user.
    Authentication {
        /// The URL, its password hidden.
        url: String,
        /// The server's answer.
        reason: String,
    },
    /// No server answered at that address: it is down, not listening there,
    /// or unreachable.
    Unreachable {
        /// The URL, its password hidden.
        url: String,
        /// The underlying error.
        reason: String,
    },
    /// The TLS handshake failed: most often the server's certificate is
    /// not signed by a trusted authority (see
    /// [`RedisQueue::connect_with_root_certificate`](crate::RedisQueue::connect_with_root_certificate)),
    /// or does not name the host of the URL.
    Tls {
        /// The URL, its password hidden.
        url: String,
        /// The TLS error.
        reason: String,
    },
    /// A command failed.
    Command {
        /// The queue.
        queue: String,
        /// What the crate was doing, such as "pushing an item".
        doing: &'static str,
        /// Redis's or the connection's error.
        reason: String,
    },
    /// An item could not be serialized to JSON for pushing.
    Serialize {
        /// The queue.
        queue: String,
        /// serde_json's error.
        reason: String,
    },
}

impl QueueError {
    /// A short stable name of the case, for logs and metrics.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueError;
    /// let err = QueueError::Unreachable { url: "redis://h/".into(), reason: "refused".into() };
    /// assert_eq!(err.kind(), "unreachable");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            QueueError::BadUrl { .. } => "bad_url",
            QueueError::Authentication { .. } => "authentication",
            QueueError::Unreachable { .. } => "unreachable",
            QueueError::Tls { .. } => "tls",
            QueueError::Command { .. } => "command",
            QueueError::Serialize { .. } => "serialize",
        }
    }

    /// Sorts an error met while connecting to `url` into the case it is.
    pub(crate) fn connecting(url: &str, err: &redis::RedisError) -> QueueError {
        let url = redact(url);
        let reason = err.to_string();
        if is_auth_error(err) {
            QueueError::Authentication { url, reason }
        } else if is_tls_error(&reason) {
            QueueError::Tls { url, reason }
        } else if err.kind() == redis::ErrorKind::InvalidClientConfig {
            QueueError::BadUrl { url, reason }
        } else if err.is_io_error()
            || err.is_connection_refusal()
            || err.is_timeout()
            || err.is_connection_dropped()
        {
            QueueError::Unreachable { url, reason }
        } else {
            QueueError::Command {
                queue: String::new(),
                doing: "connecting",
                reason: format!("{url}: {reason}"),
            }
        }
    }

    /// A failed command of queue `queue`.
    pub(crate) fn command(queue: &str, doing: &'static str, err: &redis::RedisError) -> QueueError {
        QueueError::Command { queue: queue.to_owned(), doing, reason: err.to_string() }
    }
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::BadUrl { url, reason } => write!(
                f,
                "'{url}' is not a usable redis URL (expected redis://, rediss:// or redis+unix://): {reason}"
            ),
            QueueError::Authentication { url, reason } => {
                write!(f, "the redis server at '{url}' refused the password or user: {reason}")
            }
            QueueError::Unreachable { url, reason } => {
                write!(f, "no redis server answered at '{url}' (down, or not listening there): {reason}")
            }
            QueueError::Tls { url, reason } => write!(
                f,
                "the TLS handshake with '{url}' failed (is its certificate signed by an authority this process trusts?): {reason}"
            ),
            QueueError::Command { queue, doing, reason } => {
                write!(f, "{doing} failed on queue '{queue}': {reason}")
            }
            QueueError::Serialize { queue, reason } => {
                write!(f, "an item for queue '{queue}' cannot be serialized to JSON: {reason}")
            }
        }
    }
}

impl std::error::Error for QueueError {}

/// Whether the server refused the credentials (a wrong password, an
/// unknown or disabled ACL user, or a password that is missing).
pub(crate) fn is_auth_error(err: &redis::RedisError) -> bool {
    err.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(err.code(), Some("WRONGPASS" | "NOAUTH" | "NOPERM"))
        || err.to_string().contains("WRONGPASS")
        || err.to_string().contains("NOAUTH")
}

/// Whether a connection error came from TLS (rustls's messages).
fn is_tls_error(reason: &str) -> bool {
    ["certificate", "CertificateRequired", "HandshakeFailure", "TLS", "tls handshake"]
        .iter()
        .any(|word| reason.contains(word))
}

/// `url` with its password, if any, replaced by `***`, in the user part
/// (`redis://user:secret@host`) and in the `pass`/`password` query
/// parameter that Unix socket URLs use.
pub(crate) fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find(['/', '?']).map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some(query_start) = out.find('?') {
        let (head, query) = out.split_at(query_start + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key == "pass" || key == "password" => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_passwords_and_nothing_else() {
        assert_eq!(redact("redis://u:secret@host:6379/0"), "redis://u:***@host:6379/0");
        assert_eq!(redact("rediss://:secret@host"), "rediss://:***@host");
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
        assert_eq!(
            redact("redis+unix:///tmp/r.sock?user=u&pass=secret&db=1"),
            "redis+unix:///tmp/r.sock?user=u&pass=***&db=1"
        );
        assert_eq!(redact("not a url"), "not a url");
    }
}
