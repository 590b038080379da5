//! How many threads a tool works on, and the one way work is spread over them when
//! the results must come back in order.

/// `--threads N`, the same flag in every tool that works on several threads.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct ThreadsArg {
    /// Worker threads [default: the number of cores]; the output does not depend on
    /// it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
}

impl ThreadsArg {
    /// The number asked for, or the cores this process may use.
    pub fn count(&self) -> usize {
        self.threads.map_or_else(cores, |n| n as usize)
    }
}

/// The cores this process may use (1 when it cannot be told).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `f` over `items` on up to four threads, the results in the items' order; fewer
/// than `at_least` items (or one core) run on this thread, where a thread would
/// cost more than it saves.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    at_least: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = cores().min(4);
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
