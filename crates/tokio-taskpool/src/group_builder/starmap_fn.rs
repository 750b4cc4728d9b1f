//! Functions of several arguments that `starmap` spreads tuple items over.

use std::future::Future;

/// A function that [`TaskPool::starmap`](crate::TaskPool::starmap) can call
/// with the elements of a tuple item as its arguments: any
/// `Fn(A, B, ..) -> impl Future` with up to twelve arguments, for items
/// `(A, B, ..)`. It is implemented for you and sealed: nothing else can
/// implement it, and you never need to name it except in a generic bound.
///
/// ```
/// use tokio_taskpool::{StarmapFn, TaskPool};
///
/// async fn add(a: u32, b: u32) -> u32 {
///     a + b
/// }
///
/// fn takes_a_pair_function<F: StarmapFn<(u32, u32)>>(_: &F) {}
/// takes_a_pair_function(&add);
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let mut sums = pool.starmap(add, [(1, 2)]).start().unwrap();
/// assert_eq!(sums.next().await.unwrap().result.unwrap(), 3);
/// # }
/// ```
pub trait StarmapFn<Args>: sealed::Sealed<Args> + Send + Sync + 'static {
    /// What each task returns.
    type Returns: Send + 'static;
    /// The task's future.
    #[doc(hidden)]
    type Future: Future<Output = Self::Returns> + Send + 'static;
    /// Calls the function with the tuple's elements.
    #[doc(hidden)]
    fn call_spread(&self, args: Args) -> Self::Future;
}

mod sealed {
    /// Keeps [`StarmapFn`](super::StarmapFn) to the implementations below.
    #[allow(unreachable_pub)]
    pub trait Sealed<Args> {}
}

macro_rules! spread {
    ($($arg:ident),+) => {
        impl<F, Fut, $($arg),+> sealed::Sealed<($($arg,)+)> for F
        where
            F: Fn($($arg),+) -> Fut,
        {
        }

        impl<F, Fut, $($arg),+> StarmapFn<($($arg,)+)> for F
        where
            F: Fn($($arg),+) -> Fut + Send + Sync + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: Send + 'static,
        {
            type Returns = Fut::Output;
            type Future = Fut;

            #[allow(non_snake_case)]
            fn call_spread(&self, ($($arg,)+): ($($arg,)+)) -> Fut {
                self($($arg),+)
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
