//! Integration tests of `taskpool-protocol`, one module per topic.

mod fuzz_corpus;
