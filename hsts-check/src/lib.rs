//! hsts-check: parse Strict-Transport-Security headers strictly and explain which
//! policy covers a host.

pub mod cli;
pub mod config;
pub mod dump;
pub mod haproxy;
pub mod header;
pub mod net;
pub mod nginx;
pub mod nginx_model;
pub mod probe;
pub mod report;

/// `f` over `items` on up to four threads, the results in the items' order; fewer
/// than `at_least` items (or one core) run on this thread, where a thread would
/// cost more than it saves.
pub(crate) fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    at_least: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4);
    if threads < 2 || items.len() < at_least.max(2) {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parallel_work_comes_back_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = super::map_in_order(&items, 16, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map_in_order(&items[..3], 16, |x| *x), [0, 1, 2]);
    }
}
