//! An accepted connection before it can carry lines. A TLS listener's
//! connection still needs its TLS handshake, which runs in the session's
//! own task under the handshake deadline, never in the accept loop, so a
//! client that stalls it holds up nobody else.

use std::io;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::Stream;

/// The first byte of every TLS connection: a handshake record.
pub(crate) const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// An accepted connection, as the listener hands it over.
pub(crate) enum Incoming {
    /// A Unix socket's: ready as it is.
    #[cfg(unix)]
    Unix(Stream),
    /// A plain TCP listener's.
    Tcp(TcpStream),
    /// A TLS listener's, before its TLS handshake.
    Tls(TcpStream, TlsAcceptor),
}

/// What became of a connection once its first bytes were seen.
pub(crate) enum Established {
    /// Ready for the hello.
    Ready(Stream),
    /// A client that speaks plain text to a TLS listener; it is told so
    /// in plain text, then closed.
    PlainOnTls(Stream),
    /// Nothing more can be done with it: why, for the debug log.
    Closed(String),
}

impl Incoming {
    /// Runs the TLS handshake where there is one, after a look at the first
    /// byte: a plain client on a TLS listener is found at once rather than
    /// at the deadline.
    ///
    /// Cancel safe: dropping the future drops the connection.
    pub(crate) async fn establish(self) -> Established {
        match self {
            #[cfg(unix)]
            Incoming::Unix(stream) => Established::Ready(stream),
            // A TLS client here is found by the session, at its first byte
            // (`starts_tls`), under the handshake deadline like every other
            // wait before the hello.
            Incoming::Tcp(stream) => Established::Ready(Stream::Tcp(stream)),
            Incoming::Tls(stream, acceptor) => match first_byte(&stream).await {
                Ok(Some(TLS_HANDSHAKE_RECORD)) => match acceptor.accept(stream).await {
                    Ok(tls) => Established::Ready(Stream::Tls(Box::new(tls))),
                    Err(e) => Established::Closed(format!("TLS handshake failed: {e}")),
                },
                Ok(Some(_)) => Established::PlainOnTls(Stream::Tcp(stream)),
                Ok(None) => Established::Closed("closed before its first byte".to_owned()),
                Err(e) => Established::Closed(e.to_string()),
            },
        }
    }
}

/// The first byte the client sent, left unread; `None` when it closed
/// without sending one.
async fn first_byte(stream: &TcpStream) -> io::Result<Option<u8>> {
    let mut byte = [0u8; 1];
    match stream.peek(&mut byte).await? {
        0 => Ok(None),
        _ => Ok(Some(byte[0])),
    }
}
