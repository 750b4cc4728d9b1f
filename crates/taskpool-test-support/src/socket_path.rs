use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// A path in the temporary directory for a Unix socket that no other test
/// of any test binary uses (it names the process and a counter); a server
/// removes its socket file when it stops.
///
/// ```
/// let (a, b) = (taskpool_test_support::socket_path("x"), taskpool_test_support::socket_path("x"));
/// assert_ne!(a, b);
/// assert!(a.to_str().unwrap().ends_with("-x.sock"));
/// ```
pub fn socket_path(name: &str) -> PathBuf {
    // Only uniqueness within the process matters: Relaxed is enough.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tp-{}-{n}-{name}.sock", std::process::id()))
}
