use serde::{Deserialize, Serialize};

/// One entry of the result of `registered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionInfo {
    /// The name that `apply` and the map commands take.
    pub name: String,
    /// The Rust type of its argument (`std::any::type_name`), which each
    /// JSON argument must deserialize into.
    pub argument: String,
}

impl FunctionInfo {
    /// The function registered as `name`, whose argument has the Rust type
    /// named `argument`.
    ///
    /// ```
    /// use taskpool_protocol::FunctionInfo;
    ///
    /// let f = FunctionInfo::new("fetch", "alloc::string::String");
    /// assert_eq!(f.name, "fetch");
    /// ```
    pub fn new(name: impl Into<String>, argument: impl Into<String>) -> FunctionInfo {
        FunctionInfo { name: name.into(), argument: argument.into() }
    }
}
