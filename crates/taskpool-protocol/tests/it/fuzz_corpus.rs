//! The fuzz targets' corpora and past findings, replayed on stable Rust.
//!
//! `fuzz/` (nightly, cargo-fuzz; RELIABILITY.md says how to run it) keeps
//! what its targets found: `fuzz/corpus/<target>/`, the inputs that reach
//! the parsers' paths, and `fuzz/regressions/<target>/`, the inputs that
//! once failed a check. Each file goes through the same check its target
//! runs (`fuzz/checks.rs`, included here), so a parser change that breaks a
//! property on any of them fails `cargo test`. A missing or empty folder
//! fails too, so that the replay cannot pass by finding nothing.

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use taskpool_protocol::{Command, Request};

#[path = "../../fuzz/checks.rs"]
mod checks;

/// A target's check: panics when the input breaks a property.
type Check = fn(&[u8]);

/// Every fuzz target, with its check.
const TARGETS: &[(&str, Check)] = &[
    ("hello", checks::hello),
    ("text_command", checks::text_command),
    ("json_request", checks::json_request),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted; panics when it is missing or empty.
fn files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> =
        entries.map(|entry| entry.expect("a readable folder").path()).filter(|path| path.is_file()).collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no input", dir.display());
    files
}

/// Runs every file of `folder/<target>/` through the target's check and
/// names the files that fail (the panic messages say why).
fn replay(folder: &str) {
    let mut failed = Vec::new();
    let mut count = 0;
    for (target, check) in TARGETS {
        for file in files(&fuzz_dir().join(folder).join(target)) {
            let data = fs::read(&file).expect("a readable input");
            count += 1;
            if panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "{} of {count} inputs fail their check:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn the_corpora_pass_the_checks() {
    replay("corpus");
}

#[test]
fn the_past_findings_pass_the_checks() {
    replay("regressions");
}

/// A folder of a target that was renamed or removed would be replayed by
/// nothing.
#[test]
fn every_folder_belongs_to_a_target() {
    for folder in ["corpus", "regressions"] {
        let dir = fuzz_dir().join(folder);
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let name = entry.expect("a readable folder").file_name();
            let name = name.to_string_lossy();
            assert!(TARGETS.iter().any(|(target, _)| *target == name), "{folder}/{name} is no fuzz target");
        }
    }
}

/// Every command of the table, as the help lists them for both kinds of pool.
fn command_names() -> Vec<String> {
    let mut names: Vec<String> = [true, false]
        .into_iter()
        .flat_map(|simple| {
            let help = Command::help(None, simple).expect("the help of every command");
            help.lines()
                .skip(1)
                .map(|line| line.split_whitespace().next().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    assert!(names.len() > 20, "too few commands read from the help: {names:?}");
    names
}

/// The seeds of a command: inputs of the corpus that name it, split into
/// those accepted and those refused.
fn reached(target: &str, name_and_result: impl Fn(&[u8]) -> Option<(String, bool)>) {
    let results: Vec<(String, bool)> = files(&fuzz_dir().join("corpus").join(target))
        .iter()
        .filter_map(|file| name_and_result(&fs::read(file).unwrap()))
        .collect();
    for name in command_names() {
        for ok in [true, false] {
            assert!(
                results.contains(&(name.clone(), ok)),
                "corpus/{target} has no input that names {name} and is {}",
                if ok { "accepted" } else { "refused" }
            );
        }
    }
}

/// The fuzzer starts from every command, each accepted and refused: a
/// command added to the table needs seeds in both corpora.
#[test]
fn the_corpora_reach_every_command() {
    reached("text_command", |data| {
        let line = std::str::from_utf8(data).ok()?;
        match Command::parse_line(line) {
            Ok(command) => Some((command.name().to_owned(), true)),
            Err(_) => Some((line.split_whitespace().next()?.to_owned(), false)),
        }
    });
    reached("json_request", |data| {
        let request: Request = serde_json::from_slice(data).ok()?;
        Some((request.command.clone(), request.command().is_ok()))
    });
}
