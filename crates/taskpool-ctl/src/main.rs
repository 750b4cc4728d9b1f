//! `taskpool-ctl`: drive a running tokio-taskpool pool through its control
//! server, one command at a time or interactively.
//!
//! ```text
//! taskpool-ctl tcp 127.0.0.1 7878             # interactive, with line editing and history
//! taskpool-ctl unix /run/app.sock -- start 5  # one command; exit code says how it went
//! taskpool-ctl --json unix /run/app.sock -- status
//! taskpool-ctl --tls --ca ca.pem tcp ctl.example.net 7878 -- status
//! ```
//!
//! `top` (`-- top`, or typed in a session) opens a full-screen live view of
//! the pool (`src/top/`).
//!
//! Exit codes: 0 success; 1 the server refused or failed a command (the
//! error is on stderr); 2 bad usage, a command that does not parse, or no
//! session (connection failed, wrong token, server gone).
//!
//! The binary is thin: the protocol, the command parser and the table
//! printing live in the `taskpool-protocol` crate. What it prints from the
//! server (results, errors, the pool's name) has its control characters
//! escaped (`printable.rs`), so a group name cannot drive the terminal.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use rustyline::error::ReadlineError;
use taskpool_protocol::tls::ClientTls;
use taskpool_protocol::{ClientError, Command, ControlClient};

use crate::connect::{bounded, Connector, Endpoint};
use crate::printable::{printable, printable_json};

mod connect;
mod printable;
mod token;
mod top;
use tokio::runtime::Runtime;

/// Control a tokio-taskpool pool from the command line.
///
/// Without a command after `--`, opens an interactive session: type
/// `help` for the commands, `exit` or Ctrl-D to leave. With stdin not a
/// terminal, reads one command per line from it.
#[derive(Debug, Parser)]
#[command(
    name = "taskpool-ctl",
    version,
    after_help = "Examples:\n  \
        taskpool-ctl tcp 127.0.0.1 7878\n  \
        taskpool-ctl unix /run/app.sock -- start 5\n  \
        taskpool-ctl unix /run/app.sock -- map fetch '[\"a b\", \"c\"]' -n 3\n  \
        taskpool-ctl --json unix /run/app.sock -- status\n  \
        taskpool-ctl --tls --ca ca.pem tcp ctl.example.net 7878 -- status\n  \
        taskpool-ctl unix /run/app.sock -- top        # a live view; q leaves\n\n\
        Exit codes: 0 success; 1 the server refused or failed a command; \
        2 bad usage, a command that does not parse, or no session."
)]
struct Cli {
    /// Print each response as the server's raw JSON line.
    #[arg(long, global = true)]
    json: bool,

    /// The access token, when the server requires one. Prefer the
    /// environment variable, --token-file or --token-prompt: a token on the
    /// command line is visible to other users in the process list.
    #[arg(long, global = true, env = "TASKPOOL_CTL_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// Read the access token from the first line of FILE.
    #[arg(long, global = true, value_name = "FILE")]
    token_file: Option<PathBuf>,

    /// Ask for the access token at the terminal.
    #[arg(long, global = true)]
    token_prompt: bool,

    /// How long to wait for the server to connect and for each answer, in
    /// seconds (a retire waits its own timeout on top).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,

    /// Speak TLS to a TCP server, checking its certificate against --ca
    /// FILE or, without it, the system's trusted roots.
    #[arg(long, global = true)]
    tls: bool,

    /// With --tls: trust the CA certificates (PEM) in FILE, such as the
    /// server's own self-signed certificate.
    #[arg(long, global = true, value_name = "FILE", requires = "tls")]
    ca: Option<PathBuf>,

    /// With --tls: the name the server's certificate must carry, when it is
    /// not HOST (e.g. connecting to an IP address of a server whose
    /// certificate names its DNS name).
    #[arg(long, global = true, value_name = "NAME", requires = "tls")]
    server_name: Option<String>,

    #[command(subcommand)]
    target: Target,
}

#[derive(Debug, Subcommand)]
enum Target {
    /// Connect over TCP.
    Tcp {
        /// The server's host name or IP address.
        host: String,
        /// The server's port.
        port: u16,
        /// One command to run, then exit (e.g. `-- start 5`).
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Connect to a Unix socket.
    Unix {
        /// The socket's path.
        path: PathBuf,
        /// One command to run, then exit (e.g. `-- start 5`).
        #[arg(last = true)]
        command: Vec<String>,
    },
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli, &matches) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("taskpool-ctl: {}", printable(&format!("{e:#}"), false));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, matches: &clap::ArgMatches) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let source = token::TokenSource {
        file: cli.token_file.as_deref(),
        prompt: cli.token_prompt,
        given: cli.token.as_deref(),
    };
    let token = token::token(source, matches)?;
    let timeout = Duration::from_secs(cli.timeout);
    let (endpoint, command) = match cli.target {
        Target::Tcp { host, port, command } => {
            let tls = if cli.tls {
                let tls = match &cli.ca {
                    Some(ca) => ClientTls::from_ca_file(ca)?,
                    None => ClientTls::system_roots()?,
                };
                let name = cli.server_name.clone().unwrap_or_else(|| host.clone());
                Some((tls, name))
            } else {
                None
            };
            (Endpoint::Tcp { host, port, tls }, command)
        }
        Target::Unix { .. } if cli.tls => {
            anyhow::bail!("--tls applies to TCP connections only; a Unix socket is private to its machine")
        }
        Target::Unix { path, command } => (Endpoint::Unix(path), command),
    };
    // Read before connecting: a usage error needs no server.
    let top = command
        .first()
        .is_some_and(|word| word == top::COMMAND)
        .then(|| top::TopOptions::parse(&command[1..]).unwrap_or_else(|e| e.exit()));
    let connector = Connector { endpoint, token, timeout };
    let client = runtime.block_on(connector.connect())?;
    let mut session = Session { runtime, client: Some(client), connector, json: cli.json, timeout };
    if let Some(options) = top {
        session.top(&options)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !command.is_empty() {
        let command = Command::from_args(&command).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok(if session.run(&command)? { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    if io::stdin().is_terminal() {
        session.interactive()?;
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(if session.piped()? { ExitCode::SUCCESS } else { ExitCode::from(1) })
    }
}

struct Session {
    runtime: Runtime,
    /// `None` once a live view left it disconnected; the next command
    /// connects again.
    client: Option<ControlClient>,
    /// How to connect again: `top` reconnects when the server goes away.
    connector: Connector,
    json: bool,
    /// How long to wait for each answer.
    timeout: Duration,
}

impl Session {
    /// Runs one command and prints its outcome: the result on stdout, or
    /// the server's error on stderr. Returns whether the command succeeded;
    /// fails only when the session is lost.
    fn run(&mut self, command: &Command) -> anyhow::Result<bool> {
        // A retire answers once its own timeout has passed.
        let timeout = match command {
            Command::Retire { timeout_secs, .. } => self.timeout + Duration::from_secs(*timeout_secs),
            _ => self.timeout,
        };
        let client = connected(&self.runtime, &self.connector, &mut self.client)?;
        let response =
            self.runtime.block_on(bounded(timeout, client.request(command))).map_err(session_lost)?;
        let mut stdout = io::stdout().lock();
        // Everything printed comes from the server: escaped for the terminal.
        if self.json {
            writeln!(stdout, "{}", printable_json(&serde_json::to_string(&response)?))?;
        }
        match response.into_result() {
            Ok(result) => {
                if !self.json {
                    writeln!(stdout, "{}", printable(&command.render(&result), true))?;
                }
                stdout.flush()?;
                Ok(true)
            }
            Err(e) => {
                stdout.flush()?;
                eprintln!("error: {}", printable(e.message(), false));
                Ok(false)
            }
        }
    }

    /// Runs one line typed or piped in; `None` when it asks to leave.
    fn line(&mut self, line: &str) -> anyhow::Result<Option<bool>> {
        let line = line.trim();
        match line {
            "" => Ok(Some(true)),
            "exit" | "quit" => Ok(None),
            _ if line.split_whitespace().next() == Some(top::COMMAND) => {
                let args: Vec<String> = line.split_whitespace().skip(1).map(str::to_owned).collect();
                match top::TopOptions::parse(&args) {
                    // As a refused command: said, and the session goes on
                    // (on a new connection if the view lost it).
                    Ok(options) => match self.top(&options) {
                        Ok(()) => Ok(Some(true)),
                        Err(e) => {
                            eprintln!("error: {}", printable(&format!("{e:#}"), false));
                            Ok(Some(false))
                        }
                    },
                    Err(e) => {
                        // Usage or help, as clap words it.
                        let _ = e.print();
                        Ok(Some(!e.use_stderr()))
                    }
                }
            }
            _ => match Command::parse_line(line) {
                Ok(command) => self.run(&command).map(Some),
                Err(e) => {
                    eprintln!("error: {}", printable(e.message(), false));
                    Ok(Some(false))
                }
            },
        }
    }

    /// A session at a terminal: line editing, history, `exit` or Ctrl-D to
    /// leave, Ctrl-C to drop the current line.
    fn interactive(&mut self) -> anyhow::Result<()> {
        let server = connected(&self.runtime, &self.connector, &mut self.client)?.server().clone();
        let pool = printable(&server.pool, false);
        let prompt = format!("{pool}> ");
        println!(
            "connected to {pool} ({}{}); type help for the commands, top for a live view, exit or Ctrl-D to leave",
            printable(&server.pool_kind, false),
            if server.read_only { ", read-only" } else { "" }
        );
        let mut editor = rustyline::DefaultEditor::new()?;
        let history = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".taskpool_ctl_history"));
        if let Some(history) = &history {
            // A missing history file is normal the first time.
            let _ = editor.load_history(history);
        }
        loop {
            match editor.readline(&prompt) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    if self.line(&line)?.is_none() {
                        break;
                    }
                }
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(history) = &history {
            let _ = editor.save_history(history);
        }
        Ok(())
    }

    /// Commands piped in, one per line, without prompts. Returns whether
    /// every command succeeded.
    fn piped(&mut self) -> anyhow::Result<bool> {
        let mut all_ok = true;
        for line in io::stdin().lock().lines() {
            match self.line(&line?)? {
                Some(ok) => all_ok &= ok,
                None => break,
            }
        }
        Ok(all_ok)
    }
}

/// The session's client, connecting again if a live view left it
/// disconnected.
fn connected<'a>(
    runtime: &Runtime,
    connector: &Connector,
    client: &'a mut Option<ControlClient>,
) -> anyhow::Result<&'a mut ControlClient> {
    if client.is_none() {
        let connect = runtime.block_on(connector.connect());
        *client = Some(connect.map_err(|e| e.context("the session is lost"))?);
    }
    Ok(client.as_mut().expect("connected just above"))
}

impl Session {
    /// The live view, on this session's connection; it connects again by
    /// itself when the server goes away, and hands back the connection it
    /// ends with.
    fn top(&mut self, options: &top::TopOptions) -> anyhow::Result<()> {
        let client = self.client.take();
        self.client = top::run(&self.runtime, &self.connector, client, options)?;
        Ok(())
    }
}

fn session_lost(e: ClientError) -> anyhow::Error {
    anyhow::Error::new(e).context("the session is lost")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
