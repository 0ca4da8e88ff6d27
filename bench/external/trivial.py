"""trivial.py: the cheapest possible simrun kernel in Python, for
bench/cmd/benchext. Every sample records x = 1.0; the chunk's cost is the
protocol and the helper's request loop, nothing else.

It imports the helper simrun ships, external/lang/python/simrun_kernel.py,
from where it lies in the repository (no copy to keep in step).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "external", "lang", "python"))

import simrun_kernel as sk  # noqa: E402

SPEC = sk.Spec(
    name="bench-trivial-py",
    version=1,
    doc="x = 1.0 for every sample: the protocol's cost alone",
    observables=[sk.Observable("x", iid=True, doc="always 1.0")],
)


def sample(params, rng, n):
    return {"x": 1.0}


if __name__ == "__main__":
    sk.main(SPEC, sample)
