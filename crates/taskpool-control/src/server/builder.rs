use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::{Config, ControlServer, Shared};
use crate::net::ServerTls;
use crate::pool::{ControlledPool, ForTaskPool, Registry};

/// Sets up a [`ControlServer`]: its access token, read-only mode, limits
/// and, for a [`TaskPool`](tokio_taskpool::TaskPool), the functions clients may start.
/// Made by [`ControlServer::builder`].
///
/// ```
/// use std::time::Duration;
/// use taskpool_control::ControlServer;
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("ingest").build();
/// let server = ControlServer::builder(&pool)
///     .register("fetch", |url: String| async move { url.len() })
///     .token("correct-horse-battery-staple")
///     .max_sessions(4)
///     .idle_timeout(Duration::from_secs(60))
///     .build();
/// assert_eq!(server.pool().handle().to_string(), "TaskPool-ingest");
/// # }
/// ```
#[must_use = "a builder does nothing until .build()"]
pub struct ControlServerBuilder<K = ForTaskPool> {
    pool: ControlledPool,
    registry: Registry,
    config: Config,
    kind: PhantomData<K>,
}

impl ControlServerBuilder<ForTaskPool> {
    /// Registers `f` under `name`, for `apply`, `map`, `starmap` and
    /// `doublestarmap`: the only functions a client can ever start. By
    /// default, none is registered.
    ///
    /// `f` takes one argument, deserialized with serde from the JSON the
    /// client sends; its result is dropped. For `starmap`, make the argument
    /// a tuple (each item is a JSON array); for `doublestarmap`, a struct
    /// (each item is a JSON object).
    ///
    /// ```
    /// use serde::Deserialize;
    /// use taskpool_control::ControlServer;
    /// use tokio_taskpool::TaskPool;
    ///
    /// #[derive(Deserialize)]
    /// struct Job {
    ///     url: String,
    ///     retries: u32,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let server = ControlServer::builder(TaskPool::new())
    ///     .register("fetch", |url: String| async move { drop(url) }) // map fetch '["a", "b"]'
    ///     .register("add", |(a, b): (u32, u32)| async move { a + b }) // starmap add '[[1, 2], [3, 4]]'
    ///     .register("job", |job: Job| async move { job.retries }) // doublestarmap job '[{"url": "a", "retries": 3}]'
    ///     .register("tick", |(): ()| async {}) // apply tick -n 5
    ///     .build();
    /// # }
    /// ```
    ///
    /// Only a `TaskPool`'s server has this method: a
    /// [`SimpleTaskPool`](tokio_taskpool::SimpleTaskPool) runs only its own
    /// worker (see [`Controllable`](crate::Controllable)).
    ///
    /// # Panics
    ///
    /// If `name` is empty or contains
    /// whitespace, or longer than `Command::MAX_NAME_LEN` (128 bytes, the
    /// longest name a client may send); if `name` is registered already.
    #[track_caller]
    pub fn register<F, A, Fut>(mut self, name: impl Into<String>, f: F) -> Self
    where
        F: Fn(A) -> Fut + Send + Sync + 'static,
        A: DeserializeOwned + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        self.registry.insert(name.into(), f);
        self
    }
}

impl<K> ControlServerBuilder<K> {
    pub(crate) fn new(pool: ControlledPool) -> Self {
        ControlServerBuilder {
            pool,
            registry: Registry::default(),
            config: Config::default(),
            kind: PhantomData,
        }
    }

    /// Requires every client to present `token` in its first line. By
    /// default, no token is set: the server then listens on Unix sockets
    /// only (mode 0600, so its owner's), and on loopback TCP only after
    /// [`allow_unauthenticated_loopback`](Self::allow_unauthenticated_loopback).
    /// With a token it may listen on loopback TCP, and with a token and
    /// [`tls`](Self::tls) on any address; every client, on TCP or a Unix
    /// socket, must present it. A wrong or missing token is answered after
    /// a delay that doubles with each failure from the same address (from
    /// 250 ms up to 16 s), and logged at warn level with the peer.
    ///
    /// On plain TCP the token travels in clear text, which is why a
    /// listener beyond loopback needs TLS. Make it random, e.g. with
    /// `openssl rand -hex 16`.
    ///
    /// # Panics
    ///
    /// If `token` is shorter than [`MIN_TOKEN_LEN`](crate::MIN_TOKEN_LEN)
    /// bytes: an empty token, as `std::env::var("TOKEN").unwrap_or_default()`
    /// gives when the variable is not set, would let in every client that
    /// sends none, and a short one is easily guessed. The message gives the
    /// length, never the token.
    #[track_caller]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.config.tokens.control =
            Some(checked_token("token", token.into(), &self.config.tokens.read_only));
        self
    }

    /// A second access token, which opens read-only sessions: they run the
    /// queries and are refused every command that would change the pool
    /// (`read_only`), as on a [`read_only`](Self::read_only) server. For
    /// dashboards and monitoring, so that they never hold the token that
    /// can change the pool. A server may have this token with or without
    /// the full one ([`token`](Self::token)); with either, every client
    /// must present one of them.
    ///
    /// ```
    /// use taskpool_control::ControlServer;
    /// use tokio_taskpool::TaskPool;
    ///
    /// let server = ControlServer::builder(TaskPool::new())
    ///     .token("full-control-0123456789")
    ///     .read_only_token("look-but-do-not-touch")
    ///     .build();
    /// ```
    ///
    /// # Panics
    ///
    /// As [`token`](Self::token); and if it is the same as the full token.
    #[track_caller]
    pub fn read_only_token(mut self, token: impl Into<String>) -> Self {
        self.config.tokens.read_only =
            Some(checked_token("read_only_token", token.into(), &self.config.tokens.control));
        self
    }

    /// Makes every TCP listener of the server speak TLS only, with this
    /// certificate and key. Plain TCP remains for loopback addresses, where
    /// asyncio-taskpool's own client connects; beyond loopback, a listener
    /// needs TLS and a token ([`ListenError::RemoteWithoutTls`](crate::ListenError::RemoteWithoutTls)).
    /// Unix sockets are not affected. A plain client connecting to a TLS
    /// listener is told `tls_required` in plain text and disconnected.
    ///
    /// ```no_run
    /// use taskpool_control::{ControlServer, ServerTls};
    /// use tokio_taskpool::TaskPool;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let tls = ServerTls::from_pem_files("control.crt", "control.key")?;
    /// let server = ControlServer::builder(TaskPool::new()).token("0123456789abcdef0123").tls(tls).build();
    /// let handle = server.listen_tcp("0.0.0.0:7878").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, tls: ServerTls) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// Whether [`ControlServer::listen_tcp`] may listen on a loopback
    /// address without an access token. By default, false: without a
    /// [`token`](Self::token), `listen_tcp` fails with
    /// [`ListenError::TokenRequired`](crate::ListenError::TokenRequired),
    /// because every local user, not only the server's owner, can connect
    /// to a loopback port (a Unix socket, mode 0600, admits its owner
    /// only). Each such listener is logged at warn level when it starts.
    ///
    /// Set it for a client that cannot send a token, such as
    /// asyncio-taskpool's own, on a machine whose users are trusted. It
    /// never allows an address beyond loopback without a token.
    ///
    /// ```
    /// use taskpool_control::ControlServer;
    /// use tokio_taskpool::TaskPool;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let strict = ControlServer::builder(&pool).build();
    /// assert!(strict.listen_tcp("127.0.0.1:0").await.is_err());
    /// let open = ControlServer::builder(&pool).allow_unauthenticated_loopback(true).build();
    /// let handle = open.listen_tcp("127.0.0.1:0").await.unwrap();
    /// # drop(handle);
    /// # }
    /// ```
    pub fn allow_unauthenticated_loopback(mut self, allow: bool) -> Self {
        self.config.unauthenticated_loopback = allow;
        self
    }

    /// Whether the server refuses every command that changes the pool, and
    /// runs only queries (`status`, `tasks`, `pool-size`, `num-*`, `is-*`,
    /// `group-ids`, `registered`, `help`). By default, false.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.config.read_only = read_only;
        self
    }

    /// The longest line a client may send, in bytes. A longer line is read
    /// to its end and dropped, and gets a `line_too_long` error. By default,
    /// 64 KiB.
    ///
    /// # Panics
    ///
    /// If `bytes` is below 256: the hello itself would not fit.
    #[track_caller]
    pub fn max_line_len(mut self, bytes: usize) -> Self {
        assert!(bytes >= 256, "max_line_len({bytes}): at least 256 bytes are needed for the hello");
        self.config.max_line_len = bytes;
        self
    }

    /// How many sessions may be open at once, over all the listeners of the
    /// server. A session takes its place once its hello (and token) is
    /// accepted, so connections that never say hello never hold one (they
    /// have their own cap, [`max_handshakes`](Self::max_handshakes)). A
    /// client beyond the limit gets a `too_many_sessions` error in answer to
    /// its hello and is disconnected. By default, 16.
    ///
    /// # Panics
    ///
    /// If `sessions` is 0.
    #[track_caller]
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        assert!(sessions > 0, "max_sessions(0): no client could ever connect");
        self.config.max_sessions = sessions;
        self
    }

    /// How long a session may stay silent (no line received) before the
    /// server closes it with an `idle_timeout` error. By default, 10
    /// minutes. A reply not taken has its own, shorter limit,
    /// [`write_timeout`](Self::write_timeout).
    ///
    /// # Panics
    ///
    /// If `timeout` is zero.
    #[track_caller]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        assert!(!timeout.is_zero(), "idle_timeout(0): every session would time out at once");
        self.config.idle_timeout = timeout;
        self
    }

    /// How long a new connection has to complete its handshake: send its
    /// hello, with the token when one is required, and have it accepted. A
    /// connection that has not by then gets a `handshake_timeout` error and
    /// is closed, however slowly it is still sending. By default, 5 seconds.
    ///
    /// # Panics
    ///
    /// If `timeout` is zero.
    #[track_caller]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        assert!(!timeout.is_zero(), "handshake_timeout(0): no client could ever say hello");
        self.config.handshake_timeout = timeout;
        self
    }

    /// How many connections may be waiting for their handshake at once,
    /// over all the listeners of the server. They do not count against
    /// [`max_sessions`](Self::max_sessions); a connection beyond this cap
    /// gets a `too_many_connections` error at once and is closed, without
    /// holding up the server. Each waits at most the
    /// [`handshake_timeout`](Self::handshake_timeout). By default, 256.
    ///
    /// # Panics
    ///
    /// If `connections` is 0.
    #[track_caller]
    pub fn max_handshakes(mut self, connections: usize) -> Self {
        assert!(connections > 0, "max_handshakes(0): no client could ever connect");
        self.config.max_handshakes = connections;
        self
    }

    /// The most rows a `tasks` or `status` reply lists: the running tasks
    /// with the lowest IDs, or the oldest groups. A longer list is cut,
    /// and the reply says so (`truncated`, `groups_truncated`) and gives
    /// the count in all, so that a query of a huge pool stays small. By
    /// default, 1000.
    ///
    /// # Panics
    ///
    /// If `rows` is 0.
    #[track_caller]
    pub fn max_reply_rows(mut self, rows: usize) -> Self {
        assert!(rows > 0, "max_reply_rows(0): no reply could list anything");
        self.config.max_reply_rows = rows;
        self
    }

    /// How long one command may run: a command that waits (`flush` while a
    /// callback takes long, `retire`) and is not done by then is stopped,
    /// and the client gets a `command_timeout` error; the session goes on.
    /// A command also stops, and its session ends, when the client closes
    /// the connection while it runs (unless the client has sent further
    /// lines, which are read first). `retire` refuses a `SECONDS` that is
    /// not shorter than this. By default, 2 minutes.
    ///
    /// # Panics
    ///
    /// If `timeout` is zero.
    #[track_caller]
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        assert!(!timeout.is_zero(), "command_timeout(0): every command would time out at once");
        self.config.command_timeout = timeout;
        self
    }

    /// How long the client may take to accept a reply before the server
    /// closes its session, so that a client that sends requests and never
    /// reads the replies frees its session's place soon. It is never longer
    /// than the [`idle_timeout`](Self::idle_timeout). By default, 10
    /// seconds.
    ///
    /// # Panics
    ///
    /// If `timeout` is zero.
    #[track_caller]
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        assert!(!timeout.is_zero(), "write_timeout(0): no reply could ever be written");
        self.config.write_timeout = timeout;
        self
    }

    /// The most tasks one command may ask for: `start N`, `apply -n N`, or
    /// the items of a map command. A command asking for more is refused
    /// with a `too_many_tasks` error and starts nothing, so that one
    /// command cannot fill the memory of an unlimited pool. By default,
    /// 10,000.
    ///
    /// # Panics
    ///
    /// If `tasks` is 0.
    #[track_caller]
    pub fn max_tasks_per_command(mut self, tasks: usize) -> Self {
        assert!(tasks > 0, "max_tasks_per_command(0): no command could start anything");
        self.config.max_tasks_per_command = tasks;
        self
    }

    /// Builds the server; it listens once asked to, with
    /// [`ControlServer::listen_tcp`] or [`ControlServer::listen_unix`].
    pub fn build(self) -> ControlServer {
        ControlServer { shared: Arc::new(Shared::new(self.pool, self.registry, self.config)) }
    }
}

/// The shortest access token [`ControlServerBuilder::token`] and
/// [`ControlServerBuilder::read_only_token`] take, in bytes.
pub const MIN_TOKEN_LEN: usize = 16;

#[track_caller]
fn checked_token(setter: &str, token: String, other: &Option<String>) -> String {
    assert!(
        token.len() >= MIN_TOKEN_LEN,
        "{setter}: an access token must be at least {MIN_TOKEN_LEN} bytes long, not {}",
        token.len()
    );
    assert!(
        other.as_deref() != Some(token.as_str()),
        "{setter}: the full and the read-only token must differ"
    );
    token
}

impl<K> fmt::Debug for ControlServerBuilder<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlServerBuilder")
            .field("pool", &self.pool.handle().to_string())
            .field("registered", &self.registry)
            .field("config", &self.config)
            .finish()
    }
}
