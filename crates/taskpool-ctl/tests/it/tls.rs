//! `taskpool-ctl --tls`: with `--ca FILE` it checks the server's
//! certificate and gets in; without the CA, or without `--tls` against a
//! TLS listener, it exits 2 with the reason and what to do about it.

use taskpool_control::{ControlServer, ServerTls};
use taskpool_test_support::TestCertificates;
use tokio_taskpool::SimpleTaskPool;

use crate::support::ctl;

const TOKEN: &str = "ctl-tls-test-token-012345";

#[tokio::test]
async fn tls_with_the_ca_gets_in_and_without_it_is_told_why_not() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-tls").build();
    let certificates = TestCertificates::new();
    let tls =
        ServerTls::from_pem_files(certificates.server_cert_file(), certificates.server_key_file()).unwrap();
    let handle =
        ControlServer::builder(&pool).token(TOKEN).tls(tls).build().listen_tcp("127.0.0.1:0").await.unwrap();
    let port = handle.local_addr().unwrap().port().to_string();
    let ca = certificates.ca_file().display().to_string();
    let env = [("TASKPOOL_CTL_TOKEN", TOKEN)];

    let started = ctl(&["--tls", "--ca", &ca, "tcp", "localhost", &port, "--", "start", "2"], "", &env).await;
    started.ok();
    assert_eq!(pool.num_running(), 2);
    // The flags go after the target too, and the name can be given apart.
    let size = ctl(
        &["tcp", "127.0.0.1", &port, "--tls", "--ca", &ca, "--server-name", "localhost", "--", "pool-size"],
        "",
        &env,
    )
    .await;
    assert_eq!(size.ok(), "none");

    let stranger = TestCertificates::new();
    let other_ca = stranger.ca_file().display().to_string();
    let refused =
        ctl(&["--tls", "--ca", &other_ca, "tcp", "localhost", &port, "--", "status"], "", &env).await;
    let stderr = refused.fails(2);
    assert!(
        stderr.starts_with(&format!(
            "taskpool-ctl: cannot open a session with localhost:{port}: the server's certificate is not signed by \
             a CA this client trusts: pass its CA with --ca FILE: the TLS handshake failed: invalid peer \
             certificate: UnknownIssuer"
        )),
        "{stderr}"
    );

    let plain = ctl(&["tcp", "localhost", &port, "--", "status"], "", &env).await;
    assert_eq!(
        plain.fails(2),
        format!(
            "taskpool-ctl: cannot open a session with localhost:{port}: the server refused the session: this \
             control server's TCP listener speaks TLS only; connect with TLS (taskpool-ctl --tls)"
        )
    );

    let no_file =
        ctl(&["--tls", "--ca", "/no/such/ca.pem", "tcp", "localhost", &port, "--", "status"], "", &env).await;
    assert!(
        no_file.fails(2).starts_with("taskpool-ctl: cannot read the CA certificates /no/such/ca.pem"),
        "the missing file is named"
    );
    let unix = ctl(&["--tls", "unix", "/tmp/whatever.sock", "--", "status"], "", &env).await;
    assert_eq!(
        unix.fails(2),
        "taskpool-ctl: --tls applies to TCP connections only; a Unix socket is private to its machine"
    );
    assert_eq!(pool.num_running(), 2, "nothing but the first start reached the pool");
    handle.shutdown().await;
}
