//! A real `redis-server` for one test: started on a Unix socket in a
//! private temporary folder, persistence off unless asked for, stopped and
//! removed on drop. No test mocks Redis.
//!
//! `scripts/install-redis` installs the server. When it cannot be started
//! the test fails with the reason (under CI and elsewhere alike: a skipped
//! test would look like a passing one).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a fresh server may take to answer PING.
const STARTUP: Duration = Duration::from_secs(15);

/// What a test needs of its server beyond the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerOptions {
    /// `requirepass`: the default user's password.
    pub(crate) password: Option<String>,
    /// An ACL user and its password, with every right.
    pub(crate) acl_user: Option<(String, String)>,
    /// Append-only persistence with an fsync per write, so that a server
    /// killed and started again has every write it acknowledged.
    pub(crate) append_only: bool,
    /// Also listen with TLS on a TCP port of 127.0.0.1, with a server
    /// certificate signed by a certificate authority made for the test
    /// (with the `openssl` command).
    pub(crate) tls: bool,
}

/// A running `redis-server`.
#[derive(Debug)]
pub(crate) struct RedisServer {
    child: Option<Child>,
    /// The TLS port, when the server has one.
    tls_port: Option<u16>,
    dir: PathBuf,
    socket: PathBuf,
    options: ServerOptions,
}

impl RedisServer {
    /// A server without password or persistence.
    pub(crate) fn start() -> RedisServer {
        RedisServer::start_with(ServerOptions::default())
    }

    /// A server as `options` say.
    pub(crate) fn start_with(options: ServerOptions) -> RedisServer {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tp-redis-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("cannot make {}: {err}", dir.display()));
        let socket = dir.join("redis.sock");
        let tls_port = options.tls.then(|| {
            make_certificates(&dir);
            // A free port: the listener that found it is closed before
            // the server binds it.
            std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
        });
        let mut server = RedisServer { child: None, tls_port, dir, socket, options };
        server.launch();
        server
    }

    /// `redis+unix://` URL of the server, with the default user's password
    /// when it has one.
    pub(crate) fn url(&self) -> String {
        match &self.options.password {
            Some(password) => format!("redis+unix://{}?pass={password}", self.socket.display()),
            None => format!("redis+unix://{}", self.socket.display()),
        }
    }

    /// The `rediss://` URL of the TLS port.
    pub(crate) fn tls_url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.tls_port.expect("a server started with tls"))
    }

    /// The PEM certificate of the authority that signed the server's.
    pub(crate) fn ca_certificate(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("ca.crt")).expect("the test's certificate authority")
    }

    /// The URL with other credentials.
    pub(crate) fn url_with(&self, user: Option<&str>, password: &str) -> String {
        match user {
            Some(user) => format!("redis+unix://{}?user={user}&pass={password}", self.socket.display()),
            None => format!("redis+unix://{}?pass={password}", self.socket.display()),
        }
    }

    /// Kills the server (SIGKILL: nothing is saved at exit, only what the
    /// append-only file already holds).
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.socket);
    }

    /// Kills the server and, after `downtime`, starts it again on the same
    /// socket and folder (and so with the same append-only file).
    pub(crate) fn restart(&mut self, downtime: Duration) {
        self.kill();
        std::thread::sleep(downtime);
        self.launch();
    }

    /// Runs one command through `redis-cli` and returns its raw output.
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        let mut command = Command::new(redis_cli());
        command.arg("-s").arg(&self.socket);
        if let Some(password) = &self.options.password {
            command.arg("--no-auth-warning").arg("-a").arg(password);
        }
        let output = command.args(args).output().expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn launch(&mut self) {
        let binary = redis_server_binary();
        let mut command = Command::new(&binary);
        command
            .arg("--port")
            .arg("0")
            .arg("--unixsocket")
            .arg(&self.socket)
            .arg("--unixsocketperm")
            .arg("700")
            .arg("--dir")
            .arg(&self.dir)
            .arg("--save")
            .arg("")
            .arg("--logfile")
            .arg(self.dir.join("redis.log"))
            .arg("--daemonize")
            .arg("no");
        if self.options.append_only {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        if let Some(password) = &self.options.password {
            command.arg("--requirepass").arg(password);
        }
        if let Some(port) = self.tls_port {
            command
                .arg("--tls-port")
                .arg(port.to_string())
                .arg("--tls-cert-file")
                .arg(self.dir.join("server.crt"))
                .arg("--tls-key-file")
                .arg(self.dir.join("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(self.dir.join("ca.crt"))
                .args(["--tls-auth-clients", "no"]);
        }
        if let Some((user, password)) = &self.options.acl_user {
            command
                .arg("--user")
                .arg(user)
                .arg("on")
                .arg(format!(">{password}"))
                .arg("~*")
                .arg("&*")
                .arg("+@all");
        }
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let child = command.spawn().unwrap_or_else(|err| {
            panic!("cannot start {} (install it with scripts/install-redis): {err}", binary.display())
        });
        self.child = Some(child);
        self.wait_for_ping();
    }

    /// Waits until the server answers PING on its socket (`-NOAUTH` counts:
    /// it is up), at most [`STARTUP`].
    fn wait_for_ping(&mut self) {
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(answer) = ping(&self.socket) {
                if answer.starts_with("+PONG") || answer.starts_with("-NOAUTH") {
                    return;
                }
            }
            if let Some(child) = &mut self.child {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "redis-server exited ({status}) before answering PING on {}; its log:\n{}",
                        self.socket.display(),
                        self.log()
                    );
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "redis-server did not answer PING on {} within {STARTUP:?}; its log:\n{}",
                    self.socket.display(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A certificate authority (`ca.crt`) and a server certificate for
/// 127.0.0.1 and localhost that it signed (`server.crt`, `server.key`), in
/// `dir`, made with the `openssl` command.
fn make_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl").args(args).current_dir(dir).output().unwrap_or_else(|err| {
            panic!("cannot run openssl (Debian's openssl package) to make test certificates: {err}")
        });
        assert!(
            output.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=tokio-taskpool-redis test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}

/// One PING on a fresh connection, its first reply line.
fn ping(socket: &Path) -> Option<String> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    stream.write_all(b"PING\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// `redis-server` on PATH, else Debian's.
fn redis_server_binary() -> PathBuf {
    find_binary("redis-server").unwrap_or_else(|| {
        panic!(
            "redis-server is not installed (not on PATH nor /usr/bin); run scripts/install-redis{}",
            if std::env::var_os("CI").is_some() { " (CI must install it: see .ci/run)" } else { "" }
        )
    })
}

fn redis_cli() -> PathBuf {
    find_binary("redis-cli")
        .unwrap_or_else(|| panic!("redis-cli is not installed; run scripts/install-redis"))
}

fn find_binary(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    on_path.or_else(|| Some(PathBuf::from("/usr/bin").join(name)).filter(|path| path.is_file()))
}
