use std::future::Future;

use super::starmap_fn::StarmapFn;

/// A function that a map group calls once per item, to make that item's
/// task: any `Fn(Item) -> impl Future` for `map` ([`Unary`]), and any
/// `Fn(A, B, ..) -> impl Future` for tuple items of up to twelve elements
/// for `starmap` ([`Spread`]). Private: the builders erase it.
pub(crate) trait ItemWorker<Item>: Send + Sync + 'static {
    /// What each task returns.
    type Output: Send + 'static;
    /// The task's future.
    type Future: Future<Output = Self::Output> + Send + 'static;
    /// Makes the task's future for one item.
    fn call(&self, item: Item) -> Self::Future;
}

/// Calls a one-argument function with the item (`TaskPool::map`).
pub(crate) struct Unary<F>(pub(crate) F);
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

/// Spreads a tuple item over a function's arguments (`TaskPool::starmap`).
pub(crate) struct Spread<F>(pub(crate) F);

impl<F, Args> ItemWorker<Args> for Spread<F>
where
    F: StarmapFn<Args>,
{
    type Output = F::Returns;
    type Future = F::Future;

    fn call(&self, args: Args) -> F::Future {
        self.0.call_spread(args)
    }
}
