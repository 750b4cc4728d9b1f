//! The functions an application registered for `apply` and the map
//! commands: the only code a control client can ever start.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use taskpool_protocol::{Command, ErrorKind, FunctionInfo, MapStyle, RemoteError};
use tokio_taskpool::TaskPool;

use super::replies::{bad_argument, refused};

/// The registered functions, by name. Fixed once the server is built.
#[derive(Default)]
pub(crate) struct Registry {
    functions: BTreeMap<String, Arc<dyn Registered>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.functions.keys()).finish()
    }
}

/// A registered function with its argument type erased: it takes JSON.
trait Registered: Send + Sync + 'static {
    fn argument_type(&self) -> &'static str;

    fn apply(
        &self,
        pool: &TaskPool,
        name: &str,
        argument: Value,
        num: usize,
        group: Option<String>,
    ) -> Result<String, RemoteError>;

    fn map(
        &self,
        pool: &TaskPool,
        name: &str,
        style: MapStyle,
        items: Vec<Value>,
        num_concurrent: usize,
        group: Option<String>,
    ) -> Result<String, RemoteError>;
}

struct Function<F, A> {
    f: Arc<F>,
    // fn(A) keeps Function Send + Sync whatever A is: no A is stored.
    argument: PhantomData<fn(A)>,
}

impl<F, A, Fut> Registered for Function<F, A>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    A: DeserializeOwned + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    fn argument_type(&self) -> &'static str {
        std::any::type_name::<A>()
    }

    fn apply(
        &self,
        pool: &TaskPool,
        name: &str,
        argument: Value,
        num: usize,
        group: Option<String>,
    ) -> Result<String, RemoteError> {
        // Checked here, so that a bad argument is the client's error and
        // not a task failure.
        A::deserialize(&argument).map_err(|e| {
            bad_argument(format!("apply: the argument of {name} must be a {}: {e}", self.argument_type()))
        })?;
        let f = Arc::clone(&self.f);
        let builder = pool
            .apply(move || {
                let argument = A::deserialize(&argument).expect(
                    "the same JSON value deserialized into the argument type before the group started",
                );
                f(argument)
            })
            .num(num);
        let builder = match group {
            Some(group) => builder.group(group),
            None => builder,
        };
        // The group's results are not wanted: dropping the handle drops them as they come.
        Ok(builder.start().map_err(refused)?.name().to_owned())
    }

    fn map(
        &self,
        pool: &TaskPool,
        name: &str,
        style: MapStyle,
        items: Vec<Value>,
        num_concurrent: usize,
        group: Option<String>,
    ) -> Result<String, RemoteError> {
        let command = style.as_str();
        let arguments = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let shape_ok = match style {
                    MapStyle::Map => true,
                    MapStyle::Starmap => item.is_array(),
                    MapStyle::DoubleStarmap => item.is_object(),
                };
                if !shape_ok {
                    let shape = if style == MapStyle::Starmap { "an array" } else { "an object" };
                    return Err(bad_argument(format!("{command}: item {i} must be {shape}, not {item}")));
                }
                A::deserialize(item).map_err(|e| {
                    bad_argument(format!(
                        "{command}: item {i} is not a valid argument of {name} ({}): {e}",
                        self.argument_type()
                    ))
                })
            })
            .collect::<Result<Vec<A>, RemoteError>>()?;
        let f = Arc::clone(&self.f);
        let call = move |argument: A| f(argument);
        let handle = match style {
            MapStyle::Starmap => {
                // Each item is spread over the function's one argument, a tuple;
                // going through starmap makes the group a starmap group.
                let builder =
                    pool.starmap(call, arguments.into_iter().map(|a| (a,))).num_concurrent(num_concurrent);
                match group {
                    Some(group) => builder.group(group),
                    None => builder,
                }
                .start()
                .map_err(refused)?
                .name()
                .to_owned()
            }
            MapStyle::Map | MapStyle::DoubleStarmap => {
                let builder = pool.map(call, arguments).num_concurrent(num_concurrent);
                match group {
                    Some(group) => builder.group(group),
                    None => builder,
                }
                .start()
                .map_err(refused)?
                .name()
                .to_owned()
            }
        };
        Ok(handle)
    }
}

impl Registry {
    #[track_caller]
    pub(crate) fn insert<F, A, Fut>(&mut self, name: String, f: F)
    where
        F: Fn(A) -> Fut + Send + Sync + 'static,
        A: DeserializeOwned + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        assert!(
            !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c.is_control()),
            "register({name:?}): a function name must be non-empty and without whitespace"
        );
        assert!(
            name.len() <= Command::MAX_NAME_LEN,
            "register({name:?}): a function name may be at most {} bytes long, as clients send it",
            Command::MAX_NAME_LEN
        );
        assert!(!self.functions.contains_key(&name), "register({name:?}): this name is registered already");
        self.functions.insert(name, Arc::new(Function { f: Arc::new(f), argument: PhantomData }));
    }

    pub(crate) fn list(&self) -> Vec<FunctionInfo> {
        self.functions.iter().map(|(name, f)| FunctionInfo::new(name.clone(), f.argument_type())).collect()
    }

    pub(crate) fn apply(
        &self,
        pool: &TaskPool,
        name: &str,
        argument: Value,
        num: usize,
        group: Option<String>,
    ) -> Result<String, RemoteError> {
        self.get(name)?.apply(pool, name, argument, num, group)
    }

    pub(crate) fn map(
        &self,
        pool: &TaskPool,
        name: &str,
        style: MapStyle,
        items: Vec<Value>,
        num_concurrent: usize,
        group: Option<String>,
    ) -> Result<String, RemoteError> {
        self.get(name)?.map(pool, name, style, items, num_concurrent, group)
    }

    fn get(&self, name: &str) -> Result<&dyn Registered, RemoteError> {
        self.functions.get(name).map(|f| &**f).ok_or_else(|| {
            RemoteError::new(
                ErrorKind::UnknownFunction,
                format!("no function named '{name}' is registered (see registered)"),
            )
        })
    }
}
