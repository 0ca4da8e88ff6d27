"""joblib_trivial.py: bench/cmd/benchext's joblib peer. Runs
Parallel(n_jobs=WORKERS)(delayed(f)(i) for i in range(TASKS)) with f
trivial (return i) and joblib's default backend (loky) and automatic
batching, once to warm up (the workers start and import), then again,
timed: only that second Parallel call is timed. Prints
tasks=... seconds=... tasks_per_s=...
"""

import argparse
import time

from joblib import Parallel, delayed, __version__ as joblib_version


def f(i):
    return i


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=100_000, help="tasks of the untimed first call")
    a = ap.parse_args()
    out = Parallel(n_jobs=a.workers)(delayed(f)(i) for i in range(a.warmup))
    assert len(out) == a.warmup
    t0 = time.perf_counter()
    out = Parallel(n_jobs=a.workers)(delayed(f)(i) for i in range(a.tasks))
    dt = time.perf_counter() - t0
    assert len(out) == a.tasks and out[-1] == a.tasks - 1
    print(f"tasks={a.tasks} seconds={dt:.6f} tasks_per_s={a.tasks / dt:.1f} joblib={joblib_version}")


if __name__ == "__main__":
    main()
