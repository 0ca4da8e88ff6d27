"""Tasks that do nothing, through multiprocessing: the cost of dispatch
alone, to compare with simrun's trivial chunks.

Each mode starts its pool first and times only the tasks:
  map1       Pool.map(f, range(n), chunksize=1)
  map        Pool.map(f, range(n), chunksize=CHUNKSIZE)
  submit     ProcessPoolExecutor.submit, one future per task

    python3 trivial.py --mode map --tasks 1000000 --workers 2
"""

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool


def noop(i):
    return i


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["map1", "map", "submit"], default="map")
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--chunksize", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()

    if args.mode == "submit":
        with ProcessPoolExecutor(args.workers) as ex:
            ex.submit(noop, 0).result()  # the workers are up
            start = time.perf_counter()
            futures = [ex.submit(noop, i) for i in range(args.tasks)]
            done = sum(1 for f in futures if f.result() is not None)
            elapsed = time.perf_counter() - start
    else:
        chunksize = 1 if args.mode == "map1" else args.chunksize
        with Pool(args.workers) as pool:
            pool.map(noop, range(args.workers))  # the workers are up
            start = time.perf_counter()
            done = len(pool.map(noop, range(args.tasks), chunksize=chunksize))
            elapsed = time.perf_counter() - start

    print(f"mode={args.mode} tasks={done} seconds={elapsed:.4f} tasks_per_s={done / elapsed:.1f}")


if __name__ == "__main__":
    main()
