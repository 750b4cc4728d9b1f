//! The results as Markdown tables, ready for BENCHMARKS.md, and as JSON
//! lines for `bench/compare` (`control_plane.jsonl`, whose fields are
//! those it has always read, and `control_handshake.jsonl`).

use crate::harness::record;
use crate::latencies::{micros, Latencies};
use crate::round_trip::{Case, Load, RoundTrips};
use crate::session_opening::Opening;

pub(crate) fn round_trip_header() {
    println!(
        "| transport | command | clients | load | requests | p50 | p99 | max | requests/s | held back |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
}

pub(crate) fn round_trip_row(case: &Case, measured: &RoundTrips) {
    let latencies = &measured.latencies;
    let per_second = measured.per_second();
    let held_back = match case.load {
        Load::Closed => "–".to_owned(),
        Load::Paced => format!("{:.1}%", 100.0 * measured.held_back as f64 / latencies.len() as f64),
    };
    println!(
        "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {held_back} |",
        case.transport.name(),
        case.command,
        case.clients,
        case.load.name(),
        thousands(latencies.len() as f64),
        us(latencies.p50()),
        us(latencies.p99()),
        us(latencies.max()),
        thousands(per_second),
    );
    record(
        "control_plane",
        &format!(
            r#"{{"transport":"{}","command":"{}","clients":{},"load":"{}","requests":{},"p50_us":{:.1},"p99_us":{:.1},"max_us":{:.1},"per_second":{per_second:.0},"held_back":{}}}"#,
            case.transport.name(),
            case.command,
            case.clients,
            case.load.name(),
            latencies.len(),
            micros(latencies.p50()),
            micros(latencies.p99()),
            micros(latencies.max()),
            measured.held_back,
        ),
    );
}

/// The session openings, each beside plain TCP's.
pub(crate) fn session_openings(measured: &[(Opening, Latencies)]) {
    let tcp = &measured.iter().find(|(kind, _)| *kind == Opening::Tcp).expect("plain TCP is measured").1;
    println!("| session opening | sessions | p50 | p99 | max | p50 vs tcp | p99 vs tcp |");
    println!("|---|---|---|---|---|---|---|");
    for (kind, latencies) in measured {
        let ratio =
            |f: fn(&Latencies) -> std::time::Duration| f(latencies).as_secs_f64() / f(tcp).as_secs_f64();
        println!(
            "| {} | {} | {} | {} | {} | {:.2}x | {:.2}x |",
            kind.name(),
            thousands(latencies.len() as f64),
            us(latencies.p50()),
            us(latencies.p99()),
            us(latencies.max()),
            ratio(Latencies::p50),
            ratio(Latencies::p99),
        );
        record(
            "control_handshake",
            &format!(
                r#"{{"opening":"{}","sessions":{},"p50_us":{:.1},"p99_us":{:.1},"max_us":{:.1}}}"#,
                kind.name(),
                latencies.len(),
                micros(latencies.p50()),
                micros(latencies.p99()),
                micros(latencies.max()),
            ),
        );
    }
}

/// `d` in µs with a thousands separator and no decimals.
fn us(d: std::time::Duration) -> String {
    format!("{} µs", thousands(micros(d)))
}

/// `x` rounded, with a comma every three digits.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
