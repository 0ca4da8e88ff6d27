"""simrun_kernel: write a simrun kernel in Python.

A kernel is a program that simulates samples of some observables for given
parameters. simrun runs it, sends it chunks (a number of samples and a
random state each) and gets back one accumulator per observable; sweeps,
seeds, workers, retries, resume, statistics and figures are simrun's job.
This file speaks simrun's kernel protocol (version 1,
docs/external-kernels.md) so that a kernel is a spec and one function::

    import simrun_kernel as sk

    SPEC = sk.Spec(
        name="walk", version=1, doc="simple random walk on the integers",
        params=[sk.Int("steps", min=0, doc="number of steps")],
        observables=[sk.Observable("r2", iid=True, doc="squared end-to-end distance")],
        references=[sk.Reference("msd", of="r2", exact=True, doc="<r^2> = steps",
                                 func=lambda params: float(params["steps"]))],
    )

    def sample(params, rng, n):
        steps = rng.integers(0, 2, size=(n, params["steps"])) * 2 - 1
        return {"r2": steps.sum(axis=1) ** 2}

    if __name__ == "__main__":
        sk.main(SPEC, sample)

It is one file with no dependency beyond the standard library (numpy is
used if installed, and only when asked for); copy it next to the kernel
and list it in the experiment's ``kernel.files``. Python 3.9 or later.


The spec
--------
``Spec(name=..., observables=[...], params=[...], references=[...],
version=0, doc="", requires=[])`` declares the kernel. All arguments are
keywords; it checks them at once and raises ValueError or TypeError with
what is wrong.

- ``name``: letters, digits, ``_``, ``.``, ``-``, starting with a letter or
  digit.
- ``version``: an integer >= 0. Bump it whenever the kernel would give other
  samples from the same seeds: simrun never mixes chunks of two versions.
- ``doc``: one line on what the kernel simulates.
- ``requires``: names of modules the kernel cannot run without, such as
  ``["numpy"]``. If one is missing, the kernel answers simrun's handshake
  with an error naming it (and how to install it), so the run stops at once
  with that message instead of failing chunk after chunk.

Parameters, in the order simrun lists them (names: letters, digits and
``_``, not starting with a digit, and not a column of results.csv such as
``mean`` or ``min``). Without ``default`` a parameter is required::

    Int(name, default=None, min=None, max=None, min_open=False, max_open=False, doc="")
    Float(name, default=None, min=None, max=None, min_open=False, max_open=False, doc="")
    Bool(name, default=None, doc="")
    String(name, default=None, choices=None, doc="")

``min`` and ``max`` bound a number inclusively, exclusively with
``min_open=True`` / ``max_open=True``; leave one out for no bound.
``choices`` lists the valid values of a string. simrun checks every value
of an experiment against these before it runs anything, so ``sample`` only
ever sees valid values.

``Observable(name, iid=False, doc="")``: one quantity each sample records.
``iid=True`` says the samples within a chunk are independent (so standard
errors may use every sample); leave it False for correlated samples, such
as successive states of a Markov chain, and simrun treats only the chunk
means as independent (batch means).

``Reference(name, of=..., func=..., exact=False, stat="mean", doc="")``: an
exact or published value of observable ``of``, drawn in figures.
``func(params)`` returns a float, or None (or nan) where it has no value.
``exact=True`` claims it is the exact expectation for the simulated system
itself, which ``simrun check`` tests against the results; ``stat="sd"``
says it predicts the standard deviation of a sample rather than the mean.


The sample function
-------------------
``sample(params, rng, n)`` simulates ``n`` samples (n >= 1) of one chunk.

``params`` maps each parameter's name to its value: an int, float, bool or
str as declared (an Int is a Python int, a Float a float). It is read-only,
because it is shared by every chunk of a point (``dict(params)`` gives a
copy to change).

``rng`` is the chunk's source of randomness. A chunk must draw only from it
(never from ``random`` or an unseeded numpy generator): then the same chunk
gives the same samples on every run, worker and machine, which is what makes
simrun's results reproducible bit for bit, and ``simrun verify`` checks it.

- ``rng.integers(...)``, ``rng.normal(...)``, ``rng.random(...)``, any
  method of a ``numpy.random.Generator``: the chunk's numpy generator,
  ``Generator(PCG64(SeedSequence([s0, s1, s2, s3])))`` from the chunk's
  256-bit state. It is built on first use (building one costs about 20 us,
  which would dominate a cheap kernel that does not need it).
  ``rng.generator`` is the Generator itself, to pass to code that wants one
  or to bind once before a hot loop (each ``rng.name`` forwards through a
  Python-level lookup). Without numpy, these raise ImportError.
- ``rng.xoshiro()``: a new pure-Python ``Xoshiro256`` generator started
  from the chunk's state, exactly simrun's Go generator: the same numbers a
  Go kernel draws for this chunk. No numpy needed; under 1 us a number.
  Each call starts again from the chunk's state: call it once per chunk.
  ``Xoshiro256(state)`` has ``next_u64()`` (64 random bits, as Go's
  ``Uint64``), ``random()`` (a float in [0, 1), ``(u >> 11) * 2**-53``, as
  Go's ``Float64``), ``uint64n(k)`` (uniform in 0 .. k-1, exactly unbiased,
  as Go's ``Uint64n``) and ``state``.
- ``rng.state``: the chunk's state, a tuple of four unsigned 64-bit ints.
- ``rng.seed``: an integer in [0, 2^63) derived from the state, to seed
  any other generator (``random.Random(rng.seed)``, a C library's).

``sample`` returns a dict with one entry per observable (for a kernel with a
single observable, the entry's value alone may be returned instead). Each
value is one of:

- a float or int (or bool): one sample;
- a list or tuple (or any other iterable) of numbers: the samples, reduced
  in order by Welford's update, exactly as simrun's Go kernels reduce
  theirs;
- a numpy array of real numbers, of any shape (every element is a sample):
  reduced vectorised in two passes, mean = sum/N, then M2 = sum((x-mean)^2),
  with numpy's pairwise summation (deterministic for a given numpy build);
- an ``Acc``: an accumulator the kernel computed itself, sent as it is.

The number of samples need not equal ``n`` (a rejection sampler may keep
fewer; an observable may record nothing in a chunk). Every result must be
finite: a sample that is nan or infinite fails the chunk with a message
saying which observable and which sample.


Accumulators
------------
``Acc(n=0, mean=0.0, m2=0.0, min=0.0, max=0.0)`` summarises n values:
their count, mean, sum of squared deviations from the mean (M2; the
variance is M2/(n-1)), minimum and maximum. ``acc.add(x)`` adds one value
(Welford's update) and ``acc.merge(other)`` adds the values another Acc
summarises (Chan, Golub and LeVeque), both with the same floating-point
operations as simrun's Go ``sim.Acc``. Use one to accumulate as you go
instead of building a list, such as along a Markov chain.


Errors and output
-----------------
An exception in ``sample`` or in a reference's ``func`` fails that request
only: simrun shows its traceback with the point's parameters and the
chunk's seed, and ``simrun chunk FILE POINT CHUNK`` reruns exactly that
chunk. The kernel goes on with the next request.

Standard output belongs to the protocol. ``main`` moves it aside first:
``print()`` and anything C code writes to file descriptor 1 go to standard
error, which simrun copies to its log. Standard input is the protocol's too:
``input()`` and reads of fd 0 see an empty file. Before ``main`` runs (while
the kernel's module is being imported) standard output is still the
protocol's: print to ``sys.stderr`` there.

When simrun runs the kernel (standard input is not a terminal), ``main``
ignores SIGINT: on Ctrl-C simrun closes the kernel's input and lets it
finish the requests it has; it is not interrupted in the middle of one.


Testing a kernel
----------------
``run_chunk(SPEC, sample, params, n, state=(1, 2, 3, 4))`` runs one chunk
in-process, as the protocol would, and returns ``{observable: Acc}``, the
exact accumulators the kernel would send: handy in a notebook or a unit
test. Parameters left out take their defaults. By hand, a kernel reads the
protocol on standard input::

    $ printf 'simrun-kernel 1\\npoint 0 steps=10\\nchunk 1 0 1000 2 1 2 3 4\\nflush\\n' | python3 walk.py
    {"protocol": 1, "name": "walk", ...}
    ok 1 1000 10.12 ...
"""

import json
import math
import os
import sys

__all__ = [
    "PROTOCOL",
    "Spec",
    "Int",
    "Float",
    "Bool",
    "String",
    "Observable",
    "Reference",
    "Acc",
    "Xoshiro256",
    "main",
    "run_chunk",
]

#: The protocol version this file speaks.
PROTOCOL = 1

_MASK64 = (1 << 64) - 1
_TWO_M53 = 2.0 ** -53

# Names, as simrun checks them (docs/external-kernels.md).
_KERNEL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# The columns of results.csv besides the parameters: a parameter named like
# one would make two columns of one name.
_RESERVED = ("point", "observable", "samples", "chunks", "mean", "variance", "stderr",
             "ci_low", "ci_high", "min", "max", "method")


def _is_kernel_name(s):
    return isinstance(s, str) and s != "" and s[0] not in "_.-" and set(s) <= _KERNEL_NAME_CHARS


def _is_ident(s):
    return isinstance(s, str) and s != "" and not s[0].isdigit() and set(s) <= _IDENT_CHARS


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_doc(what, doc):
    if not isinstance(doc, str):
        raise TypeError(f"{what}: doc must be a string, not {type(doc).__name__}")


# ---------------------------------------------------------------------------
# Parameters


class _Param:
    """A declared parameter. Subclasses set kind and decode a point's value."""

    __slots__ = ("name", "default", "doc", "_bname")
    kind = ""

    def __init__(self, name, default, doc):
        what = f"{type(self).__name__}({name!r})"
        if not _is_ident(name):
            raise ValueError(f"{what}: a parameter name is letters, digits and '_', not starting with a digit")
        if name in _RESERVED:
            raise ValueError(f"{what}: {name!r} is a column of results.csv ({', '.join(_RESERVED)}); "
                             "give the parameter another name")
        _check_doc(what, doc)
        self.name = name
        self.default = default
        self.doc = doc
        self._bname = name.encode()

    @property
    def required(self):
        """True if the parameter has no default."""
        return self.default is None

    def _json(self):
        d = {"name": self.name, "type": self.kind}
        if self.default is not None:
            d["default"] = self.default
        return d

    def _finish_json(self, d):
        if self.doc:
            d["doc"] = self.doc
        return d

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


class _Number(_Param):
    __slots__ = ("min", "max", "min_open", "max_open")

    def __init__(self, name, default, min, max, min_open, max_open, doc, convert, accept, want):
        super().__init__(name, None, doc)
        what = f"{type(self).__name__}({name!r})"
        for key, v in (("min", min), ("max", max), ("default", default)):
            if v is None:
                continue
            if not accept(v):
                raise TypeError(f"{what}: {key} must be {want}, not {v!r}")
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"{what}: {key} is {v!r}; leave min or max out for no bound")
            if convert is int and not -(1 << 63) <= v < (1 << 63):
                raise ValueError(f"{what}: {key} {v!r} does not fit in 64 bits, as simrun's ints must")
        for key, v in (("min_open", min_open), ("max_open", max_open)):
            if not isinstance(v, bool):
                raise TypeError(f"{what}: {key} must be True or False")
        if min_open and min is None:
            raise ValueError(f"{what}: min_open without a min")
        if max_open and max is None:
            raise ValueError(f"{what}: max_open without a max")
        if min is not None and max is not None and not min <= max:
            raise ValueError(f"{what}: min {min!r} is above max {max!r}")
        if default is not None:
            default = convert(default)
            if min is not None and (default < min or (min_open and default == min)):
                raise ValueError(f"{what}: the default {default!r} is below the range {self._range(min, max, min_open, max_open)}")
            if max is not None and (default > max or (max_open and default == max)):
                raise ValueError(f"{what}: the default {default!r} is above the range {self._range(min, max, min_open, max_open)}")
        self.default = default
        self.min, self.max, self.min_open, self.max_open = min, max, min_open, max_open

    @staticmethod
    def _range(lo, hi, lo_open, hi_open):
        return "%s%s, %s%s" % ("(" if lo_open or lo is None else "[", "-inf" if lo is None else lo,
                               "+inf" if hi is None else hi, ")" if hi_open or hi is None else "]")

    def _json(self):
        d = super()._json()
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        if self.min_open:
            d["min_open"] = True
        if self.max_open:
            d["max_open"] = True
        return self._finish_json(d)


class Int(_Number):
    """An integer parameter; sample sees a Python int."""

    __slots__ = ()
    kind = "int"

    def __init__(self, name, *, default=None, min=None, max=None, min_open=False, max_open=False, doc=""):
        super().__init__(name, default, min, max, min_open, max_open, doc, int, _is_int, "an int")

    # int() reads the decimal bytes simrun writes directly.
    _decode = staticmethod(int)


class Float(_Number):
    """A float parameter; sample sees a Python float (an int default is converted)."""

    __slots__ = ()
    kind = "float"

    def __init__(self, name, *, default=None, min=None, max=None, min_open=False, max_open=False, doc=""):
        super().__init__(name, default, min, max, min_open, max_open, doc, float, _is_number, "a number")

    _decode = staticmethod(float)


class Bool(_Param):
    """A boolean parameter: true or false in the experiment file."""

    __slots__ = ()
    kind = "bool"

    def __init__(self, name, *, default=None, doc=""):
        super().__init__(name, default, doc)
        if default is not None and not isinstance(default, bool):
            raise TypeError(f"Bool({name!r}): default must be True or False, not {default!r}")

    def _json(self):
        return self._finish_json(super()._json())

    @staticmethod
    def _decode(raw):
        if raw == b"true":
            return True
        if raw == b"false":
            return False
        raise ValueError(f"{raw.decode('ascii', 'replace')!r} is neither true nor false")


class String(_Param):
    """A string parameter, optionally limited to a list of choices."""

    __slots__ = ("choices",)
    kind = "string"

    def __init__(self, name, *, default=None, choices=None, doc=""):
        super().__init__(name, default, doc)
        what = f"String({name!r})"
        if default is not None and not isinstance(default, str):
            raise TypeError(f"{what}: default must be a str, not {default!r}")
        if choices is not None:
            choices = list(choices)
            if not choices or not all(isinstance(c, str) for c in choices):
                raise TypeError(f"{what}: choices must be a non-empty list of strings")
            if len(set(choices)) != len(choices):
                raise ValueError(f"{what}: choices repeat a value: {choices!r}")
            if default is not None and default not in choices:
                raise ValueError(f"{what}: the default {default!r} is not one of the choices {choices!r}")
        self.choices = choices

    def _json(self):
        d = super()._json()
        if self.choices is not None:
            d["choices"] = self.choices
        return self._finish_json(d)

    @staticmethod
    def _decode(raw):
        # simrun percent-encodes spaces, '%', control characters and every
        # byte that is not ASCII, so a value never holds a field separator.
        if b"%" in raw:
            pieces = raw.split(b"%")
            out = bytearray(pieces[0])
            for p in pieces[1:]:
                h = p[:2]
                if len(h) != 2 or not all(c in b"0123456789abcdefABCDEF" for c in h):
                    raise ValueError(f"bad percent escape in {raw.decode('ascii', 'replace')!r}")
                out.append(int(h, 16))
                out += p[2:]
            raw = bytes(out)
        return raw.decode("utf-8")


class _Params(dict):
    """A point's parameters: a dict that refuses changes, since every chunk
    of the point shares it and a change would leak into the next chunk."""

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("params are read-only: every chunk of the point shares them; "
                        "dict(params) is a copy to change")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        # copy.copy and pickle rebuild a dict through __setitem__: give
        # them a plain dict instead.
        return (dict, (dict(self),))


# ---------------------------------------------------------------------------
# Observables, references and the spec


class Observable:
    """One quantity a sample records."""

    __slots__ = ("name", "iid", "doc")

    def __init__(self, name, *, iid=False, doc=""):
        if not _is_ident(name):
            raise ValueError(f"Observable({name!r}): a name is letters, digits and '_', not starting with a digit")
        if not isinstance(iid, bool):
            raise TypeError(f"Observable({name!r}): iid must be True or False")
        _check_doc(f"Observable({name!r})", doc)
        self.name, self.iid, self.doc = name, iid, doc

    def _json(self):
        d = {"name": self.name, "iid": self.iid}
        if self.doc:
            d["doc"] = self.doc
        return d

    def __repr__(self):
        return f"Observable({self.name!r}, iid={self.iid})"


class Reference:
    """An exact or published value of an observable, computed by func(params)."""

    __slots__ = ("name", "of", "func", "exact", "stat", "doc")

    def __init__(self, name, *, of, func, exact=False, stat="mean", doc=""):
        what = f"Reference({name!r})"
        if not _is_ident(name):
            raise ValueError(f"{what}: a name is letters, digits and '_', not starting with a digit")
        if not isinstance(of, str):
            raise TypeError(f"{what}: of must name an observable")
        if not callable(func):
            raise TypeError(f"{what}: func must be a function of params returning a float")
        if not isinstance(exact, bool):
            raise TypeError(f"{what}: exact must be True or False")
        if stat not in ("mean", "sd"):
            raise ValueError(f"{what}: stat is {stat!r}; want 'mean' or 'sd'")
        _check_doc(what, doc)
        self.name, self.of, self.func, self.exact, self.stat, self.doc = name, of, func, exact, stat, doc

    def _json(self):
        d = {"name": self.name, "of": self.of, "exact": self.exact}
        if self.stat != "mean":
            d["stat"] = self.stat
        if self.doc:
            d["doc"] = self.doc
        return d

    def __repr__(self):
        return f"Reference({self.name!r}, of={self.of!r})"


class Spec:
    """What a kernel declares: its name, version, parameters, observables and references."""

    def __init__(self, *, name, observables, params=(), references=(), version=0, doc="", requires=()):
        if not _is_kernel_name(name):
            raise ValueError(f"Spec: name {name!r}: want letters, digits, '_', '.' or '-', starting with a letter or digit")
        if not _is_int(version) or version < 0:
            raise ValueError(f"Spec({name!r}): version must be an int >= 0, not {version!r}")
        _check_doc(f"Spec({name!r})", doc)
        self.name, self.version, self.doc = name, version, doc
        self.params = tuple(params)
        self.observables = tuple(observables)
        self.references = tuple(references)
        if isinstance(requires, str):
            requires = (requires,)
        self.requires = tuple(requires)
        what = f"Spec({name!r})"
        for p in self.params:
            if not isinstance(p, _Param):
                raise TypeError(f"{what}: params holds {p!r}; want Int, Float, Bool or String")
        for o in self.observables:
            if not isinstance(o, Observable):
                raise TypeError(f"{what}: observables holds {o!r}; want Observable")
        for r in self.references:
            if not isinstance(r, Reference):
                raise TypeError(f"{what}: references holds {r!r}; want Reference")
        if not self.observables:
            raise ValueError(f"{what}: declare at least one observable")
        for kind, items in (("parameter", self.params), ("observable", self.observables),
                            ("reference", self.references)):
            seen = set()
            for x in items:
                if x.name in seen:
                    raise ValueError(f"{what}: {kind} {x.name!r} is declared twice")
                seen.add(x.name)
        obs = [o.name for o in self.observables]
        for r in self.references:
            if r.of not in obs:
                raise ValueError(f"{what}: reference {r.name!r} is of {r.of!r}, which is not an observable; "
                                 f"valid: {', '.join(obs)}")
        for m in self.requires:
            if not isinstance(m, str) or not m:
                raise TypeError(f"{what}: requires holds {m!r}; want module names")
        self._by_bname = {p._bname: p for p in self.params}
        self._refs = {r.name: r for r in self.references}
        self._reduce = _make_reducer(tuple(obs))

    def to_json(self, runtime=None):
        """The spec line of the handshake (without its newline)."""
        d = {"protocol": PROTOCOL, "name": self.name, "version": self.version}
        if self.doc:
            d["doc"] = self.doc
        if runtime:
            d["runtime"] = runtime
        d["params"] = [p._json() for p in self.params]
        d["observables"] = [o._json() for o in self.observables]
        d["references"] = [r._json() for r in self.references]
        # ASCII only, so the line is the same bytes whatever the locale.
        return json.dumps(d, allow_nan=False)

    def _parse_point(self, fields):
        """The params of a point line's NAME=VALUE fields, or (None, why not)."""
        vals = {}
        for field in fields:
            bname, eq, raw = field.partition(b"=")
            p = self._by_bname.get(bname)
            if p is None or not eq:
                return None, (f"the point line sets {field.decode('ascii', 'replace')!r}, which is not a "
                              f"parameter of kernel {self.name} (its parameters: {self._param_names()}); "
                              "is this the program the experiment was validated against?")
            if p.name in vals:
                return None, f"the point line sets parameter {p.name} twice"
            try:
                vals[p.name] = p._decode(raw)
            except ValueError as e:
                return None, f"the point line's value of {p.kind} parameter {p.name} is unreadable: {e}"
        if len(vals) != len(self.params):
            missing = [p.name for p in self.params if p.name not in vals]
            return None, f"the point line does not set parameter(s) {', '.join(missing)}"
        # In declared order, whatever the line's order.
        return _Params([(p.name, vals[p.name]) for p in self.params]), None

    def _param_names(self):
        return ", ".join(p.name for p in self.params) or "none"

    def __repr__(self):
        return f"Spec(name={self.name!r}, version={self.version})"


# ---------------------------------------------------------------------------
# Accumulators and reduction


class _Reject(ValueError):
    """A chunk's result that cannot be sent: the message says why, no traceback needed."""


class Acc:
    """The summary of n values: count, mean, M2 = sum of squared deviations, min, max."""

    __slots__ = ("n", "mean", "m2", "min", "max")

    def __init__(self, n=0, mean=0.0, m2=0.0, min=0.0, max=0.0):
        self.n, self.mean, self.m2, self.min, self.max = n, mean, m2, min, max

    def add(self, x):
        """Add one value: Welford's update, the operations of simrun's Go Acc.Add."""
        x = float(x)
        self.n += 1
        if self.n == 1:
            self.mean = self.min = self.max = x
            self.m2 = 0.0
            return
        d = x - self.mean
        self.mean += d / self.n
        self.m2 += d * (x - self.mean)
        if x < self.min:
            self.min = x
        elif x > self.max:
            self.max = x

    def merge(self, other):
        """Add the values other summarises (Chan et al.), as simrun's Go Acc.Merge."""
        if other.n == 0:
            return
        if self.n == 0:
            self.n, self.mean, self.m2, self.min, self.max = other.n, other.mean, other.m2, other.min, other.max
            return
        n = self.n + other.n
        d = other.mean - self.mean
        fa, fb, fn = float(self.n), float(other.n), float(n)
        self.mean += d * (fb / fn)
        self.m2 += other.m2 + (d * d) * (fa * fb / fn)
        if other.min < self.min:
            self.min = other.min
        if other.max > self.max:
            self.max = other.max
        self.n = n

    @property
    def variance(self):
        """The unbiased sample variance M2/(n-1); nan for fewer than two values."""
        return self.m2 / (self.n - 1) if self.n >= 2 else math.nan

    def __eq__(self, other):
        if not isinstance(other, Acc):
            return NotImplemented
        return (self.n, self.mean, self.m2, self.min, self.max) == (other.n, other.mean, other.m2, other.min, other.max)

    __hash__ = None

    def __repr__(self):
        return f"Acc(n={self.n!r}, mean={self.mean!r}, m2={self.m2!r}, min={self.min!r}, max={self.max!r})"

    def _text(self, name):
        try:
            n = int(self.n)
            ok_n = n == self.n and not isinstance(self.n, bool)
        except (TypeError, ValueError):
            ok_n = False
        if not ok_n or n < 0:
            raise _Reject(f"observable {name!r}: Acc has n = {self.n!r}; want an integer >= 0")
        if n == 0:
            return "0 0 0 0 0"
        mean, m2, lo, hi = float(self.mean), float(self.m2), float(self.min), float(self.max)
        if not all(map(math.isfinite, (mean, m2, lo, hi))):
            raise _Reject(f"observable {name!r}: {self!r} is not finite")
        if m2 < 0 or lo > hi:
            raise _Reject(f"observable {name!r}: {self!r} has m2 < 0 or min > max")
        return f"{n} {mean!r} {m2!r} {lo!r} {hi!r}"


def _first_bad(values):
    """Index and value of the first sample that is not a finite number, or None."""
    for i, x in enumerate(values):
        try:
            f = float(x)
        except (TypeError, ValueError):
            return i, x
        if not math.isfinite(f):
            return i, f
    return None


def _welford_text(values, name):
    # Welford's update in order, the floating-point operations of Go's
    # sim.Acc.Add, so a list reduces to what simrun would make of it.
    n = 0
    mean = m2 = lo = hi = 0.0
    try:
        for x in values:
            x = float(x)
            n += 1
            if n == 1:
                mean = lo = hi = x
                continue
            d = x - mean
            mean += d / n
            m2 += d * (x - mean)
            if x < lo:
                lo = x
            elif x > hi:
                hi = x
    except (TypeError, ValueError):
        pass  # a sample that is not a number: found and named below
    else:
        if n == 0:
            return "0 0 0 0 0"
        if mean - mean == 0.0 and m2 - m2 == 0.0:
            return f"{n} {mean!r} {m2!r} {lo!r} {hi!r}"
    bad = _first_bad(values)
    if bad is None:
        raise _Reject(f"observable {name!r}: its mean or M2 overflows (samples up to {max(abs(lo), abs(hi))!r})")
    raise _Reject(f"observable {name!r}: sample {bad[0]} is {bad[1]!r}, not a finite number")


def _array_text(a, np, name):
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise _Reject(f"observable {name!r}: an array of dtype {a.dtype}; samples must be real numbers")
    # One contiguous float64 array, so that the sums run in the same order
    # whatever the input's dtype, shape or strides.
    a = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
    n = a.size
    if n == 0:
        return "0 0 0 0 0"
    mean = float(a.sum() / n)
    d = a - mean
    m2 = float((d * d).sum())
    if not (math.isfinite(mean) and math.isfinite(m2)):
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise _Reject(f"observable {name!r}: {bad.size} of the {n} samples are not finite "
                          f"(the first is sample {int(bad[0])}: {float(a[bad[0]])!r})")
        raise _Reject(f"observable {name!r}: its mean or M2 overflows (samples up to {float(np.abs(a).max())!r})")
    return f"{n} {mean!r} {m2!r} {float(a.min())!r} {float(a.max())!r}"


def _acc_text(v, name):
    """The five fields N MEAN M2 MIN MAX of what sample returned for an observable."""
    t = type(v)
    if t is float:  # the common case first, at the cost of two comparisons
        if v - v == 0.0:
            r = repr(v)
            return f"1 {r} 0.0 {r} {r}"
        raise _Reject(f"observable {name!r}: the sample is {v!r}, not a finite number")
    if t is list or t is tuple:
        return _welford_text(v, name)
    if t is Acc:
        return v._text(name)
    return _acc_text_other(v, name)


def _acc_text_other(v, name):
    if isinstance(v, Acc):
        return v._text(name)
    if isinstance(v, (int, float)):  # bool, int, and float subclasses such as numpy.float64
        return _acc_text(float(v), name)
    if v is None or isinstance(v, (str, bytes, dict)):
        raise _Reject(f"observable {name!r}: sample returned {type(v).__name__} {v!r:.80}; "
                      "want a number, a list, tuple or array of numbers, or an Acc")
    # numpy is looked up, not imported: an array means it is loaded already.
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(v, np.generic):  # a numpy scalar: numpy.int64(3), numpy.bool_(True)
            if v.dtype.kind not in "biuf":
                raise _Reject(f"observable {name!r}: a numpy {v.dtype} sample; samples must be real numbers")
            return _acc_text(float(v), name)
        if isinstance(v, np.ndarray) or hasattr(v, "__array__"):
            return _array_text(v, np, name)
    if hasattr(v, "__iter__"):
        return _welford_text(list(v), name)
    raise _Reject(f"observable {name!r}: sample returned a {type(v).__name__}; "
                  "want a number, a list, tuple or array of numbers, or an Acc")


def _keys_error(res, names):
    got = list(res)
    missing = [n for n in names if n not in res]
    extra = [k for k in got if k not in names]
    parts = []
    if missing:
        parts.append("no value for observable(s) " + ", ".join(map(repr, missing)))
    if extra:
        parts.append("value(s) for " + ", ".join(map(repr, extra)) + ", which are not observables")
    return _Reject(f"sample returned {' and '.join(parts)}; the kernel's observables are {', '.join(names)}")


def _make_reducer(names):
    """A function from sample's result to the accumulator fields of an ok reply."""
    if len(names) == 1:
        name0 = names[0]

        def reduce1(res):
            # One float in a one-entry dict, inline: a cheap kernel's case.
            if type(res) is dict and len(res) == 1:
                try:
                    v = res[name0]
                except KeyError:
                    raise _keys_error(res, names) from None
                if type(v) is float and v - v == 0.0:
                    r = repr(v)
                    return f"1 {r} 0.0 {r} {r}"
                return _acc_text(v, name0)
            if isinstance(res, dict):
                if len(res) != 1 or name0 not in res:
                    raise _keys_error(res, names)
                res = res[name0]
            elif res is None:
                raise _Reject(f"sample returned None; want a dict such as {{{name0!r}: samples}}")
            return _acc_text(res, name0)

        return reduce1

    def reduce(res):
        if not isinstance(res, dict):
            raise _Reject(f"sample returned a {type(res).__name__}; want a dict with the observables "
                          f"{', '.join(names)}")
        if len(res) != len(names):
            raise _keys_error(res, names)
        try:
            return " ".join([_acc_text(res[name], name) for name in names])
        except KeyError:
            raise _keys_error(res, names) from None

    return reduce


# ---------------------------------------------------------------------------
# Random numbers


def _splitmix_state(seed):
    # Four outputs of SplitMix64, as Go's rng.FromSeed: the state xoshiro
    # takes instead of the all-zero one, which it cannot leave.
    out = []
    for _ in range(4):
        seed = (seed + 0x9E3779B97F4A7C15) & _MASK64
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        out.append(z ^ (z >> 31))
    return tuple(out)


class Xoshiro256:
    """xoshiro256++ in pure Python: the same numbers as simrun's Go sim/rng."""

    __slots__ = ("_s",)

    def __init__(self, state):
        s = tuple(state)
        if len(s) != 4 or not all(_is_int(x) and 0 <= x <= _MASK64 for x in s):
            raise ValueError(f"Xoshiro256: state must be four integers in [0, 2^64), not {state!r}")
        if not any(s):
            s = _splitmix_state(0)  # as Go's rng.New
        self._s = s

    @property
    def state(self):
        """The current state, four unsigned 64-bit integers."""
        return self._s

    def next_u64(self):
        """The next 64 random bits, as an int in [0, 2^64)."""
        s0, s1, s2, s3 = self._s
        r = (s0 + s3) & _MASK64
        r = (((r << 23) | (r >> 41)) + s0) & _MASK64
        t = (s1 << 17) & _MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & _MASK64
        self._s = (s0, s1, s2, s3)
        return r

    def random(self):
        """A uniform float in [0, 1) with 53 random bits: (u >> 11) * 2^-53, as Go's Float64."""
        return (self.next_u64() >> 11) * _TWO_M53

    def uint64n(self, n):
        """A uniform int in [0, n), 1 <= n < 2^64, exactly unbiased: Lemire's method, as Go's Uint64n."""
        if not 1 <= n <= _MASK64:
            raise ValueError(f"uint64n: n is {n!r}; want 1 <= n < 2^64")
        m = self.next_u64() * n
        if (m & _MASK64) < n:
            thresh = ((1 << 64) - n) % n
            while (m & _MASK64) < thresh:
                m = self.next_u64() * n
        return m >> 64

    def __repr__(self):
        return f"Xoshiro256({self._s!r})"


_np = None  # numpy, once a chunk has asked for it


def _numpy():
    global _np
    if _np is None:
        try:
            import numpy
        except ImportError as e:
            raise ImportError(
                f"rng's numpy generator needs numpy, which {sys.executable} cannot import ({e}); "
                f"install it ({sys.executable} -m pip install numpy, or a system package such as "
                "python3-numpy), or draw from rng.xoshiro(), a pure-Python generator") from None
        _np = numpy
    return _np


class _ChunkRng:
    """A chunk's randomness: a numpy Generator built on first use, its state and seed."""

    # The chunk line is split only up to SEED; SEED and the state stay one
    # bytes field, parsed when asked for: splitting and converting five
    # 20-digit numbers would be most of a cheap chunk's cost otherwise.
    __slots__ = ("_tail", "_gen")

    def __init__(self, tail):
        self._tail = tail  # b"SEED S0 S1 S2 S3\n"
        self._gen = None

    def _words(self):
        w = self._tail.split()
        if len(w) != 5:
            raise ValueError(f"malformed chunk line: {self._tail!r} is not SEED S0 S1 S2 S3")
        return w

    @property
    def seed(self):
        """An integer in [0, 2^63) derived from the state, to seed other generators."""
        return int(self._words()[0])

    @property
    def state(self):
        """The chunk's xoshiro256++ state: a tuple of four unsigned 64-bit ints."""
        w = self._words()
        return (int(w[1]), int(w[2]), int(w[3]), int(w[4]))

    def xoshiro(self):
        """A new pure-Python xoshiro256++ generator started from the chunk's state."""
        return Xoshiro256(self.state)

    @property
    def generator(self):
        """The chunk's numpy.random.Generator, PCG64 seeded with SeedSequence(state)."""
        g = self._gen
        if g is None:
            np = _numpy()
            g = self._gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(self.state))))
        return g

    def __getattr__(self, name):
        # Only names the class lacks get here: forward them to numpy, but
        # not the dunders that copy, pickle and hasattr probe for.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.generator, name)

    def __repr__(self):
        return f"<chunk rng seed={self.seed}>"


# ---------------------------------------------------------------------------
# The protocol


class _Fatal(Exception):
    """A request this program cannot make sense of: it stops."""


def _escape(msg):
    """An error message as one protocol line: newlines as \\n, backslashes as \\\\."""
    msg = msg.rstrip("\r\n") or "error"
    if len(msg) > 65536:
        # simrun shows the message to a person: keep the start (the
        # summary) and the end (where it was raised).
        msg = msg[:32768] + f"\n[... {len(msg) - 65536} characters left out ...]\n" + msg[-32768:]
    return msg.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _exception_text():
    """The exception being handled: its summary line, then its traceback from the user's code."""
    import traceback

    etype, e, tb = sys.exc_info()
    # The frames of this module (the request loop, the reduction) say
    # nothing to the kernel's author.
    while tb is not None and tb.tb_frame.f_globals.get("__name__") == __name__:
        tb = tb.tb_next
    summary = "".join(traceback.format_exception_only(etype, e)).strip()
    if tb is None:
        return summary  # raised in this module: the summary says it all
    # The summary first, as the line simrun shows first.
    return summary + "\n" + "".join(traceback.format_exception(etype, e, tb))


def _runtime():
    impl = {"cpython": "CPython", "pypy": "PyPy"}.get(sys.implementation.name, sys.implementation.name)
    return f"{impl} {sys.version.split()[0]}; numpy {_numpy_version() or 'absent'}"


def _numpy_version():
    np = sys.modules.get("numpy")
    if np is not None:
        return getattr(np, "__version__", "(unknown version)")
    # Importing numpy to ask costs 0.1-0.2 s a start, for kernels that may
    # not use it; the installed distribution's metadata directory beside the
    # package names the version. (importlib.metadata takes 30-70 ms.)
    import importlib.util

    try:
        found = importlib.util.find_spec("numpy")
    except (ImportError, ValueError):
        found = None
    if found is None or not found.origin:
        return None
    site = os.path.dirname(os.path.dirname(found.origin))
    try:
        names = [e for e in os.listdir(site)
                 if e.startswith("numpy-") and e.endswith((".dist-info", ".egg-info"))]
    except OSError:
        names = []
    if len(names) == 1:
        return names[0][len("numpy-"):].rsplit(".", 1)[0].split("-")[0]
    return "(unknown version)"


def _missing_requirement(spec):
    """A handshake error message for the first module of spec.requires that is missing, or None."""
    if not spec.requires:
        return None
    import importlib.util

    for m in spec.requires:
        try:
            found = importlib.util.find_spec(m)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return (f"kernel {spec.name} needs the Python module {m}, which {sys.executable} "
                    f"(Python {sys.version.split()[0]}) cannot import: install it for that interpreter, "
                    f"such as with `{sys.executable} -m pip install {m}` or a system package (python3-{m})")
    return None


def _serve(spec, sample, rfile, wfile, log):
    """Run one session on binary streams; returns the exit status."""
    hello = rfile.readline()
    if not hello:
        return 0  # input ended before the handshake: nothing was asked
    words = hello.split()
    if not words or words[0] != b"simrun-kernel":
        wfile.write(("error " + _escape(
            f"expected the handshake line 'simrun-kernel VERSIONS', got {hello.decode('utf-8', 'replace')!r}"
        ) + "\n").encode("utf-8", "backslashreplace"))
        wfile.flush()
        return 1
    if str(PROTOCOL).encode() not in words[1:]:
        offered = " ".join(w.decode("ascii", "replace") for w in words[1:]) or "none"
        wfile.write(("error " + _escape(
            f"simrun_kernel.py speaks protocol version {PROTOCOL}, and simrun offers {offered}: "
            "use the simrun_kernel.py of this simrun (simrun new python NAME writes it)"
        ) + "\n").encode())
        wfile.flush()
        return 1
    why = _missing_requirement(spec)
    if why is not None:
        wfile.write(("error " + _escape(why) + "\n").encode("utf-8", "backslashreplace"))
        wfile.flush()
        return 1
    wfile.write((spec.to_json(_runtime()) + "\n").encode())
    wfile.flush()

    # The request loop. A cheap kernel spends most of its time here, so it
    # is written for speed: a line is split at most 4 times (a chunk's
    # SEED and state stay one field until the kernel asks for them), a
    # point's params are parsed once for all its chunks, and replies are
    # collected as strings and written in one go at each flush.
    reduce = spec._reduce
    refs = spec._refs
    out = []
    put = out.append
    params = None
    point_error = "no point line came before this request"
    try:
        for line in rfile:
            fields = line.split(None, 4)
            kind = fields[0] if fields else b""
            if kind == b"chunk":
                if len(fields) != 5:
                    raise _Fatal("a chunk line has 9 fields: chunk ID C N SEED S0 S1 S2 S3")
                rid = fields[1].decode()
                try:
                    n = int(fields[3])
                except ValueError:
                    raise _Fatal("a chunk's count N is not an integer") from None
                if params is None:
                    put(f"error {rid} {_escape(point_error)}\n")
                    continue
                try:
                    text = reduce(sample(params, _ChunkRng(fields[4]), n))
                except _Reject as e:
                    put(f"error {rid} {_escape(str(e))}\n")
                except Exception:
                    put(f"error {rid} {_escape(_exception_text())}\n")
                else:
                    put(f"ok {rid} {text}\n")
            elif kind == b"flush":
                _write_out(wfile, out)
            elif kind == b"point":
                fields = line.split()
                if len(fields) < 2:
                    raise _Fatal("a point line has no point number")
                params, point_error = spec._parse_point(fields[2:])
            elif kind == b"reference":
                fields = line.split()
                if len(fields) != 3:
                    raise _Fatal("a reference line has 3 fields: reference ID NAME")
                rid = fields[1].decode()
                ref = refs.get(fields[2].decode("utf-8", "replace"))
                if params is None:
                    put(f"error {rid} {_escape(point_error)}\n")
                elif ref is None:
                    put(f"error {rid} {_escape(_unknown_reference(spec, fields[2]))}\n")
                else:
                    try:
                        v = ref.func(params)
                        text = "nan" if v is None else repr(float(v))
                    except Exception:
                        put(f"error {rid} {_escape(_exception_text())}\n")
                    else:
                        put(f"ok {rid} {text}\n")
            else:
                raise _Fatal("unknown request kind" if fields else "an empty request line")
    except (_Fatal, UnicodeDecodeError) as e:
        # Replies computed so far answer requests simrun did send: write
        # them, then stop loudly. Such a line is simrun's bug or another
        # program's output, not something a retry would fix.
        _write_out(wfile, out)
        shown = line.decode("utf-8", "replace").rstrip("\r\n")
        if len(shown) > 200:
            shown = shown[:200] + "..."
        log.write(f"simrun_kernel.py (kernel {spec.name}): {e}: {shown!r}; it speaks protocol "
                  f"{PROTOCOL}, whose requests are point, chunk, reference and flush (docs/external-kernels.md)\n")
        log.flush()
        return 2
    # End of input: simrun is done. Replies after the last flush, if any,
    # are still owed.
    _write_out(wfile, out)
    return 0


def _write_out(wfile, out):
    """Write the replies collected in out, in one write, and flush them."""
    if out:
        wfile.write("".join(out).encode("utf-8", "backslashreplace"))
        out.clear()
    wfile.flush()


def _unknown_reference(spec, bname):
    names = ", ".join(spec._refs) or "none"
    return f"kernel {spec.name} has no reference {bname.decode('utf-8', 'replace')!r} (its references: {names})"


def _claim_stdio():
    """Take fds 0 and 1 for the protocol; return (requests, replies) binary streams.

    User code and C extensions can write to fd 1 and read fd 0 without
    knowing about the protocol: fd 1 is pointed at standard error and fd 0
    at /dev/null, and the protocol talks through private duplicates of the
    originals. The duplicates are not inherited by child processes.
    """
    rfd = os.dup(0)
    wfd = os.dup(1)
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # Whatever an import printed before main is still in sys.stdout's
    # buffer; flushed now it lands on standard error, not in the protocol.
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        pass
    sys.stdout = sys.stderr
    sys.stdin = open(0, "r", closefd=False)
    return open(rfd, "rb", buffering=1 << 16), open(wfd, "wb", buffering=1 << 16)


def main(spec, sample):
    """Serve simrun's requests on standard input and output until it ends, then exit.

    Exits 0 at the end of input, 1 if the handshake fails (the reply says
    why), 2 on a request it cannot read (standard error says why).
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"main: spec must be a Spec, not {type(spec).__name__}")
    if not callable(sample):
        raise TypeError("main: sample must be a function sample(params, rng, n)")
    interactive = os.isatty(0)
    rfile, wfile = _claim_stdio()
    if interactive:
        sys.stderr.write(f"{spec.name}: a simrun kernel; it reads simrun's protocol (version {PROTOCOL}) on "
                         "standard input, starting with the line 'simrun-kernel 1'. Run it through simrun "
                         "(simrun run FILE.toml); Ctrl-D ends it.\n")
    else:
        # Ctrl-C reaches every process of the terminal's foreground group,
        # this one too; simrun then closes our input to let the requests we
        # have finish, so we must not die in the middle of one.
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = _serve(spec, sample, rfile, wfile, sys.stderr)
    except BrokenPipeError:
        # simrun stopped reading: nobody is left to answer.
        sys.stderr.write(f"simrun_kernel.py (kernel {spec.name}): standard output closed; stopping\n")
        status = 1
    try:
        wfile.close()
    except OSError:
        pass
    sys.exit(status)


# ---------------------------------------------------------------------------
# Testing


def run_chunk(spec, sample, params=None, n=1000, state=(1, 2, 3, 4)):
    """Run one chunk in-process, as main would; return {observable: Acc}.

    params maps parameter names to values (the defaults fill the rest);
    state is the chunk's xoshiro256++ state. A result main would refuse
    raises ValueError; an exception in sample propagates.
    """
    given = dict(params or {})
    vals = []
    for p in spec.params:
        if p.name in given:
            v = given.pop(p.name)
        elif p.default is not None:
            v = p.default
        else:
            raise ValueError(f"run_chunk: parameter {p.name} is required")
        vals.append((p.name, float(v) if p.kind == "float" else v))
    if given:
        raise ValueError(f"run_chunk: {', '.join(given)}: not parameters of kernel {spec.name} "
                         f"(its parameters: {spec._param_names()})")
    s = Xoshiro256(state).state
    tail = " ".join(map(str, ((s[0] ^ s[1] ^ s[2] ^ s[3]) >> 1,) + s)).encode()
    text = spec._reduce(sample(_Params(vals), _ChunkRng(tail), n))
    words = text.split()
    out = {}
    for i, o in enumerate(spec.observables):
        w = words[5 * i:5 * i + 5]
        out[o.name] = Acc(int(w[0]), float(w[1]), float(w[2]), float(w[3]), float(w[4]))
    return out
