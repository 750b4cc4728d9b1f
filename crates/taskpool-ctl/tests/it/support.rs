//! Running the binary against a server.

use std::process::Stdio;

use taskpool_control::ControlHandle;
pub(crate) use taskpool_test_support::{socket_path, wait_until, within};
use tokio::io::AsyncWriteExt;

/// What a run of the binary gave.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts success and returns stdout without its last newline.
    pub(crate) fn ok(self) -> String {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        assert!(self.stderr.is_empty(), "expected nothing on stderr: {self:#?}");
        self.stdout.strip_suffix('\n').unwrap_or(&self.stdout).to_owned()
    }

    /// Asserts failure with `code` and returns stderr without its last newline.
    pub(crate) fn fails(self, code: i32) -> String {
        assert_eq!(self.code, code, "expected exit code {code}: {self:#?}");
        self.stderr.strip_suffix('\n').unwrap_or(&self.stderr).to_owned()
    }
}

/// The arguments that connect to `handle`.
pub(crate) fn target(handle: &ControlHandle) -> Vec<String> {
    handle.endpoint().to_string().split(' ').map(str::to_owned).collect()
}

/// Runs `taskpool-ctl` with `args`, `stdin` as its input, and no token in
/// its environment unless `env` sets one.
pub(crate) async fn ctl(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_taskpool-ctl"));
    command
        .args(args)
        .env_remove("TASKPOOL_CTL_TOKEN")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("taskpool-ctl starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = within(&format!("taskpool-ctl {args:?}"), child.wait_with_output()).await.unwrap();
    Run {
        code: output.status.code().expect("taskpool-ctl exits, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs one command through `-- COMMAND...` against `handle`.
pub(crate) async fn one(handle: &ControlHandle, command: &[&str]) -> Run {
    let target = target(handle);
    let mut args: Vec<&str> = target.iter().map(String::as_str).collect();
    args.push("--");
    args.extend_from_slice(command);
    ctl(&args, "", &[]).await
}
