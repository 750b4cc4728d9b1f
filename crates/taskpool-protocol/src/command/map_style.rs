/// Which map command a [`Command::Map`](crate::Command::Map) is; each item of the array must have
/// this shape, and deserializes into the registered function's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapStyle {
    /// `map`: each item is any JSON value.
    Map,
    /// `starmap`: each item is an array, for a function taking a tuple.
    Starmap,
    /// `doublestarmap`: each item is an object, for a function taking a struct.
    DoubleStarmap,
}

impl MapStyle {
    /// The command's name: `map`, `starmap` or `doublestarmap`.
    ///
    /// ```
    /// # use taskpool_protocol::MapStyle;
    /// assert_eq!(MapStyle::DoubleStarmap.as_str(), "doublestarmap");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MapStyle::Map => "map",
            MapStyle::Starmap => "starmap",
            MapStyle::DoubleStarmap => "doublestarmap",
        }
    }
}
