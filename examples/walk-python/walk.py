"""walk: the simple random walk on the integers, a simrun kernel in Python.

A walk starts at 0 and takes `steps` steps of +1 or -1, each with
probability 1/2. The observable r2 is the squared end-to-end distance X^2;
its exact expectation is E[X^2] = steps (the steps are independent, of mean
0 and variance 1), the reference msd, which `simrun check` tests.

The walks are simulated step by step with numpy, vectorised over the
samples of a chunk: each step is a random bit (1 for a step right), and
X = 2 * (number of right steps) - steps.
"""

import simrun_kernel as sk

try:
    import numpy as np
except ImportError:
    # The spec says requires=["numpy"]: the kernel then tells simrun, at
    # the handshake, that numpy is missing and how to install it.
    np = None

SPEC = sk.Spec(
    name="walk",
    version=1,
    doc="simple random walk on the integers: squared end-to-end distance",
    params=[sk.Int("steps", min=0, doc="number of steps")],
    observables=[sk.Observable("r2", iid=True, doc="squared end-to-end distance X^2")],
    references=[
        sk.Reference("msd", of="r2", exact=True, doc="E[X^2] = steps, exactly",
                     func=lambda params: float(params["steps"])),
    ],
    requires=["numpy"],
)

# The most step bits drawn at once: a block of walks × steps int8 array of
# at most 4 MiB, whatever the chunk size and the number of steps.
BLOCK = 1 << 22


def sample(params, rng, n):
    steps = params["steps"]
    g = rng.generator  # the chunk's numpy Generator, bound once for the loop
    r2 = np.empty(n)
    cols = max(1, min(steps, BLOCK))  # steps drawn per pass
    rows = max(1, BLOCK // cols)      # walks per block
    for start in range(0, n, rows):
        m = min(rows, n - start)
        right = np.zeros(m, dtype=np.int64)  # steps right so far, per walk
        for done in range(0, steps, cols):
            k = min(cols, steps - done)
            right += g.integers(0, 2, size=(m, k), dtype=np.int8).sum(axis=1, dtype=np.int64)
        x = 2 * right - steps
        r2[start:start + m] = x * x
    return {"r2": r2}


if __name__ == "__main__":
    sk.main(SPEC, sample)
