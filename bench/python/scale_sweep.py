"""A sweep of a million option prices with multiprocessing, numpy and pandas:
the Python peer of `simrun run` on the option kernel with the strike swept.

Point i prices a European call on K_i = linspace(K0, K1, points)[i] by Monte
Carlo under geometric Brownian motion, as kernels/option.go does with
antithetic = true: a sample is a pair (Z, -Z) of terminal prices
S_T = S0·exp((r - σ²/2)T ± σ√T·Z) and records the mean of the pair's
discounted payoffs e^{-rT}·max(S_T - K, 0), so 10 samples draw 10 normals
and price 20 paths. The point's generator is np.random.default_rng on the
i-th child of SeedSequence(seed).spawn(points), built in the worker from
its spawn key (SeedSequence(seed, spawn_key=(i,)) is that child) rather
than pickled to it. Points go to Pool.map in chunks of points/(workers·64)
by default; the results are collected into a pandas DataFrame, one row per
point (K, the call's mean and its standard error), written with to_csv.
Without pandas the rows are written with the csv module instead, and the
summary line says writer=csv.

    python3 scale_sweep.py --points 1000000 --workers 2 --out prices.csv

It prints one line of key=value words: points, writer, the mean of the
call prices, the seconds of the pool (pool_seconds) and of the whole run
from the start of the pool to the written file (seconds).
"""

import argparse
import csv
import math
import os
import time
from multiprocessing import Pool

import numpy as np

try:
    import pandas as pd
except ImportError:  # Debian's python3-pandas (scripts/deps.sh bench)
    pd = None

# The model, as bench/cmd/benchscale writes it into the experiment file.
S0, R, SIGMA, T = 100.0, 0.05, 0.2, 1.0

# Set in each worker by init: the seed, the samples of a point, and the
# drift, volatility and discount factor of the model.
_cfg = {}


def init(seed, samples):
    _cfg["seed"], _cfg["samples"] = seed, samples
    _cfg["m"] = S0 * math.exp((R - 0.5 * SIGMA * SIGMA) * T)  # S_T = m·e^{vol·Z}
    _cfg["vol"] = SIGMA * math.sqrt(T)
    _cfg["disc"] = math.exp(-R * T)


def point(task):
    """One point: the call's mean and standard error over its samples."""
    i, k = task
    rng = np.random.default_rng(np.random.SeedSequence(_cfg["seed"], spawn_key=(i,)))
    e = np.exp(_cfg["vol"] * rng.standard_normal(_cfg["samples"]))
    m = _cfg["m"]
    pay = 0.5 * _cfg["disc"] * (np.maximum(m * e - k, 0) + np.maximum(m / e - k, 0))
    return pay.mean(), pay.std(ddof=1) / math.sqrt(len(pay))


def write(path, ks, means, stderrs):
    """Writes the table, with pandas if it is there; returns which writer."""
    if pd is not None:
        df = pd.DataFrame({"K": ks, "call": means, "stderr": stderrs})
        df.to_csv(path, index=False)
        return "pandas"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["K", "call", "stderr"])
        w.writerows(zip(ks, means, stderrs))
    return "csv"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--k0", type=float, default=50, help="the first strike")
    ap.add_argument("--k1", type=float, default=150, help="the last strike")
    ap.add_argument("--samples", type=int, default=10, help="antithetic pairs per point")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--chunksize", type=int, default=0, help="points per message to a worker (0: points/(workers·64))")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", default="prices.csv", help="the CSV file to write")
    args = ap.parse_args()
    chunksize = args.chunksize or max(1, args.points // (args.workers * 64))

    ks = np.linspace(args.k0, args.k1, args.points)
    start = time.perf_counter()
    with Pool(args.workers, initializer=init, initargs=(args.seed, args.samples)) as pool:
        res = pool.map(point, enumerate(ks.tolist()), chunksize=chunksize)
    pool_seconds = time.perf_counter() - start
    means, stderrs = zip(*res) if res else ((), ())
    writer = write(args.out, ks, means, stderrs)
    elapsed = time.perf_counter() - start

    print(f"points={len(res)} writer={writer} chunksize={chunksize} mean_call={np.mean(means):.6f} "
          f"pool_seconds={pool_seconds:.4f} seconds={elapsed:.4f}")


if __name__ == "__main__":
    main()
