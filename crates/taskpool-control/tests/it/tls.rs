//! TLS on TCP listeners, with certificates made at run time: a client that
//! trusts the CA gets in; a client without it, one that expects another
//! name, a plain client on a TLS listener and a TLS client on a plain one
//! each get a clear error at once, and the server goes on.

use std::time::{Duration, Instant};

use taskpool_control::{ControlHandle, ControlServer, ServerTls};
use taskpool_protocol::tls::ClientTls;
use taskpool_protocol::{ClientError, ControlClient};
use taskpool_test_support::TestCertificates;
use tokio_taskpool::TaskPool;

use crate::support::within;

const TOKEN: &str = "tls-test-token-0123456789";

async fn tls_server(pool: &TaskPool, certificates: &TestCertificates) -> ControlHandle {
    let tls =
        ServerTls::from_pem_files(certificates.server_cert_file(), certificates.server_key_file()).unwrap();
    // A long handshake deadline: every refusal below must come at once,
    // not when the deadline closes the connection.
    ControlServer::builder(pool)
        .token(TOKEN)
        .tls(tls)
        .handshake_timeout(Duration::from_secs(60))
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap()
}

fn tls_error(result: Result<ControlClient, ClientError>) -> String {
    match result {
        Err(ClientError::Tls(e)) => e.to_string(),
        Err(e) => panic!("expected a TLS error, got: {e:?}"),
        Ok(_) => panic!("expected a TLS error, got a session"),
    }
}

#[tokio::test]
async fn a_client_that_trusts_the_ca_gets_in_and_others_are_told_why_not() {
    let pool = TaskPool::builder().name("tls").pool_size(2).build();
    let certificates = TestCertificates::new();
    let handle = tls_server(&pool, &certificates).await;
    let addr = handle.local_addr().unwrap();
    let trust = ClientTls::from_ca_file(certificates.ca_file()).unwrap();

    let mut client =
        within("a TLS session", ControlClient::connect_tls(addr, "localhost", &trust, Some(TOKEN)))
            .await
            .unwrap();
    assert_eq!(client.status().await.unwrap().pool_size, Some(2));
    // The certificate names 127.0.0.1 too.
    within("a TLS session by IP", ControlClient::connect_tls(addr, "127.0.0.1", &trust, Some(TOKEN)))
        .await
        .unwrap();

    // A client that trusts another CA.
    let stranger = TestCertificates::new();
    let other_ca = ClientTls::from_ca_file(stranger.ca_file()).unwrap();
    let started = Instant::now();
    let e = tls_error(
        within("refused", ControlClient::connect_tls(addr, "localhost", &other_ca, Some(TOKEN))).await,
    );
    assert!(e.contains("UnknownIssuer"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10), "refused at once, not at a deadline");

    // A client that expects another name.
    let e = tls_error(
        within("refused", ControlClient::connect_tls(addr, "other.example", &trust, Some(TOKEN))).await,
    );
    assert!(e.contains("certificate not valid for name \"other.example\""), "{e}");

    // A plain client is told, in plain text, to use TLS.
    let started = Instant::now();
    match within("refused", ControlClient::connect_tcp(addr, Some(TOKEN))).await {
        Err(ClientError::Handshake(e)) => {
            assert_eq!(e.kind(), "tls_required");
            assert_eq!(
                e.message(),
                "this control server's TCP listener speaks TLS only; connect with TLS (taskpool-ctl --tls)"
            );
        }
        other => panic!("expected tls_required, got {:?}", other.map(|_| "a session")),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "refused at once, not at a deadline");

    // The server goes on, and the first session too.
    assert_eq!(client.status().await.unwrap().pool_size, Some(2));
    within("a TLS session", ControlClient::connect_tls(addr, "localhost", &trust, Some(TOKEN)))
        .await
        .unwrap();
    assert_eq!(pool.num_running(), 0);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_tls_client_on_a_plain_listener_fails_at_once() {
    let pool = TaskPool::builder().name("plain").build();
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .handshake_timeout(Duration::from_secs(60))
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let addr = handle.local_addr().unwrap();
    let certificates = TestCertificates::new();
    let trust = ClientTls::from_ca_file(certificates.ca_file()).unwrap();
    let started = Instant::now();
    let e = tls_error(within("refused", ControlClient::connect_tls(addr, "localhost", &trust, None)).await);
    assert!(e.to_lowercase().contains("eof"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10), "refused at once, not at the deadline");
    within("a plain session", ControlClient::connect_tcp(addr, None)).await.unwrap();
    handle.shutdown().await;
}

#[test]
fn bad_certificates_and_keys_are_named_in_the_error() {
    let certificates = TestCertificates::new();
    let missing = certificates.dir().join("missing.pem");
    let e = ServerTls::from_pem_files(&missing, certificates.server_key_file()).unwrap_err();
    assert!(e.to_string().starts_with(&format!("cannot read the certificate {}", missing.display())), "{e}");

    // The key file given as the certificate, and the other way round.
    let e = ServerTls::from_pem_files(certificates.server_key_file(), certificates.server_key_file())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the certificate {} holds no certificate (no BEGIN CERTIFICATE block)",
            certificates.server_key_file().display()
        )
    );
    let e = ServerTls::from_pem_files(certificates.server_cert_file(), certificates.server_cert_file())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the private key {} holds no private key (no BEGIN PRIVATE KEY block)",
            certificates.server_cert_file().display()
        )
    );

    // A key that is not the certificate's.
    let other = TestCertificates::new();
    let e = ServerTls::from_pem(certificates.server_cert_pem.as_bytes(), other.server_key_pem.as_bytes())
        .unwrap_err();
    assert!(e.to_string().starts_with("the certificate and key do not make a TLS identity"), "{e}");
}
