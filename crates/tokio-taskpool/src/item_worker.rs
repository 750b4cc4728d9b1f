use std::future::Future;

/// A function that a map group calls once per item, to make that item's task.
///
/// It is implemented for you: [`TaskPool::map`](crate::TaskPool::map) wraps
/// any `Fn(Item) -> impl Future`, and [`TaskPool::starmap`](crate::TaskPool::starmap)
/// wraps any `Fn(A, B, ..) -> impl Future` for tuple items `(A, B, ..)` of up
/// to twelve elements. You never need to name or implement it.
///
/// ```
/// use tokio_taskpool::{ItemWorker, TaskPool};
///
/// // Generic code over map builders can bound on it:
/// fn takes_a_worker<W: ItemWorker<u32>>(_: &W) {}
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// pool.map(|x: u32| async move { x }, [1]).start().unwrap();
/// # }
/// ```
pub trait ItemWorker<Item>: Send + Sync + 'static {
    /// What each task returns.
    type Output: Send + 'static;
    /// The task's future.
    type Future: Future<Output = Self::Output> + Send + 'static;
    /// Makes the task's future for one item.
    fn call(&self, item: Item) -> Self::Future;
}

/// Calls a one-argument function with the item (see `TaskPool::map`).
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // The builder that `map` returns holds the function in a `Unary`.
/// let pool = TaskPool::new();
/// let builder = pool.map(|s: String| async move { s.len() }, vec!["a".to_string()]);
/// assert_eq!(builder.start().unwrap().collect_all().await.len(), 1);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Unary<F>(pub(crate) F);

impl<F, Fut, Item> ItemWorker<Item> for Unary<F>
where
    F: Fn(Item) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    type Output = Fut::Output;
    type Future = Fut;

    fn call(&self, item: Item) -> Fut {
        (self.0)(item)
    }
}

/// Spreads a tuple item over a function's arguments (see `TaskPool::starmap`).
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let group = pool.starmap(|a: u8, b: u8, c: u8| async move { a + b + c }, [(1, 2, 3)]).start().unwrap();
/// assert_eq!(group.collect_all().await[0].result.as_ref().unwrap(), &6);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Spread<F>(pub(crate) F);

macro_rules! spread {
    ($($arg:ident),+) => {
        impl<F, Fut, $($arg),+> ItemWorker<($($arg,)+)> for Spread<F>
        where
            F: Fn($($arg),+) -> Fut + Send + Sync + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: Send + 'static,
        {
            type Output = Fut::Output;
            type Future = Fut;

            #[allow(non_snake_case)]
            fn call(&self, ($($arg,)+): ($($arg,)+)) -> Fut {
                (self.0)($($arg),+)
            }
        }
    };
}

spread!(A);
spread!(A, B);
spread!(A, B, C);
spread!(A, B, C, D);
spread!(A, B, C, D, E);
spread!(A, B, C, D, E, G);
spread!(A, B, C, D, E, G, H);
spread!(A, B, C, D, E, G, H, I);
spread!(A, B, C, D, E, G, H, I, J);
spread!(A, B, C, D, E, G, H, I, J, K);
spread!(A, B, C, D, E, G, H, I, J, K, L);
spread!(A, B, C, D, E, G, H, I, J, K, L, M);
