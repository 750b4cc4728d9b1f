use std::future::Future;

/// A function that a map group calls once per item, to make that item's task.
///
/// It is implemented for you: [`TaskPool::map`](crate::TaskPool::map) wraps
/// any `Fn(Item) -> impl Future`, and [`TaskPool::starmap`](crate::TaskPool::starmap)
/// wraps any `Fn(A, B, ..) -> impl Future` for tuple items `(A, B, ..)` of up
/// to twelve elements. You never need to name or implement it.
pub trait ItemWorker<Item>: Send + Sync + 'static {
    /// What each task returns.
    type Output: Send + 'static;
    /// The task's future.
    type Future: Future<Output = Self::Output> + Send + 'static;
    /// Makes the task's future for one item.
    fn call(&self, item: Item) -> Self::Future;
}

/// Calls a one-argument function with the item (see `TaskPool::map`).
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
