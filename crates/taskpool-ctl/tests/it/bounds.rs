//! The client's own limits (issue 15, L5): the token from a file or a
//! prompt, a warning for a token on the command line, and bounded waits and
//! response lines against a server that misbehaves.

use std::time::Duration;

use taskpool_control::ControlServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_taskpool::SimpleTaskPool;

use crate::support::{ctl, socket_path};

const TOKEN: &str = "correct-horse-battery-staple";

#[tokio::test]
async fn the_token_comes_from_a_file_and_a_command_line_token_is_warned_about() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-token-file").build();
    let handle = ControlServer::builder(&pool)
        .token(TOKEN)
        .build()
        .listen_unix(socket_path("token-file"))
        .await
        .unwrap();
    let path = handle.unix_path().unwrap().to_str().unwrap().to_owned();
    let dir = std::env::temp_dir().join(format!("taskpool-ctl-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let file = file.to_str().unwrap();

    let run = ctl(&["--token-file", file, "unix", &path, "--", "pool-size"], "", &[]).await;
    assert_eq!(run.ok(), "none");

    let empty = dir.join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let run = ctl(&["--token-file", empty.to_str().unwrap(), "unix", &path, "--", "status"], "", &[]).await;
    assert!(run.fails(2).ends_with("is empty"));

    // On the command line it works, with a warning.
    let run = ctl(&["--token", TOKEN, "unix", &path, "--", "pool-size"], "", &[]).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "none\n"));
    assert!(run.stderr.contains("warning: a token given with --token is visible to other users"), "{run:?}");
    // Without a terminal there is nothing to prompt at.
    let run = ctl(&["--token-prompt", "unix", &path, "--", "status"], "", &[]).await;
    assert!(run.fails(2).contains("--token-prompt needs a terminal"));

    std::fs::remove_dir_all(&dir).unwrap();
    handle.shutdown().await;
}

/// A fake server that accepts the hello, reads one request and then does
/// `then` with the connection.
async fn fake_server(then: Option<Vec<u8>>) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut stream = BufReader::new(stream);
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        let hello = concat!(
            r#"{"ok":true,"result":{"protocol":"taskpool-control","version":1,"#,
            r#""pool":"TaskPool-fake","pool_kind":"TaskPool","read_only":false}}"#,
            "\n"
        );
        stream.write_all(hello.as_bytes()).await.unwrap();
        line.clear();
        stream.read_line(&mut line).await.unwrap();
        match then {
            Some(bytes) => {
                let _ = stream.write_all(&bytes).await;
            }
            None => tokio::time::sleep(Duration::from_secs(3600)).await,
        }
    });
    (port, task)
}

#[tokio::test]
async fn a_server_that_does_not_answer_is_given_up_at_the_timeout() {
    let (port, server) = fake_server(None).await;
    let run = ctl(&["--timeout", "1", "tcp", "127.0.0.1", &port.to_string(), "--", "status"], "", &[]).await;
    let err = run.fails(2);
    assert!(err.contains("no answer from the server within 1s"), "{err}");
    server.abort();
}

#[tokio::test]
async fn an_endless_response_line_is_refused() {
    let mut huge = vec![b'x'; 17 * 1024 * 1024];
    huge.push(b'\n');
    let (port, server) = fake_server(Some(huge)).await;
    let run = ctl(&["tcp", "127.0.0.1", &port.to_string(), "--", "status"], "", &[]).await;
    let err = run.fails(2);
    assert!(err.contains("a response line is too long"), "{err}");
    server.abort();
}
