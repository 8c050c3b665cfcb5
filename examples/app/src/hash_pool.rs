//! The threads that hash passwords: a fixed set of them, one per core, each with the argon2
//! memory of one hash, which it allocates once and reuses for every hash; and a short queue in
//! front of them, past which a hash is refused at once ([`PoolError::Busy`]: the handlers
//! answer 503 with `Retry-After`).
//!
//! What it saves: argon2id with the stored parameters fills 19 MiB per hash. On tokio's blocking
//! pool (up to 512 threads) each hash allocated its own 19 MiB, and a flood of logins ran
//! hundreds at once: `flood.py` (64 clients for 15 s, logins for made-up usernames, 2 cores)
//! took the app from 30 MiB to 15.7 GiB resident, where it stayed after the flood (freed blocks
//! stay with the allocator), and a real login took 872 ms (median; 1.8 s at most). Here at most
//! one hash per core runs at a time and memory stays at one block per thread: the same flood
//! from 64 addresses (past the per-client quotas) peaked at 51 MiB, with 63 ms (median) for a
//! real login. A request that would wait behind more than one hash per thread is told to come
//! back instead. The reference it must agree with, argon2's own `hash_password` and
//! `verify_password`, is in `password`'s tests.

use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::Block;

/// A job: runs on one of the threads, with that thread's memory.
type Job = Box<dyn FnOnce(&mut [Block]) + Send>;

/// Why a job did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolError {
    /// Every thread is busy and the queue is full: try again shortly.
    Busy,
    /// The job panicked, or the threads are gone.
    Stopped,
}

/// The hashing threads; clones share them. The threads end when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: SyncSender<Job>,
    threads: NonZeroUsize,
}

impl HashPool {
    /// Starts `threads` threads, each of which allocates `blocks` argon2 blocks on its first job
    /// (an idle application does not pay for them), behind a queue of `queue` jobs.
    pub fn start(threads: NonZeroUsize, queue: usize, blocks: usize) -> std::io::Result<Self> {
        let (jobs, receiver) = std::sync::mpsc::sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads.get() {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("password-hasher-{index}"))
                .spawn(move || work(&receiver, blocks))?;
        }
        Ok(Self { jobs, threads })
    }

    /// One thread per core the process may use (`std::thread::available_parallelism`), with a
    /// queue as long as there are threads: a request waits for at most about one hash.
    pub fn per_core(blocks: usize) -> std::io::Result<Self> {
        let threads = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
        Self::start(threads, threads.get(), blocks)
    }

    /// How many hashes may run at once.
    pub fn threads(&self) -> NonZeroUsize {
        self.threads
    }

    /// Runs `job` on a hashing thread with its memory, or refuses at once when the threads and
    /// the queue are full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&mut [Block]) -> T + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // The caller may have gone (the client hung up): nobody to tell.
            let _ = answer.send(job(memory));
        });
        match self.jobs.try_send(job) {
            Ok(()) => answered.await.map_err(|_| PoolError::Stopped),
            Err(TrySendError::Full(_)) => Err(PoolError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(PoolError::Stopped),
        }
    }
}

/// One thread: takes jobs until every sender is gone. The memory is allocated on the first job
/// and kept; a job that panics loses its answer ([`PoolError::Stopped`]), not the thread.
fn work(receiver: &Mutex<Receiver<Job>>, blocks: usize) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(job) = job else { return };
        if memory.is_empty() {
            memory = vec![Block::default(); blocks];
        }
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn at_most_one_job_per_thread_runs_the_queue_is_short_and_the_rest_is_refused_at_once() {
        const BLOCKS: usize = 4;
        let pool = HashPool::start(NonZeroUsize::new(2).unwrap(), 3, BLOCKS).unwrap();
        // The jobs wait at this gate until the test opens it.
        let gate = Arc::new(tokio::sync::RwLock::new(()));
        let closed = gate.write().await;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let submit = || {
            let (pool, gate, running, most) = (
                pool.clone(),
                Arc::clone(&gate),
                Arc::clone(&running),
                Arc::clone(&most),
            );
            tokio::spawn(async move {
                pool.run(move |memory| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    drop(gate.blocking_read());
                    running.fetch_sub(1, Ordering::SeqCst);
                    memory.len()
                })
                .await
            })
        };
        let mut jobs = vec![submit(), submit()];
        while running.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        // Both threads hold a job; three more fill the queue.
        jobs.extend([submit(), submit(), submit()]);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(|_| ()).await, Err(PoolError::Busy));

        drop(closed);
        for job in jobs {
            assert_eq!(job.await.unwrap(), Ok(BLOCKS), "each thread has its memory");
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "never more jobs than threads"
        );
        // Free again.
        assert_eq!(pool.run(|memory| memory.len()).await, Ok(BLOCKS));
    }

    #[tokio::test]
    async fn a_panicking_job_loses_its_answer_not_its_thread() {
        let pool = HashPool::start(NonZeroUsize::MIN, 1, 1).unwrap();
        let panicked: Result<(), _> = pool.run(|_| panic!("a job that fails")).await;
        assert_eq!(panicked, Err(PoolError::Stopped));
        assert_eq!(pool.run(|memory| memory.len()).await, Ok(1));
    }
}
