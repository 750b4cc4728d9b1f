//! The resizable size limit: a semaphore with one permit per free place in
//! the pool, plus a debt for shrinks below the number of places in use.
//!
//! A place is taken without the pool's lock (the semaphore's fast path), and
//! given back, or the limit changed, under it: [`Room`] lives in the pool's
//! state and every method that touches it takes it as `&mut`. Taken permits
//! are forgotten at once and come back only through
//! [`ResizableLimit::give_back`], which pays the debt first, so a shrink is
//! never undone by a late release and nothing is over-admitted.
//!
//! Under `cfg(all(test, loom))` the semaphore is replaced by a
//! linearizable counter on loom's atomics with the same operations, so that
//! loom can explore every interleaving of this module's code (see
//! `loom_tests` below and RELIABILITY.md).

#[cfg(not(all(test, loom)))]
use tokio::sync::Semaphore;

#[cfg(all(test, loom))]
use self::model::Semaphore;
#[cfg(all(test, loom))]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(all(test, loom)))]
use std::sync::atomic::{AtomicUsize, Ordering};

/// The semaphore's capacity when the pool has no limit: large enough never
/// to run out, small enough that growing back from any limit stays under
/// `Semaphore::MAX_PERMITS`.
const UNLIMITED: usize = Semaphore::MAX_PERMITS >> 1;

fn capacity(limit: Option<usize>) -> usize {
    limit.map_or(UNLIMITED, |l| l.min(UNLIMITED))
}

/// Room accounting that lives in the pool's state, behind its lock.
#[derive(Debug, Default)]
pub(crate) struct Room {
    pub(crate) limit: Option<usize>,
    /// Permits to swallow as they come back, after a shrink below the number
    /// of permits in use.
    pub(crate) debt: usize,
    /// Room held by alive task futures.
    pub(crate) occupied: usize,
}

impl Room {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        Room { limit, debt: 0, occupied: 0 }
    }
}

/// The permits of the resizable limit.
#[derive(Debug)]
pub(crate) struct ResizableLimit {
    /// One permit per free place in the pool. Holders do not keep tokio
    /// permits: a permit is forgotten once acquired and given back through
    /// [`ResizableLimit::give_back`], so that a shrink can swallow it.
    permits: Semaphore,
    /// A copy of [`Room::debt`], written under the pool's lock, for the
    /// lock-free path to see whether a permit it just took is owed.
    owed: AtomicUsize,
}

impl ResizableLimit {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        ResizableLimit { permits: Semaphore::new(capacity(limit)), owed: AtomicUsize::new(0) }
    }

    /// Whether a shrink is still owed, read without the lock right after
    /// taking a permit with [`ResizableLimit::try_take`]; if it is, the taker
    /// must call [`ResizableLimit::pay_with_taken`] under the lock before
    /// using it. A permit from [`ResizableLimit::take`] may have been handed
    /// over by an `add_permits` before the shrink, with nothing that orders
    /// this load after the shrink: such a taker always asks under the lock.
    ///
    /// Normally nothing is owed while a permit can be taken: a shrink forgets
    /// the free permits and only the rest becomes debt. But a permit that
    /// tokio has handed to a waiter is not free, so a shrink cannot forget
    /// it; if that waiter is then dropped (its meta task cancelled), tokio
    /// puts the permit back as a free one while the debt is still owed.
    /// Without this check that permit would admit a task over the limit.
    pub(crate) fn owes(&self) -> bool {
        // Acquire pairs with the Release stores below. A shrink stores its
        // debt before forgetting permits, and tokio's semaphore operations
        // are AcqRel read-modify-writes, so a take that comes after the
        // forget also sees the store.
        self.owed.load(Ordering::Acquire) > 0
    }

    /// Under the pool's lock: if a shrink is owed, the permit just taken pays
    /// it instead of admitting anything (returns true, and the taker waits
    /// for another permit).
    pub(crate) fn pay_with_taken(&self, room: &mut Room) -> bool {
        if room.debt == 0 {
            return false;
        }
        room.debt -= 1;
        self.owed.store(room.debt, Ordering::Release);
        true
    }

    /// Takes a free place if there is one, without waiting and without the
    /// pool's lock.
    pub(crate) fn try_take(&self) -> bool {
        match self.permits.try_acquire() {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_) => false,
        }
    }

    /// Waits for a free place and takes it. Cancel safe: dropping the future
    /// before it completes takes nothing.
    pub(crate) async fn take(&self) {
        self.permits.acquire().await.expect("the room semaphore is never closed").forget();
    }

    /// Gives one place back, or swallows it while a shrink is still owed.
    /// Called under the pool's lock.
    pub(crate) fn give_back(&self, room: &mut Room) {
        if room.debt > 0 {
            room.debt -= 1;
            self.owed.store(room.debt, Ordering::Release);
        } else {
            self.permits.add_permits(1);
        }
    }

    /// Changes the size limit, under the pool's lock. Growing pays the debt
    /// first and then adds permits, which wakes waiters at once. Shrinking
    /// forgets free permits and records the rest as debt, so holders keep
    /// their places and none is handed out again until fewer are held than
    /// the new limit.
    pub(crate) fn resize(&self, room: &mut Room, limit: Option<usize>) {
        let old = capacity(room.limit);
        let new = capacity(limit);
        if new > old {
            let grow = new - old;
            let paid = grow.min(room.debt);
            room.debt -= paid;
            self.owed.store(room.debt, Ordering::Release);
            if grow > paid {
                self.permits.add_permits(grow - paid);
            }
        } else {
            let shrink = old - new;
            // Published before forgetting, so that a take that races with
            // the forget already sees a debt (see `owes`); corrected below.
            self.owed.store(room.debt + shrink, Ordering::Release);
            let forgotten = self.permits.forget_permits(shrink);
            room.debt += shrink - forgotten;
            self.owed.store(room.debt, Ordering::Release);
        }
        room.limit = limit;
    }

    /// Free permits now (for checks).
    #[cfg(all(test, loom))]
    fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

/// A linearizable stand-in for tokio's semaphore, on loom's atomics, with
/// the operations this module uses. tokio's semaphore is itself loom-tested
/// by tokio; what is checked here is this module's use of it.
#[cfg(all(test, loom))]
mod model {
    use loom::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    pub(crate) struct Semaphore {
        permits: AtomicUsize,
    }

    pub(crate) struct Permit;

    impl Permit {
        pub(crate) fn forget(self) {}
    }

    impl Semaphore {
        pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

        pub(crate) fn new(permits: usize) -> Self {
            Semaphore { permits: AtomicUsize::new(permits) }
        }

        pub(crate) fn try_acquire(&self) -> Result<Permit, ()> {
            // SeqCst everywhere: this stands for tokio's semaphore, whose
            // operations are linearizable; weaker orderings would test a
            // different primitive.
            let mut current = self.permits.load(Ordering::SeqCst);
            loop {
                if current == 0 {
                    return Err(());
                }
                match self.permits.compare_exchange(current, current - 1, Ordering::SeqCst, Ordering::SeqCst)
                {
                    Ok(_) => return Ok(Permit),
                    Err(actual) => current = actual,
                }
            }
        }

        pub(crate) async fn acquire(&self) -> Result<Permit, ()> {
            loop {
                if let Ok(permit) = self.try_acquire() {
                    return Ok(permit);
                }
                loom::thread::yield_now();
            }
        }

        pub(crate) fn add_permits(&self, n: usize) {
            self.permits.fetch_add(n, Ordering::SeqCst);
        }

        pub(crate) fn forget_permits(&self, n: usize) -> usize {
            let mut current = self.permits.load(Ordering::SeqCst);
            loop {
                let take = current.min(n);
                match self.permits.compare_exchange(
                    current,
                    current - take,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                ) {
                    Ok(_) => return take,
                    Err(actual) => current = actual,
                }
            }
        }

        pub(crate) fn available_permits(&self) -> usize {
            self.permits.load(Ordering::SeqCst)
        }
    }
}

/// Exhaustive checks of the resizable limit with loom. Run with
/// `RUSTFLAGS="--cfg loom" cargo test -p tokio-taskpool --no-default-features --release --lib room::loom_tests`.
///
/// Each model mirrors how the pool uses this module: places are taken
/// without the lock (`try_take`, as a meta task's fast path does) and given
/// back and resized under a mutex standing for the pool's state lock. The
/// checks, under that mutex, after every operation:
/// - `available + held <= capacity + debt` (no place made up; equal once no
///   take is in flight, checked at the end);
/// - `debt > 0` implies no free permit (a shrink is not undone);
/// - nobody takes a place while `held >= limit` (never over-admits).
///
/// At the end, with every place given back: `available == limit` and no debt.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::{Arc, Mutex};
    use loom::thread;

    /// Every interleaving with up to three preemptions: enough for each of
    /// the races below (a take between a shrink's forget and its debt, a
    /// release between two resizes), and it keeps a model under a minute.
    fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(3);
        }
        builder.check(f);
    }

    use super::{ResizableLimit, Room};

    struct Pool {
        limit: ResizableLimit,
        /// The pool's state lock, with the room accounting behind it.
        state: Mutex<(Room, usize)>,
        /// Places held now (taken and not yet given back).
        held: AtomicUsize,
    }

    impl Pool {
        fn new(limit: usize) -> Arc<Self> {
            Arc::new(Pool {
                limit: ResizableLimit::new(Some(limit)),
                state: Mutex::new((Room::new(Some(limit)), 0)),
                held: AtomicUsize::new(0),
            })
        }

        fn check(&self, room: &Room) {
            let held = self.held.load(Ordering::SeqCst);
            let available = self.limit.available();
            let capacity = room.limit.expect("the models use limits");
            // A place taken by `try_take` and not yet counted in `held` (the
            // pool registers it under the lock right after) makes the left
            // side smaller for a moment, never larger.
            assert!(
                available + held <= capacity + room.debt,
                "places made up: {room:?}, held {held}, {available} free"
            );
            assert!(room.debt == 0 || available == 0, "debt {} with {available} free permits", room.debt);
        }

        /// A meta task's fast path as `PoolInner::acquire_room` does it
        /// (without the wait), then registering the task under the lock.
        fn try_take(&self) -> bool {
            if !self.limit.try_take() {
                return false;
            }
            if self.limit.owes() {
                let mut state = self.state.lock().unwrap();
                // The place is taken but not held by anyone yet: the
                // accounting check would see it missing, so pay first.
                let paid = self.limit.pay_with_taken(&mut state.0);
                if paid {
                    self.check(&state.0);
                    return false;
                }
            }
            let held = self.held.fetch_add(1, Ordering::SeqCst) + 1;
            let state = self.state.lock().unwrap();
            // `held` counts this place; limits only ever went as high as
            // the largest limit the model sets, which `state.1` records.
            assert!(held <= state.1, "{held} places held with limits at most {}", state.1);
            self.check(&state.0);
            true
        }

        fn give_back(&self) {
            let mut state = self.state.lock().unwrap();
            self.held.fetch_sub(1, Ordering::SeqCst);
            self.limit.give_back(&mut state.0);
            self.check(&state.0);
        }

        fn resize(&self, limit: usize) {
            let mut state = self.state.lock().unwrap();
            self.limit.resize(&mut state.0, Some(limit));
            state.1 = state.1.max(limit);
            self.check(&state.0);
        }

        fn finish(&self, limit: usize) {
            let state = self.state.lock().unwrap();
            assert_eq!(self.held.load(Ordering::SeqCst), 0);
            assert_eq!(state.0.limit, Some(limit));
            assert_eq!((self.limit.available(), state.0.debt), (limit, 0), "a place was lost");
        }
    }

    fn start(limit: usize) -> Arc<Pool> {
        let pool = Pool::new(limit);
        pool.state.lock().unwrap().1 = limit;
        pool
    }

    /// Two holders give back while the limit shrinks below them (to 0) and
    /// grows back, and a third party tries to take a place meanwhile.
    #[test]
    fn shrink_below_held_and_back_with_concurrent_release_and_take() {
        model(|| {
            let pool = start(2);
            assert!(pool.try_take() && pool.try_take());
            let resizer = {
                let pool = pool.clone();
                thread::spawn(move || {
                    pool.resize(0);
                    pool.resize(2);
                })
            };
            let releaser = {
                let pool = pool.clone();
                thread::spawn(move || pool.give_back())
            };
            let taker = {
                let pool = pool.clone();
                thread::spawn(move || {
                    if pool.try_take() {
                        pool.give_back();
                    }
                })
            };
            pool.give_back();
            resizer.join().unwrap();
            releaser.join().unwrap();
            taker.join().unwrap();
            pool.finish(2);
        });
    }

    /// While one place is held: shrink to 1 (at the held count), then grow
    /// to 3, racing two takers and the holder's release.
    #[test]
    fn grow_and_shrink_race_takers() {
        model(|| {
            let pool = start(2);
            assert!(pool.try_take());
            let resizer = {
                let pool = pool.clone();
                thread::spawn(move || {
                    pool.resize(1);
                    pool.resize(3);
                })
            };
            let takers: Vec<_> = (0..2)
                .map(|_| {
                    let pool = pool.clone();
                    thread::spawn(move || {
                        if pool.try_take() {
                            pool.give_back();
                        }
                    })
                })
                .collect();
            pool.give_back();
            resizer.join().unwrap();
            for taker in takers {
                taker.join().unwrap();
            }
            pool.finish(3);
        });
    }

    /// A shrink to the held count while holders release and retake: the
    /// limit ends exact, and no take succeeds while the pool is full.
    #[test]
    fn shrink_with_release_and_retake() {
        model(|| {
            let pool = start(3);
            assert!(pool.try_take() && pool.try_take());
            let resizer = {
                let pool = pool.clone();
                thread::spawn(move || pool.resize(1))
            };
            let cycler = {
                let pool = pool.clone();
                thread::spawn(move || {
                    pool.give_back();
                    if pool.try_take() {
                        pool.give_back();
                    }
                })
            };
            pool.give_back();
            resizer.join().unwrap();
            cycler.join().unwrap();
            pool.finish(1);
        });
    }
}
