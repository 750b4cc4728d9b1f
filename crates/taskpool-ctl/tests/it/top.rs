//! `taskpool-ctl ... -- top`, the live view, in a real pseudo-terminal
//! (portable-pty, which makes it the child's controlling terminal as a
//! terminal emulator does), its screen read back through a terminal
//! parser (vt100), against a real server with a token.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use nix::sys::termios::LocalFlags;
use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use taskpool_control::ControlServer;
use tokio_taskpool::SimpleTaskPool;

use crate::support::{socket_path, target, wait_until, within};

const TOKEN: &str = "top-test-token-0123456789";
const READ_ONLY_TOKEN: &str = "top-test-look-only-0123456789";

/// What the child has drawn: the parsed screen, and every byte as it came.
struct Screen {
    parser: vt100::Parser,
    raw: Vec<u8>,
    /// The reading ended: the child has gone and closed the terminal.
    closed: bool,
}

/// `taskpool-ctl` running in a pseudo-terminal.
struct Tty {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<Screen>>,
}

impl Tty {
    /// Runs `taskpool-ctl ARGS` with `token` in its environment.
    fn spawn(args: &[String], token: &str, rows: u16, cols: u16) -> Tty {
        Tty::spawn_in(args, token, &std::env::temp_dir(), rows, cols)
    }

    /// As [`Tty::spawn`], with `home` as its home (an interactive session
    /// keeps its history there).
    fn spawn_in(args: &[String], token: &str, home: &std::path::Path, rows: u16, cols: u16) -> Tty {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_taskpool-ctl"));
        command.args(args);
        command.env("TASKPOOL_CTL_TOKEN", token);
        command.env("TERM", "xterm-256color");
        command.env("HOME", home);
        let child = pair.slave.spawn_command(command).expect("taskpool-ctl starts");
        // Only the child holds the terminal's other end now, so reading
        // ends when it exits.
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(Screen {
            parser: vt100::Parser::new(rows, cols, 0),
            raw: Vec::new(),
            closed: false,
        }));
        let mut reader = pair.master.try_clone_reader().expect("a reader of the terminal");
        let filling = Arc::clone(&screen);
        // The terminal must be read all along, or the child blocks on a
        // full buffer; a blocking read wants a thread.
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            loop {
                // EIO once the child has gone (Linux), or 0: done either way.
                let read = reader.read(&mut chunk).unwrap_or(0);
                let mut screen = filling.lock().unwrap();
                if read == 0 {
                    screen.closed = true;
                    return;
                }
                screen.parser.process(&chunk[..read]);
                screen.raw.extend_from_slice(&chunk[..read]);
            }
        });
        let writer = pair.master.take_writer().expect("a writer to the terminal");
        Tty { master: pair.master, writer, child, screen }
    }

    /// The screen's text, row by row.
    fn contents(&self) -> String {
        self.screen.lock().unwrap().parser.screen().contents()
    }

    /// The first screen row holding `needle`, if any.
    fn row(&self, needle: &str) -> Option<String> {
        self.contents().lines().find(|line| line.contains(needle)).map(str::to_owned)
    }

    /// The status line: the two rows above the help line at the bottom,
    /// as one.
    fn status_line(&self) -> String {
        let contents = self.contents();
        let rows: Vec<&str> = contents.lines().collect();
        let help = rows.iter().rposition(|row| row.starts_with("q quit")).expect("the help line is shown");
        rows[help - 2..help].iter().map(|row| row.trim_end()).collect::<Vec<_>>().join(" ").trim().to_owned()
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until the screen shows `text`, saying what it showed if not.
    async fn wait_for(&self, what: &str, mut shown: impl FnMut(&str) -> bool) {
        let screen = Arc::clone(&self.screen);
        let found = within(what, async {
            loop {
                let contents = screen.lock().unwrap().parser.screen().contents();
                if shown(&contents) {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        // `within` panics with `what` on a timeout; the screen helps more.
        let guard = PrintOnPanic(self);
        found.await;
        std::mem::forget(guard);
    }
}

/// Waits for the child to exit after `q`, which must be a success.
async fn exits_with_success(tty: Tty) {
    let mut child = tty.child;
    let status = within("taskpool-ctl to exit", tokio::task::spawn_blocking(move || child.wait()))
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "taskpool-ctl exits with success: {status:?}");
}

/// Prints the screen when a wait panics, so a failure shows what was drawn.
struct PrintOnPanic<'a>(&'a Tty);

impl Drop for PrintOnPanic<'_> {
    fn drop(&mut self) {
        eprintln!("the screen was:\n{}", self.0.contents());
    }
}

/// The number after `label ` in `line`.
fn number_after(line: &str, label: &str) -> Option<usize> {
    let rest = &line[line.find(&format!("{label} "))? + label.len() + 1..];
    rest.split_whitespace().next()?.parse().ok()
}

#[tokio::test]
async fn top_shows_the_pool_starts_a_worker_and_restores_the_terminal() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-top").build();
    pool.start(2).unwrap();
    let handle = ControlServer::builder(&pool).token(TOKEN).build().listen_tcp("127.0.0.1:0").await.unwrap();
    let mut args = target(&handle);
    assert_eq!(args[0], "tcp");
    args.extend(["--", "top", "--interval", "0.2"].map(str::to_owned));
    let mut tty = Tty::spawn(&args, TOKEN, 30, 100);

    // The pool's name, and its running count on the pool's line.
    let running = |screen: &str, n: usize| {
        screen.lines().any(|line| line.contains("size ") && number_after(line, "running") == Some(n))
    };
    tty.wait_for("the pool with 2 running", |s| s.contains("SimpleTaskPool-ctl-top") && running(s, 2)).await;
    assert!(tty.contents().contains("start-group-0"), "the group is listed:\n{}", tty.contents());

    // `+` starts one worker: in the pool, and then on the screen.
    tty.press("+");
    wait_until("the pool to run 3 workers after +", || pool.num_running() == 3).await;
    tty.wait_for("3 running on the screen", |s| running(s, 3)).await;
    tty.wait_for("the message of the start", |s| s.contains("started 1 worker")).await;
    let line = tty.row("per second").unwrap();
    assert!(line.contains("started "), "{line}");

    // The terminal resized: the view follows, its last row at the new bottom.
    tty.master.resize(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 }).unwrap();
    tty.screen.lock().unwrap().parser.set_size(24, 80);
    tty.wait_for("the help line on row 24 of 24", |s| {
        s.lines().nth(23).is_some_and(|line| line.starts_with("q quit"))
    })
    .await;

    tty.press("q");
    let (master, screen) = (tty.master, Arc::clone(&tty.screen));
    let child = tty.child;
    let status = within(
        "taskpool-ctl to exit after q",
        tokio::task::spawn_blocking(move || {
            let mut child = child;
            child.wait()
        }),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "q leaves with success: {status:?}");
    wait_until("the terminal's output to end", || screen.lock().unwrap().closed).await;

    // The terminal is back as it was: the alternate screen left (its escape
    // sequence was sent after the last one that entered it), the cursor
    // shown, and the line discipline out of raw mode.
    {
        let screen = screen.lock().unwrap();
        assert!(!screen.parser.screen().alternate_screen(), "still on the alternate screen");
        assert!(!screen.parser.screen().hide_cursor(), "the cursor is still hidden");
        let raw = String::from_utf8_lossy(&screen.raw);
        let (entered, left) = (raw.rfind("\x1b[?1049h"), raw.rfind("\x1b[?1049l"));
        assert!(entered.is_some() && left > entered, "the alternate screen was entered, then left");
        let termios = master.get_termios().expect("the terminal's settings");
        assert!(
            termios.local_flags.contains(LocalFlags::ICANON | LocalFlags::ECHO),
            "the terminal is still in raw mode: {:?}",
            termios.local_flags
        );
    }
    handle.shutdown().await;
}

#[tokio::test]
async fn top_reports_refusals_and_survives_the_server_going_away() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-top-away").build();
    pool.start(1).unwrap();
    let server = || ControlServer::builder(&pool).token(TOKEN).read_only_token(READ_ONLY_TOKEN).build();
    let path = socket_path("top-away");
    let handle = server().listen_unix(&path).await.unwrap();
    let args: Vec<String> =
        ["unix", path.to_str().unwrap(), "--", "top", "-i", "0.2"].map(str::to_owned).to_vec();
    let mut tty = Tty::spawn(&args, READ_ONLY_TOKEN, 24, 80);
    let running = |screen: &str, n: usize| {
        screen.lines().any(|line| line.contains("size ") && number_after(line, "running") == Some(n))
    };
    tty.wait_for("the read-only view", |s| s.contains("read-only") && running(s, 1)).await;

    // A read-only session: the server refuses, the view says why and goes on.
    tty.press("+");
    tty.wait_for("the refusal", |s| s.contains("has a read-only token;")).await;
    let status = tty.status_line();
    assert!(
        status.starts_with("start 1: this session of SimpleTaskPool-ctl-top-away has a read-only"),
        "{status}"
    );
    assert!(status.ends_with("'start' would change the pool"), "{status}");
    assert_eq!(pool.num_running(), 1);

    // The server goes away: the view says so and keeps trying.
    handle.shutdown().await;
    tty.wait_for("the view to notice the server is gone", |s| s.contains("disconnected, ")).await;
    let status = tty.status_line();
    assert!(
        status.starts_with("disconnected, retrying in ") || status.starts_with("disconnected, connecting"),
        "{status}"
    );
    // It comes back (a restarted service), its pool changed meanwhile.
    pool.start(1).unwrap();
    let handle = server().listen_unix(&path).await.unwrap();
    tty.wait_for("the view to reconnect and show 2 running", |s| running(s, 2)).await;
    tty.wait_for("the status line to say connected", |s| !s.contains("disconnected")).await;

    tty.press("q");
    exits_with_success(tty).await;
    handle.shutdown().await;
}

#[tokio::test]
async fn top_in_an_interactive_session_gives_the_prompt_back() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-top-session").build();
    let handle = ControlServer::builder(&pool)
        .token(TOKEN)
        .build()
        .listen_unix(socket_path("top-session"))
        .await
        .unwrap();
    let home = std::env::temp_dir().join(format!("tpctl-top-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let args: Vec<String> =
        ["unix", handle.unix_path().unwrap().to_str().unwrap()].map(str::to_owned).to_vec();
    let mut tty = Tty::spawn_in(&args, TOKEN, &home, 24, 80);
    let prompt = "SimpleTaskPool-ctl-top-session> ";
    tty.wait_for("the prompt", |s| s.contains(prompt)).await;
    tty.press("top\r");
    tty.wait_for("the view", |s| s.contains("q quit")).await;
    tty.press("+");
    wait_until("a worker started from the view", || pool.num_running() == 1).await;
    tty.press("q");
    // Back at the prompt, on the same terminal, with line editing working.
    tty.wait_for("the prompt again", |s| s.contains(prompt) && !s.contains("q quit")).await;
    tty.press("num-running\r");
    tty.wait_for("the answer to num-running", |s| s.lines().any(|line| line.trim_end() == "1")).await;
    tty.press("\x04");
    exits_with_success(tty).await;
    std::fs::remove_dir_all(&home).unwrap();
    handle.shutdown().await;
}
