"""A sweep of many small points with multiprocessing and numpy: the Python
peer of `simrun run` on the spin kernel with `work` swept over 1..N.

Point w is one task: the mean of w uniform draws from its own generator
(np.random.default_rng on a child of SeedSequence.spawn). The work grows
with w, so tasks go out in modest chunks to keep the two ends balanced.

    python3 sweep.py --points 10000 --workers 2
"""

import argparse
import os
import time
from multiprocessing import Pool

import numpy as np


def point(task):
    """One point: the mean of `work` uniforms."""
    seed, work = task
    rng = np.random.default_rng(seed)
    return rng.random(work).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--chunksize", type=int, default=64, help="tasks per message to a worker")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args()

    works = range(1, args.points + 1)
    seeds = np.random.SeedSequence(args.seed).spawn(args.points)

    start = time.perf_counter()
    with Pool(args.workers) as pool:
        means = pool.map(point, zip(seeds, works), chunksize=args.chunksize)
    elapsed = time.perf_counter() - start

    print(f"points={len(means)} mean_of_means={np.mean(means):.6f} seconds={elapsed:.4f}")


if __name__ == "__main__":
    main()
