use std::path::{Path, PathBuf};

/// A certificate authority and a server certificate it signed, made at run
/// time for TLS tests, in PEM; also written to files (removed on drop) for
/// what takes paths, such as `taskpool-ctl --ca FILE`.
///
/// The server certificate names `localhost` and `127.0.0.1`.
#[derive(Debug)]
pub struct TestCertificates {
    /// The CA's certificate, which a client must trust.
    pub ca_pem: String,
    /// The server's certificate.
    pub server_cert_pem: String,
    /// The server's private key.
    pub server_key_pem: String,
    dir: PathBuf,
}

impl TestCertificates {
    /// Makes a fresh CA and server certificate.
    ///
    /// # Panics
    ///
    /// When a certificate cannot be made or its files cannot be written.
    pub fn new() -> TestCertificates {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

        let dir = crate::socket_path("certs").with_extension("d");
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A name of its own: a client that trusts another test CA must find
        // no issuer at all, as with a real stranger's certificate.
        let name = format!("taskpool test CA {}", dir.file_name().unwrap().to_string_lossy());
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, name);
        let ca = ca_params.self_signed(&ca_key).expect("a CA certificate");

        let server_key = KeyPair::generate().expect("a server key");
        let server_params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("server parameters");
        let server = server_params.signed_by(&server_key, &ca, &ca_key).expect("a server certificate");

        std::fs::create_dir_all(&dir).expect("a folder for the certificates");
        let certificates = TestCertificates {
            ca_pem: ca.pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            dir,
        };
        for (name, pem) in [
            ("ca.pem", &certificates.ca_pem),
            ("server.pem", &certificates.server_cert_pem),
            ("server.key", &certificates.server_key_pem),
        ] {
            std::fs::write(certificates.dir.join(name), pem).expect("writing a certificate file");
        }
        certificates
    }

    /// The file holding [`ca_pem`](Self::ca_pem).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The file holding [`server_cert_pem`](Self::server_cert_pem).
    pub fn server_cert_file(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    /// The file holding [`server_key_pem`](Self::server_key_pem).
    pub fn server_key_file(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The folder of the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Default for TestCertificates {
    fn default() -> Self {
        TestCertificates::new()
    }
}

impl Drop for TestCertificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
