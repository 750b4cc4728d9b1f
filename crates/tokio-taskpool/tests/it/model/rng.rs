//! The seeded generator behind the model test (`taskpool_test_support::Rng`,
//! shared with the control server's fault injection) and the seeds of its
//! cases.
//!
//! SplitMix64 rather than `rand` or proptest: the stream of numbers for a seed
//! is fixed by these ten lines, not by a dependency's version, so a seed
//! printed today replays the same operations next year; and proptest's
//! shrinking assumes a run is a function of its input, which a pool on a
//! multi-thread runtime is not (see `mod.rs`).

pub(crate) use taskpool_test_support::Rng;

/// The seed of case `index` of a run whose base seed is `base`: well spread,
/// so neighbouring cases do not start from similar streams.
pub(crate) fn case_seed(base: u64, index: u64) -> u64 {
    Rng::new(base ^ index.wrapping_mul(0xa076_1d64_78bd_642f)).next_u64()
}
