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

/// Runs `work` on the items dealt out over the threads by `weight` (the
/// heaviest first, each to the thread with the least so far), so that
/// threads finish together when items differ much in cost. The results come
/// back per thread; which items a thread had is not kept.
pub fn dealt<T: Sync + Clone + Send, R: Send>(
    items: &[T],
    weight: impl Fn(&T) -> u64,
    work: impl Fn(&[T]) -> R + Sync,
) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(items.len().max(1));
    let mut order: Vec<(u64, usize)> = items.iter().enumerate().map(|(i, it)| (weight(it), i)).collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let mut bins: Vec<(u64, Vec<T>)> = (0..threads).map(|_| (0, Vec::new())).collect();
    for (w, i) in order {
        if let Some(bin) = bins.iter_mut().min_by_key(|b| b.0) {
            bin.0 += w;
            bin.1.push(items[i].clone());
        }
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = bins.iter().map(|(_, part)| scope.spawn(move || work(part))).collect();
        handles.into_iter().map(|h| h.join().map_err(|_| Error::Worker("a worker thread panicked".into()))).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dealt_items_are_each_worked_once() {
        let items: Vec<u64> = (0..100).collect();
        let parts = super::dealt(&items, |x| x * x, |part| part.to_vec()).unwrap();
        let mut all: Vec<u64> = parts.concat();
        all.sort_unstable();
        assert_eq!(all, items);
        let sums: Vec<u64> = parts.iter().map(|p| p.iter().map(|x| x * x).sum()).collect();
        let (lo, hi) = (sums.iter().min().unwrap(), sums.iter().max().unwrap());
        assert!(hi - lo <= 99 * 99, "threads' work differs by at most the heaviest item: {sums:?}");
    }

    #[test]
    fn results_come_back_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let sums = super::chunks(&items, |part| part.to_vec()).unwrap();
        assert_eq!(sums.concat(), items);
        assert!(super::chunks(&[] as &[u32], |p| p.len()).unwrap().iter().all(|n| *n == 0));
    }
}
