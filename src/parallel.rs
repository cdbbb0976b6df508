//! Work split over this machine's cores (at most 8 threads), in order.

use crate::error::{Error, Result};

/// Runs `work` on consecutive chunks of `items`, one thread per chunk, and
/// returns the chunks' results in the order of the chunks. A panicking thread
/// is an internal error, not a crash.
pub fn chunks<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let size = items.len().div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(size).map(|part| scope.spawn(move || work(part))).collect();
        handles.into_iter().map(|h| h.join().map_err(|_| Error::Worker("a worker thread panicked".into()))).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let sums = super::chunks(&items, |part| part.to_vec()).unwrap();
        assert_eq!(sums.concat(), items);
        assert!(super::chunks(&[] as &[u32], |p| p.len()).unwrap().iter().all(|n| *n == 0));
    }
}
