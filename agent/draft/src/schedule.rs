//! Tasks and what each must wait for in, every task's result out, in task order: up to `width`
//! tasks run at once on scoped threads, each once everything it waits for has finished; ready
//! tasks start in task order, so one worker runs them exactly as a plain loop over a
//! topological order would. After a task fails, no new task starts.

use std::sync::{Condvar, Mutex};

struct Board<T> {
    started: Vec<bool>,
    results: Vec<Option<T>>,
    failed: bool,
}

impl<T> Board<T> {
    fn done(&self, i: usize) -> bool {
        self.results[i].is_some()
    }

    /// The first task not started whose prerequisites are all done.
    fn next(&self, after: &[Vec<usize>]) -> Option<usize> {
        (0..self.started.len())
            .find(|&i| !self.started[i] && after[i].iter().all(|&j| self.done(j)))
    }
}

/// Runs `task(i)` for each `i` in `0..after.len()`, `after[i]` listing the tasks `i` waits for.
/// A result is `None` only for a task never started because another one failed (or because it
/// waits, directly or not, for itself).
pub fn run<T, E>(
    after: &[Vec<usize>],
    width: usize,
    task: impl Fn(usize) -> Result<T, E> + Sync,
) -> Vec<Option<Result<T, E>>>
where
    T: Send,
    E: Send,
{
    let n = after.len();
    let board = Mutex::new(Board::<Result<T, E>> {
        started: vec![false; n],
        results: (0..n).map(|_| None).collect(),
        failed: false,
    });
    let changed = Condvar::new();
    let worker = || {
        let mut b = board.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if b.failed {
                return;
            }
            if let Some(i) = b.next(after) {
                b.started[i] = true;
                drop(b);
                let r = task(i);
                b = board.lock().unwrap_or_else(|e| e.into_inner());
                b.failed |= r.is_err();
                b.results[i] = Some(r);
                changed.notify_all();
                continue;
            }
            // Nothing ready: finished, stuck on a cycle, or waiting for a running task.
            let running = (0..n).any(|i| b.started[i] && !b.done(i));
            if !running {
                changed.notify_all();
                return;
            }
            b = changed.wait(b).unwrap_or_else(|e| e.into_inner());
        }
    };
    let width = width.clamp(1, n.max(1));
    if width == 1 {
        worker();
    } else {
        std::thread::scope(|s| {
            for _ in 0..width {
                s.spawn(worker);
            }
        });
    }
    board
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .results
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn prerequisites_finish_first_and_results_keep_task_order() {
        // 2 waits for 3, 1 for 0, 4 for everything.
        let after = vec![vec![], vec![0], vec![3], vec![], vec![0, 1, 2, 3]];
        for width in [1, 2, 4] {
            let log = Mutex::new(Vec::new());
            let out = run(&after, width, |i| {
                std::thread::sleep(Duration::from_millis(5 * (5 - i as u64)));
                let mut l = log.lock().unwrap();
                for &j in &after[i] {
                    assert!(l.contains(&j), "{i} before {j} (width {width})");
                }
                l.push(i);
                Ok::<_, ()>(i * 10)
            });
            let got: Vec<usize> = out.into_iter().map(|r| r.unwrap().unwrap()).collect();
            assert_eq!(got, [0, 10, 20, 30, 40]);
        }
        // One worker runs the first ready task each time: a topological order by task order.
        let log = Mutex::new(Vec::new());
        run(&after, 1, |i| {
            log.lock().unwrap().push(i);
            Ok::<_, ()>(())
        });
        assert_eq!(*log.lock().unwrap(), [0, 1, 3, 2, 4]);
    }

    #[test]
    fn tasks_run_at_once_up_to_the_width_and_stop_after_a_failure() {
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let after = vec![vec![]; 6];
        run(&after, 3, |_| {
            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(n, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(30));
            now.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, ()>(())
        });
        assert_eq!(most.load(Ordering::SeqCst), 3);
        let out = run(&[vec![], vec![0], vec![1]], 2, |i| {
            if i == 1 { Err("no") } else { Ok(i) }
        });
        assert!(matches!(out[0], Some(Ok(0))));
        assert!(matches!(out[1], Some(Err("no"))));
        assert!(out[2].is_none());
    }
}
