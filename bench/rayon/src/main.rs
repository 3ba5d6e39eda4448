//! Rayon peer of duet's fork-join benchmarks (bench/fork_join; results in docs/benchmarks.md).
//!
//! Runs ONE workload in this process, so that the driver (bench/fork_join, `fork_join` without
//! `--impl`) can read this process's peak RSS:
//!
//!     fork_join_rayon --workload fib --threads 2 --rounds 7
//!
//! Prints `result <value>` and then `round <wall seconds> <process CPU seconds>` per round on
//! success (one warm-up round is not reported); exits non-zero when a result is wrong. The workloads mirror
//! bench/fork_join/workloads.hpp: same parameters, same recursion, same checks.

use std::process::ExitCode;
use std::time::Instant;

const FIB_N: u32 = 32;
const FIB_CUTOFF: u32 = 20;
const FIB_ANSWER: u64 = 2_178_309;
const SKYNET_LEAVES: u64 = 10_000_000;
const SKYNET_ANSWER: u64 = 49_999_995_000_000;
const QUEENS_N: u32 = 12;
const QUEENS_ANSWER: u64 = 14_200;
const SPAWN_LEAVES: u64 = 1 << 22;

/// Reads a parameter so that the compiler cannot fold the answer at build time (what
/// std::hint::black_box does; that is newer than Debian 12's rustc 1.63).
fn param<T: Copy>(v: T) -> T {
    let cell = v;
    // SAFETY: a volatile read of a local that lives for the whole call.
    unsafe { std::ptr::read_volatile(&cell) }
}

/// CPU time of the whole process (all threads), as the C++ driver measures it.
fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    fib_seq(n - 1) + fib_seq(n - 2)
}

/// fib spawning at every level (`cutoff` = 0) or only for n >= cutoff.
fn fib_join(n: u32, cutoff: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    if n < cutoff {
        return fib_seq(n);
    }
    let (a, b) = rayon::join(|| fib_join(n - 1, cutoff), || fib_join(n - 2, cutoff));
    a + b
}

/// Skynet: the node covering leaves [num, num + size) has ten children; a leaf returns num.
/// The ten children are forked by binary splitting with join (Rayon has no n-ary join).
fn skynet(num: u64, size: u64) -> u64 {
    if size == 1 {
        return num;
    }
    skynet_children(num, size / 10, 0, 10)
}

fn skynet_children(num: u64, child_size: u64, lo: u64, hi: u64) -> u64 {
    if hi - lo == 1 {
        return skynet(num + lo * child_size, child_size);
    }
    let mid = (lo + hi) / 2;
    let (a, b) = rayon::join(
        || skynet_children(num, child_size, lo, mid),
        || skynet_children(num, child_size, mid, hi),
    );
    a + b
}

/// N-queens on bitmasks: one task per legal placement of the next row's queen.
fn queens(all: u32, cols: u32, d1: u32, d2: u32) -> u64 {
    if cols == all {
        return 1;
    }
    let mut moves = [0u32; 32];
    let mut k = 0;
    let mut avail = all & !(cols | d1 | d2);
    while avail != 0 {
        let bit = avail & avail.wrapping_neg();
        avail ^= bit;
        moves[k] = bit;
        k += 1;
    }
    if k == 0 {
        return 0;
    }
    queens_moves(all, cols, d1, d2, &moves[..k])
}

fn queens_moves(all: u32, cols: u32, d1: u32, d2: u32, moves: &[u32]) -> u64 {
    if moves.len() == 1 {
        let bit = moves[0];
        return queens(all, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1);
    }
    let (left, right) = moves.split_at(moves.len() / 2);
    let (a, b) = rayon::join(
        || queens_moves(all, cols, d1, d2, left),
        || queens_moves(all, cols, d1, d2, right),
    );
    a + b
}

/// A balanced binary tree of joins with `leaves` empty leaves (each returns 1).
fn spawn_tree(leaves: u64) -> u64 {
    if leaves == 1 {
        return 1;
    }
    let (a, b) = rayon::join(
        || spawn_tree(leaves / 2),
        || spawn_tree(leaves - leaves / 2),
    );
    a + b
}

fn usage() -> ExitCode {
    eprintln!("usage: fork_join_rayon --workload fib|fib_cut|skynet|nqueens|spawn_1w|spawn_all|fib_cut_1w [--threads N] [--rounds N]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mut workload = String::new();
    let mut threads: usize = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut rounds: usize = 7;
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned();
        match (args[i].as_str(), value) {
            ("--workload", Some(v)) => workload = v,
            ("--threads", Some(v)) => match v.parse() {
                Ok(n) if n > 0 => threads = n,
                _ => return usage(),
            },
            ("--rounds", Some(v)) => match v.parse() {
                Ok(n) if n > 0 => rounds = n,
                _ => return usage(),
            },
            _ => return usage(),
        }
        i += 2;
    }
    // The one-worker workloads fix their own thread count.
    if workload.ends_with("_1w") {
        threads = 1;
    }
    let n = param(FIB_N);
    let job: Box<dyn Fn() -> u64 + Sync> = match workload.as_str() {
        "fib" => Box::new(move || fib_join(n, 0)),
        "fib_cut" | "fib_cut_1w" => Box::new(move || fib_join(n, param(FIB_CUTOFF))),
        "skynet" => Box::new(|| skynet(0, param(SKYNET_LEAVES))),
        "nqueens" => Box::new(|| queens((1u32 << param(QUEENS_N)) - 1, 0, 0, 0)),
        "spawn_1w" | "spawn_all" => Box::new(|| spawn_tree(param(SPAWN_LEAVES))),
        _ => return usage(),
    };
    let expected = match workload.as_str() {
        "fib" | "fib_cut" | "fib_cut_1w" => FIB_ANSWER,
        "skynet" => SKYNET_ANSWER,
        "nqueens" => QUEENS_ANSWER,
        _ => SPAWN_LEAVES,
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("fork_join_rayon: cannot build the pool: {e}");
            return ExitCode::from(1);
        }
    };
    let mut line = String::new();
    let mut value = 0;
    // Round 0 warms up (threads started, caches, deques grown) and is not reported.
    for round in 0..=rounds {
        let cpu0 = process_cpu_seconds();
        let start = Instant::now();
        value = pool.install(|| job());
        let secs = start.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds() - cpu0;
        if value != expected {
            eprintln!("fork_join_rayon: {workload}: got {value}, expected {expected}");
            return ExitCode::from(1);
        }
        if round > 0 {
            line.push_str(&format!("round {secs:.9} {cpu:.9}\n"));
        }
    }
    print!("result {value}\n{line}");
    ExitCode::SUCCESS
}
