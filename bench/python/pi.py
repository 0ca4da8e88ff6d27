"""Estimate pi from uniform points in the unit square with multiprocessing
and numpy: the Python peer of `simrun run` on the pi kernel.

The samples are split into chunks; each chunk is one Pool task with its own
generator (np.random.default_rng on a child of SeedSequence.spawn), and
draws its points in vectorised sub-batches so memory stays bounded.

    python3 pi.py --samples 1000000000 --chunks 100 --workers 2
"""

import argparse
import os
import time
from multiprocessing import Pool

import numpy as np


def count_inside(task):
    """Number of the chunk's points inside the quarter disc."""
    seed, n, batch = task
    rng = np.random.default_rng(seed)
    x = np.empty(min(batch, n))
    y = np.empty_like(x)
    inside = 0
    while n > 0:
        m = min(batch, n)
        xs, ys = x[:m], y[:m]
        rng.random(out=xs)
        rng.random(out=ys)
        xs *= xs
        ys *= ys
        xs += ys
        inside += int(np.count_nonzero(xs < 1.0))
        n -= m
    return inside


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10**9)
    ap.add_argument("--chunks", type=int, default=100)
    ap.add_argument("--batch", type=int, default=10**6, help="points drawn at once in a task")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args()

    base, extra = divmod(args.samples, args.chunks)
    sizes = [base + (i < extra) for i in range(args.chunks)]
    seeds = np.random.SeedSequence(args.seed).spawn(args.chunks)
    tasks = [(s, n, args.batch) for s, n in zip(seeds, sizes)]

    start = time.perf_counter()
    with Pool(args.workers) as pool:
        inside = sum(pool.map(count_inside, tasks, chunksize=1))
    elapsed = time.perf_counter() - start

    estimate = 4 * inside / args.samples
    print(f"pi={estimate:.8f} samples={args.samples} seconds={elapsed:.4f}")


if __name__ == "__main__":
    main()
