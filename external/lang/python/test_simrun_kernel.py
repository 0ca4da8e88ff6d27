"""Tests of simrun_kernel.py, simrun's Python helper for kernels.

Most tests run a small kernel as a child process and drive it through the
protocol of docs/external-kernels.md, as simrun does: a session is piped
in, and the replies are parsed. Run from the repository's root:

    python3 -m unittest discover -s external/lang/python

Tests that need numpy are skipped, with the reason, where it is missing.
"""

import json
import math
import os
import select
import subprocess
import sys
import tempfile
import textwrap
import unittest
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)

import simrun_kernel as sk  # noqa: E402

try:
    import numpy
except ImportError:
    numpy = None

needs_numpy = unittest.skipIf(numpy is None, f"numpy is not installed for {sys.executable}")

HELLO = "simrun-kernel 1\n"
# A chunk's state and the SEED simrun derives from it: (1^2^3^4) >> 1 = 2.
CHUNK_TAIL = "2 1 2 3 4"

# A kernel of one float observable whose sample function is given by the
# test: every kernel below is this header, then `def sample`, then main.
HEADER = """\
import os, sys
import simrun_kernel as sk
SPEC = sk.Spec(
    name="t", version=3, doc="a test kernel",
    params=[sk.Int("k", default=1, min=0, doc="an int"),
            sk.Float("p", default=0.5, min=0, max=1, max_open=True),
            sk.Bool("flag", default=False),
            sk.String("algo", default="a", choices=["a", "b c", "%", "\u00e9", ""])],
    observables=[sk.Observable(name, iid=True) for name in OBS],
    references=[sk.Reference("exact", of=OBS[0], exact=True, doc="k / 2",
                             func=lambda params: params["k"] / 2),
                sk.Reference("none", of=OBS[0], func=lambda params: None),
                sk.Reference("bad", of=OBS[0], func=lambda params: 1 / 0)],
)
"""
FOOTER = """
if __name__ == "__main__":
    sk.main(SPEC, sample)
"""


def kernel_source(sample_src, observables=("x",)):
    return f"OBS = {list(observables)!r}\n" + HEADER + textwrap.dedent(sample_src) + FOOTER


def unescape(msg):
    """The protocol's unescaping of an error message: \\n and \\\\."""
    out, i = [], 0
    while i < len(msg):
        if msg[i] == "\\" and i + 1 < len(msg) and msg[i + 1] in "n\\":
            out.append("\n" if msg[i + 1] == "n" else "\\")
            i += 2
        else:
            out.append(msg[i])
            i += 1
    return "".join(out)


class Session:
    """The result of one kernel run: exit status, reply lines, standard error."""

    def __init__(self, rc, out, err):
        self.rc, self.err = rc, err.decode("utf-8", "replace")
        self.raw = out
        self.lines = out.decode("utf-8").split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        else:
            raise AssertionError(f"stdout does not end with a newline: {out[-100:]!r}")

    @property
    def spec(self):
        return json.loads(self.lines[0])

    @property
    def replies(self):
        return self.lines[1:]


class KernelTest(unittest.TestCase):
    """Runs kernels written to a temporary directory, with the helper importable."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.env = dict(os.environ, PYTHONPATH=HERE)

    def write_kernel(self, source, name="kernel.py"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(source)
        return path

    def run_session(self, source, requests, hello=HELLO, observables=("x",), path=None):
        if path is None:
            path = self.write_kernel(kernel_source(source, observables))
        p = subprocess.run([sys.executable, path], input=(hello + requests).encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, timeout=60)
        return Session(p.returncode, p.stdout, p.stderr)

    def one_chunk(self, source, observables=("x",), point="point 0 k=1 p=0.5 flag=false algo=a", n=10):
        """The reply to one chunk at state (1, 2, 3, 4)."""
        s = self.run_session(source, f"{point}\nchunk 7 0 {n} {CHUNK_TAIL}\nflush\n", observables=observables)
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(len(s.replies), 1, s.lines)
        return s.replies[0]

    def assertError(self, reply, rid, *fragments):
        self.assertTrue(reply.startswith(f"error {rid} "), reply)
        msg = unescape(reply[len(f"error {rid} "):])
        for f in fragments:
            self.assertIn(f, msg)
        return msg


class HandshakeTest(KernelTest):
    def test_spec(self):
        s = self.run_session("def sample(params, rng, n):\n    return {'x': 1.0}\n", "")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(len(s.lines), 1)
        spec = s.spec
        self.assertEqual(spec["protocol"], 1)
        self.assertEqual((spec["name"], spec["version"], spec["doc"]), ("t", 3, "a test kernel"))
        self.assertRegex(spec["runtime"], r"^\w+ 3\.\d+\.\d+\S*; numpy (\S+|absent)$")
        if numpy is not None:
            self.assertEqual(spec["runtime"].split("; ")[1], "numpy " + numpy.__version__)
        else:
            self.assertTrue(spec["runtime"].endswith("; numpy absent"))
        self.assertEqual(spec["params"], [
            {"name": "k", "type": "int", "default": 1, "min": 0, "doc": "an int"},
            {"name": "p", "type": "float", "default": 0.5, "min": 0, "max": 1, "max_open": True},
            {"name": "flag", "type": "bool", "default": False},
            {"name": "algo", "type": "string", "default": "a", "choices": ["a", "b c", "%", "\u00e9", ""]},
        ])
        self.assertEqual(spec["observables"], [{"name": "x", "iid": True}])
        self.assertEqual(spec["references"][0], {"name": "exact", "of": "x", "exact": True, "doc": "k / 2"})
        self.assertEqual(set(spec), {"protocol", "name", "version", "doc", "runtime", "params",
                                     "observables", "references"})
        self.assertTrue(s.raw.isascii())

    def test_wrong_version(self):
        s = self.run_session("def sample(params, rng, n):\n    return 1.0\n", "", hello="simrun-kernel 2 3\n")
        self.assertNotEqual(s.rc, 0)
        self.assertEqual(len(s.lines), 1)
        self.assertTrue(s.lines[0].startswith("error "), s.lines)
        self.assertIn("protocol version 1", s.lines[0])
        self.assertIn("offers 2 3", s.lines[0])

    def test_one_of_several_versions(self):
        s = self.run_session("def sample(params, rng, n):\n    return 1.0\n", "", hello="simrun-kernel 1 2\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.spec["protocol"], 1)

    def test_not_a_hello(self):
        s = self.run_session("def sample(params, rng, n):\n    return 1.0\n", "", hello="hello\n")
        self.assertNotEqual(s.rc, 0)
        self.assertTrue(s.lines[0].startswith("error "), s.lines)

    def test_missing_requirement(self):
        src = kernel_source("def sample(params, rng, n):\n    return 1.0\n").replace(
            'doc="a test kernel",', 'doc="a test kernel", requires=["no_such_module_for_simrun"],')
        s = self.run_session(None, "point 0 k=1 p=0.5 flag=false algo=a\n", path=self.write_kernel(src))
        self.assertNotEqual(s.rc, 0)
        self.assertEqual(len(s.lines), 1)
        self.assertTrue(s.lines[0].startswith("error "))
        self.assertIn("no_such_module_for_simrun", s.lines[0])
        self.assertIn(sys.executable, s.lines[0])

    def test_eof_exits_0(self):
        for requests in ("", "point 0 k=1 p=0.5 flag=false algo=a\n"):
            s = self.run_session("def sample(params, rng, n):\n    return 1.0\n", requests)
            self.assertEqual(s.rc, 0, s.err)
            self.assertEqual(s.err, "")
        # No hello at all: nothing was asked.
        p = subprocess.run([sys.executable, self.write_kernel(kernel_source(
            "def sample(params, rng, n):\n    return 1.0\n"))], input=b"", capture_output=True, env=self.env)
        self.assertEqual((p.returncode, p.stdout), (0, b""))


class ReplyTest(KernelTest):
    def test_float(self):
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': 2.5}\n"),
                         "ok 7 1 2.5 0.0 2.5 2.5")

    def test_bare_value_for_one_observable(self):
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return -3\n"),
                         "ok 7 1 -3.0 0.0 -3.0 -3.0")

    def test_list_and_tuple(self):
        # Welford by hand, [1, 2, 3, 6]: mean 1 -> 1.5 -> 2 -> 3; M2 0 ->
        # 0.5 (d = 1, x - mean = 0.5) -> 2 (1.5 * 1) -> 14 (4 * 3). Exact
        # in binary, and equal to sum((x - 3)^2) = 4 + 1 + 0 + 9.
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': [1.0, 2, 3.0, 6]}\n"),
                         "ok 7 4 3.0 14.0 1.0 6.0")
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': (4.0, 2.0)}\n"),
                         "ok 7 2 3.0 2.0 2.0 4.0")
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': iter([5, True])}\n"),
                         "ok 7 2 3.0 8.0 1.0 5.0")

    def test_empty(self):
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': []}\n"),
                         "ok 7 0 0 0 0 0")
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': sk.Acc()}\n"),
                         "ok 7 0 0 0 0 0")

    def test_acc(self):
        self.assertEqual(self.one_chunk("def sample(params, rng, n):\n    return {'x': sk.Acc(3, 1.5, 0.25, 1, 2.0)}\n"),
                         "ok 7 3 1.5 0.25 1.0 2.0")

    def test_acc_add_as_you_go(self):
        src = """\
        def sample(params, rng, n):
            acc = sk.Acc()
            for x in (1.0, 2, 3.0, 6):
                acc.add(x)
            return {'x': acc}
        """
        self.assertEqual(self.one_chunk(src), "ok 7 4 3.0 14.0 1.0 6.0")

    def test_several_observables(self):
        # Replies follow the declared order, whatever the dict's.
        src = "def sample(params, rng, n):\n    return {'b': [1, 3], 'a': 0.5, 'c': sk.Acc()}\n"
        self.assertEqual(self.one_chunk(src, observables=("a", "b", "c")),
                         "ok 7 1 0.5 0.0 0.5 0.5 2 2.0 2.0 1.0 3.0 0 0 0 0 0")

    def test_no_values_replies(self):
        src = "def sample(params, rng, n):\n    return {'x': [float(i) for i in range(n)]}\n"
        s = self.run_session(src, "point 0 k=1 p=0.5 flag=false algo=a\n"
                             + "".join(f"chunk {i} {i} {i} {CHUNK_TAIL}\n" for i in range(1, 40)) + "flush\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(len(s.replies), 39)
        for i, r in enumerate(s.replies, 1):
            self.assertTrue(r.startswith(f"ok {i} {i} "), r)
            self.assertEqual(len(r.split()), 7, r)

    def test_floats_read_back_exactly(self):
        src = "def sample(params, rng, n):\n    return {'x': [0.1, 0.2, 0.3, 1e-300, 12345678.9]}\n"
        fields = self.one_chunk(src).split()
        acc = sk.Acc()
        for x in (0.1, 0.2, 0.3, 1e-300, 12345678.9):
            acc.add(x)
        self.assertEqual(fields[2:], ["5", repr(acc.mean), repr(acc.m2), repr(acc.min), repr(acc.max)])

    def test_reference(self):
        src = "def sample(params, rng, n):\n    return 1.0\n"
        s = self.run_session(src, "point 0 k=3 p=0.5 flag=false algo=a\nreference 1 exact\nreference 2 none\n"
                             "reference 3 bad\nreference 4 missing\nflush\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.replies[:2], ["ok 1 1.5", "ok 2 nan"])
        self.assertError(s.replies[2], 3, "ZeroDivisionError", "Traceback")
        self.assertError(s.replies[3], 4, "no reference 'missing'", "exact, none, bad")

    def test_replies_kept_until_flush_and_at_eof(self):
        src = "def sample(params, rng, n):\n    return 1.0\n"
        s = self.run_session(src, f"point 0 k=1 p=0.5 flag=false algo=a\nchunk 1 0 1 {CHUNK_TAIL}\n"
                             f"flush\nchunk 2 0 1 {CHUNK_TAIL}\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.replies, ["ok 1 1 1.0 0.0 1.0 1.0", "ok 2 1 1.0 0.0 1.0 1.0"])

    def test_crlf(self):
        src = "def sample(params, rng, n):\n    return {'x': float(params['k'])}\n"
        s = self.run_session(src, f"point 0 k=4 p=0.5 flag=false algo=a\r\nchunk 1 0 1 {CHUNK_TAIL}\r\nflush\r\n",
                             hello="simrun-kernel 1\r\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.replies, ["ok 1 1 4.0 0.0 4.0 4.0"])


class PointTest(KernelTest):
    SRC = """\
    def sample(params, rng, n):
        print(repr(sorted(params.items())), file=sys.stderr)
        try:
            params["k"] = 0
        except TypeError:
            pass
        else:
            raise AssertionError("params can be changed")
        return {'x': 1.0}
    """

    def test_values_typed(self):
        s = self.run_session(self.SRC, "point 0 k=12 p=1e-07 flag=true algo=b%20c\n"
                             f"chunk 1 0 1 {CHUNK_TAIL}\n"
                             "point 1 algo=%25 flag=false p=0 k=-3\n"  # any order
                             f"chunk 2 0 1 {CHUNK_TAIL}\n"
                             "point 2 k=0 p=0.5 flag=false algo=%C3%A9\n"
                             f"chunk 3 0 1 {CHUNK_TAIL}\n"
                             "point 3 k=0 p=0.5 flag=false algo=\n"
                             f"chunk 4 0 1 {CHUNK_TAIL}\nflush\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(len(s.replies), 4)
        for r in s.replies:
            self.assertTrue(r.startswith("ok "), r)
        got = s.err.splitlines()
        self.assertEqual(got, [
            repr(sorted({"k": 12, "p": 1e-07, "flag": True, "algo": "b c"}.items())),
            repr(sorted({"k": -3, "p": 0.0, "flag": False, "algo": "%"}.items())),
            repr(sorted({"k": 0, "p": 0.5, "flag": False, "algo": "\u00e9"}.items())),
            repr(sorted({"k": 0, "p": 0.5, "flag": False, "algo": ""}.items())),
        ])

    def test_bad_point_fails_its_requests(self):
        s = self.run_session(self.SRC, f"chunk 1 0 1 {CHUNK_TAIL}\n"
                             "point 0 k=1 p=0.5 flag=maybe algo=a\n"
                             f"chunk 2 0 1 {CHUNK_TAIL}\nreference 3 exact\n"
                             "point 1 k=1 p=0.5 flag=false\n"
                             f"chunk 4 0 1 {CHUNK_TAIL}\n"
                             "point 2 k=1 p=0.5 flag=false algo=a q=1\n"
                             f"chunk 5 0 1 {CHUNK_TAIL}\n"
                             "point 3 k=1 p=0.5 flag=false algo=a\n"
                             f"chunk 6 0 1 {CHUNK_TAIL}\nflush\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertError(s.replies[0], 1, "no point line")
        self.assertError(s.replies[1], 2, "flag", "neither true nor false")
        self.assertError(s.replies[2], 3, "flag")
        self.assertError(s.replies[3], 4, "algo")
        self.assertError(s.replies[4], 5, "'q=1'", "not a parameter")
        self.assertEqual(s.replies[5], "ok 6 1 1.0 0.0 1.0 1.0")


class ErrorTest(KernelTest):
    def test_exception_gives_traceback_and_goes_on(self):
        src = """\
        def helper(k):
            if k == 2:
                raise ValueError("steps must be even")
            return float(k)

        def sample(params, rng, n):
            return {'x': helper(params['k'])}
        """
        s = self.run_session(src, f"point 0 k=2 p=0.5 flag=false algo=a\nchunk 1 0 1 {CHUNK_TAIL}\n"
                             f"point 1 k=5 p=0.5 flag=false algo=a\nchunk 2 0 1 {CHUNK_TAIL}\nflush\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(len(s.replies), 2)
        msg = self.assertError(s.replies[0], 1, "Traceback (most recent call last)", "in sample", "in helper")
        self.assertEqual(msg.split("\n")[0], "ValueError: steps must be even")
        self.assertIn(os.path.join(self.tmp.name, "kernel.py"), msg)
        self.assertNotIn("simrun_kernel.py", msg)  # the helper's own frames are left out
        self.assertEqual(s.replies[1], "ok 2 1 5.0 0.0 5.0 5.0")

    def test_escapes(self):
        src = "def sample(params, rng, n):\n    raise RuntimeError('a\\\\b\\nc\\r\\nd\\u00e9')\n"
        reply = self.one_chunk(src)
        self.assertNotIn("\r", reply)
        rest = reply[len("error 7 "):]
        self.assertTrue(rest.startswith("RuntimeError: a\\\\b\\nc\\nd\u00e9\\n"), rest)
        self.assertEqual(unescape(rest).split("\n")[:3], ["RuntimeError: a\\b", "c", "d\u00e9"])

    def test_missing_and_extra_observables(self):
        msg = self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'y': 1.0}\n"), 7)
        self.assertIn("no value for observable(s) 'x'", msg)
        self.assertIn("'y', which are not observables", msg)
        msg = self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'a': 1.0}\n",
                                              observables=("a", "b")), 7)
        self.assertIn("no value for observable(s) 'b'", msg)
        msg = self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'a': 1, 'b': 2, 'z': 3}\n",
                                              observables=("a", "b")), 7)
        self.assertIn("'z', which are not observables", msg)
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return None\n"), 7, "returned None")
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return 'abc'\n"), 7, "str")

    def test_non_finite(self):
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'x': float('nan')}\n"),
                         7, "'x'", "nan", "not a finite number")
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'x': [1.0, 2.0, float('-inf')]}\n"),
                         7, "sample 2 is -inf")
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'x': [1e308, -1e308, 1e308]}\n"),
                         7, "overflows")
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'x': [1.0, 'x']}\n"),
                         7, "sample 1 is 'x'")
        self.assertError(self.one_chunk("def sample(params, rng, n):\n    return {'x': sk.Acc(2, 1.0, -1.0, 0.0, 2.0)}\n"),
                         7, "m2 < 0")

    def test_unknown_request_stops(self):
        src = "def sample(params, rng, n):\n    return 1.0\n"
        s = self.run_session(src, f"point 0 k=1 p=0.5 flag=false algo=a\nchunk 1 0 1 {CHUNK_TAIL}\n"
                             f"frobnicate 2\nchunk 3 0 1 {CHUNK_TAIL}\nflush\n")
        self.assertNotEqual(s.rc, 0)
        self.assertIn("unknown request kind", s.err)
        self.assertIn("frobnicate", s.err)
        # The request before it is still answered.
        self.assertEqual(s.replies, ["ok 1 1 1.0 0.0 1.0 1.0"])

    def test_malformed_chunk_stops(self):
        s = self.run_session("def sample(params, rng, n):\n    return 1.0\n",
                             "point 0 k=1 p=0.5 flag=false algo=a\nchunk 1 0 x 1 2 3 4 5\nflush\n")
        self.assertNotEqual(s.rc, 0)
        self.assertIn("not an integer", s.err)


class OutputTest(KernelTest):
    def test_print_goes_to_stderr(self):
        src = """\
        import ctypes, ctypes.util
        def sample(params, rng, n):
            print("hello from print")
            sys.stdout.write("hello from sys.stdout\\n")
            os.write(1, b"hello from fd 1\\n")
            libc = ctypes.util.find_library("c")
            if libc:  # C code writing to its own stdout
                c = ctypes.CDLL(libc)
                c.puts(b"hello from C")
                c.fflush(None)
            assert sys.stdin.read() == "" and os.read(0, 10) == b""
            return {'x': 1.0}
        """
        s = self.run_session(src, f"point 0 k=1 p=0.5 flag=false algo=a\nchunk 1 0 1 {CHUNK_TAIL}\n"
                             f"chunk 2 0 1 {CHUNK_TAIL}\nflush\n")
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.replies, ["ok 1 1 1.0 0.0 1.0 1.0", "ok 2 1 1.0 0.0 1.0 1.0"])
        for text in ("hello from print", "hello from sys.stdout", "hello from fd 1"):
            self.assertEqual(s.err.count(text), 2, s.err)

    def test_interactive_flush(self):
        # simrun waits for the replies of a batch before it sends more: the
        # kernel must answer at each flush without waiting for more input.
        path = self.write_kernel(kernel_source("def sample(params, rng, n):\n    return float(n)\n"))
        # Unbuffered, so that select sees every reply on the pipe itself.
        p = subprocess.Popen([sys.executable, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self.env, bufsize=0)
        try:
            def line():
                ready, _, _ = select.select([p.stdout], [], [], 30)
                self.assertTrue(ready, "no reply within 30 s")
                return p.stdout.readline().decode()

            p.stdin.write(HELLO.encode())
            p.stdin.flush()
            self.assertTrue(line().startswith('{"protocol": 1'))
            for i in range(1, 4):
                p.stdin.write(f"point {i} k=1 p=0.5 flag=false algo=a\nchunk {i} 0 {i} {CHUNK_TAIL}\nflush\n".encode())
                p.stdin.flush()
                self.assertEqual(line(), f"ok {i} 1 {float(i)!r} 0.0 {float(i)!r} {float(i)!r}\n")
            p.stdin.close()
            self.assertEqual(p.wait(30), 0)
        finally:
            p.kill()
            p.wait()
            p.stdout.close()
            p.stderr.close()


class RngTest(KernelTest):
    def test_state_and_seed(self):
        src = "def sample(params, rng, n):\n    return {'a': float(sum(rng.state)), 'b': float(rng.seed)}\n"
        self.assertEqual(self.one_chunk(src, observables=("a", "b")),
                         "ok 7 1 10.0 0.0 10.0 10.0 1 2.0 0.0 2.0 2.0")

    def test_lazy(self):
        # A kernel that never touches the numpy generator must not pay for
        # it: numpy is not even imported.
        src = "def sample(params, rng, n):\n    return {'x': float('numpy' in sys.modules)}\n"
        self.assertEqual(self.one_chunk(src), "ok 7 1 0.0 0.0 0.0 0.0")

    def test_xoshiro_through_protocol(self):
        # From state (1, 2, 3, 4) the first output is rotl(1 + 4, 23) + 1.
        src = "def sample(params, rng, n):\n    return {'x': float(rng.xoshiro().next_u64())}\n"
        u = float((5 << 23) + 1)
        self.assertEqual(self.one_chunk(src), f"ok 7 1 {u!r} 0.0 {u!r} {u!r}")

    def test_no_numpy_message(self):
        if numpy is not None:
            self.skipTest(f"numpy is installed for {sys.executable}")
        src = "def sample(params, rng, n):\n    return rng.random()\n"
        self.assertError(self.one_chunk(src), 7, "ImportError", "numpy", "rng.xoshiro()")

    @needs_numpy
    def test_numpy_generator(self):
        src = """\
        def sample(params, rng, n):
            g = rng.generator
            assert rng.generator is g
            return {'x': rng.normal(size=n)}
        """
        reply = self.one_chunk(src, n=1000)
        g = numpy.random.Generator(numpy.random.PCG64(numpy.random.SeedSequence([1, 2, 3, 4])))
        a = g.normal(size=1000)
        mean = a.sum() / 1000
        m2 = ((a - mean) ** 2).sum()
        self.assertEqual(reply, f"ok 7 1000 {float(mean)!r} {float(m2)!r} {float(a.min())!r} {float(a.max())!r}")

    @needs_numpy
    def test_numpy_arrays(self):
        # Two passes: sum 12, mean 3, deviations -2, -1, 0, 3, M2 = 14.
        for expr in ("numpy.array([1.0, 2.0, 3.0, 6.0])", "numpy.array([[1, 2], [3, 6]], dtype=numpy.int8)",
                     "numpy.array([6, 0, 1, 2, 0, 3, 0])[[2, 3, 5, 0]]", "numpy.array([1, 2, 3, 6], dtype=numpy.float32)",
                     "numpy.array([1.0, 9, 2, 9, 3, 9, 6])[::2]"):
            src = f"import numpy\ndef sample(params, rng, n):\n    return {{'x': {expr}}}\n"
            self.assertEqual(self.one_chunk(src), "ok 7 4 3.0 14.0 1.0 6.0", expr)
        src = "import numpy\ndef sample(params, rng, n):\n    return {'x': numpy.float64(2.5), 'y': numpy.int64(3), 'z': numpy.zeros(0)}\n"
        self.assertEqual(self.one_chunk(src, observables=("x", "y", "z")),
                         "ok 7 1 2.5 0.0 2.5 2.5 1 3.0 0.0 3.0 3.0 0 0 0 0 0")

    @needs_numpy
    def test_numpy_non_finite(self):
        src = "import numpy\ndef sample(params, rng, n):\n    return {'x': numpy.array([1.0, numpy.nan, 2.0, numpy.inf])}\n"
        self.assertError(self.one_chunk(src), 7, "2 of the 4 samples are not finite", "sample 1: nan")
        src = "import numpy\ndef sample(params, rng, n):\n    return {'x': numpy.array([1j])}\n"
        self.assertError(self.one_chunk(src), 7, "complex")


class XoshiroTest(unittest.TestCase):
    # Reference values printed by simrun's Go generator (sim/rng) from the
    # same states: New([4]uint64{1, 2, 3, 4}), then Uint64 four times,
    # Float64, Uint64n(6) four times, Uint64n(2^63 + 12345), State().
    def test_reference_vector(self):
        x = sk.Xoshiro256((1, 2, 3, 4))
        self.assertEqual(x.next_u64(), (5 << 23) + 1)
        self.assertEqual([x.next_u64() for _ in range(3)], [58720359, 3588806011781223, 3591011842654386])
        self.assertEqual(x.random(), 0.5002843145291684)
        self.assertEqual([x.uint64n(6) for _ in range(4)], [3, 4, 4, 5])
        self.assertEqual(x.uint64n((1 << 63) + 12345), 5098475668992025326)
        self.assertEqual(x.state, (7299958798719067146, 5050103711387429091, 467598380997261495, 4150207167539555475))

    def test_zero_state(self):
        # As Go's rng.New: the all-zero state, a fixed point, is replaced
        # by FromSeed(0)'s.
        self.assertEqual(sk.Xoshiro256((0, 0, 0, 0)).state,
                         (16294208416658607535, 7960286522194355700, 487617019471545679, 17909611376780542444))

    def test_random_range(self):
        x = sk.Xoshiro256((2**64 - 1, 0, 0, 0))
        for _ in range(1000):
            u = x.random()
            self.assertTrue(0.0 <= u < 1.0)
        self.assertRaises(ValueError, sk.Xoshiro256, (1, 2, 3))
        self.assertRaises(ValueError, sk.Xoshiro256, (1, 2, 3, 2**64))
        self.assertRaises(ValueError, x.uint64n, 0)


class AccTest(unittest.TestCase):
    def test_welford_by_hand(self):
        xs = [0.1, 0.7, 0.2, 1e6 + 0.3]
        acc = sk.Acc()
        for x in xs:
            acc.add(x)
        # The same updates written out (Go's sim.Acc.Add): any other order
        # of operations could differ in the last bits.
        mean, m2 = 0.1, 0.0
        d = 0.7 - mean; mean = mean + d / 2; m2 = m2 + d * (0.7 - mean)  # noqa: E702
        d = 0.2 - mean; mean = mean + d / 3; m2 = m2 + d * (0.2 - mean)  # noqa: E702
        d = 1e6 + 0.3 - mean; mean = mean + d / 4; m2 = m2 + d * (1e6 + 0.3 - mean)  # noqa: E702
        self.assertEqual(acc, sk.Acc(4, mean, m2, 0.1, 1e6 + 0.3))
        exact = [Fraction(x) for x in xs]
        xbar = sum(exact) / 4
        self.assertTrue(math.isclose(acc.variance, float(sum((x - xbar) ** 2 for x in exact) / 3), rel_tol=1e-12))

    def test_list_reduction_is_welford(self):
        xs = [0.1, 0.7, 0.2, 1e6 + 0.3]
        spec = sk.Spec(name="w", observables=[sk.Observable("x")])
        acc = sk.Acc()
        for x in xs:
            acc.add(x)
        got = sk.run_chunk(spec, lambda params, rng, n: {"x": xs}, n=4)["x"]
        self.assertEqual(got, acc)

    def test_merge(self):
        a, b = sk.Acc(), sk.Acc()
        for x in (1.0, 2.0):
            a.add(x)
        for x in (3.0, 6.0):
            b.add(x)
        a.merge(b)
        # n 4; d = 4.5 - 1.5 = 3; mean 1.5 + 3 * (2/4) = 3;
        # M2 = 0.5 + 4.5 + 9 * (2 * 2 / 4) = 14.
        self.assertEqual(a, sk.Acc(4, 3.0, 14.0, 1.0, 6.0))
        c = sk.Acc()
        c.merge(a)
        c.merge(sk.Acc())
        self.assertEqual(c, a)


class SpecTest(unittest.TestCase):
    def test_invalid(self):
        obs = [sk.Observable("x")]
        for make in (
            lambda: sk.Spec(name="-bad", observables=obs),
            lambda: sk.Spec(name="a b", observables=obs),
            lambda: sk.Spec(name="k", observables=[]),
            lambda: sk.Spec(name="k", version=-1, observables=obs),
            lambda: sk.Spec(name="k", observables=obs * 2),
            lambda: sk.Spec(name="k", observables=obs, params=[sk.Int("a"), sk.Float("a")]),
            lambda: sk.Spec(name="k", observables=obs,
                            references=[sk.Reference("r", of="y", func=float)]),
            lambda: sk.Int("mean"),
            lambda: sk.Int("1x"),
            lambda: sk.Int("n", default=1.5),
            lambda: sk.Int("n", default=True),
            lambda: sk.Int("n", default=-1, min=0),
            lambda: sk.Float("p", default=1, min=0, max=1, max_open=True),
            lambda: sk.Float("p", max=float("inf")),
            lambda: sk.Float("p", min=2, max=1),
            lambda: sk.Float("p", min_open=True),
            lambda: sk.Bool("b", default=1),
            lambda: sk.String("s", default="z", choices=["a"]),
            lambda: sk.String("s", choices=[]),
            lambda: sk.Observable("x-y"),
            lambda: sk.Observable("x", iid=1),
            lambda: sk.Reference("r", of="x", func=None),
            lambda: sk.Reference("r", of="x", func=float, stat="median"),
        ):
            with self.assertRaises((ValueError, TypeError)):
                make()

    def test_run_chunk(self):
        spec = sk.Spec(name="k", params=[sk.Int("k", default=2), sk.Float("p")],
                       observables=[sk.Observable("x"), sk.Observable("y")])
        got = sk.run_chunk(spec, lambda params, rng, n: {"x": params["p"], "y": [params["k"]] * n}, {"p": 1}, n=3)
        self.assertEqual(got, {"x": sk.Acc(1, 1.0, 0.0, 1.0, 1.0), "y": sk.Acc(3, 2.0, 0.0, 2.0, 2.0)})
        self.assertRaises(ValueError, sk.run_chunk, spec, lambda params, rng, n: 1.0)  # p is required
        self.assertRaises(ValueError, sk.run_chunk, spec, lambda params, rng, n: 1.0, {"p": 1, "q": 2})
        self.assertRaises(ValueError, sk.run_chunk, spec, lambda params, rng, n: {"x": 1.0}, {"p": 1})


class ShippedFilesTest(KernelTest):
    """The template and the example, run through the protocol."""

    def test_template_kernel(self):
        with open(os.path.join(HERE, "kernel.py.tmpl")) as f:
            tmpl = f.read()
        # {{.Name}} is the template's only action.
        self.assertEqual(tmpl.count("{{"), tmpl.count("{{.Name}}"))
        src = tmpl.replace("{{.Name}}", "dice")
        s = self.run_session(None, "point 0 dice=3 faces=6\n" + f"chunk 1 0 20000 {CHUNK_TAIL}\n"
                             "reference 2 exact_mean\nflush\n", path=self.write_kernel(src, "dice.py"))
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.spec["name"], "dice")
        n, mean, m2, lo, hi = s.replies[0].split()[2:]
        self.assertEqual((n, lo, hi), ("20000", "3.0", "18.0"))
        # Var of the sum of 3 dice = 3 * 35/12; the mean is within 5 sd.
        self.assertLess(abs(float(mean) - 10.5), 5 * math.sqrt(3 * 35 / 12 / 20000))
        self.assertEqual(s.replies[1], "ok 2 10.5")

    def test_experiment_files_match_kernels(self):
        try:
            import tomllib
        except ImportError:
            self.skipTest("tomllib is new in Python 3.11")
        with open(os.path.join(HERE, "experiment.toml.tmpl")) as f:
            tmpl = f.read()
        self.assertEqual(tmpl.count("{{"), tmpl.count("{{.Name}}"))
        cases = [(tomllib.loads(tmpl.replace("{{.Name}}", "dice")), "dice.py",
                  os.path.join(HERE, "kernel.py.tmpl"))]
        walk = os.path.join(REPO, "examples", "walk-python")
        if os.path.exists(walk):
            with open(os.path.join(walk, "walk.toml"), "rb") as f:
                cases.append((tomllib.load(f), "walk.py", os.path.join(walk, "walk.py")))
        for exp, script, source in cases:
            with self.subTest(script=script):
                self.assertEqual(exp["kernel"], {"command": ["python3", script], "files": ["simrun_kernel.py"]})
                self.assertIsInstance(exp["seed"], int)
                self.assertEqual(set(exp["samples"]), {"samples", "chunk_size"})
                self.assertEqual(exp["output"]["dir"], "results/" + script[:-3])
                # Spec arguments as written in the kernel's source.
                with open(source) as f:
                    text = f.read().replace("{{.Name}}", script[:-3])
                for param in exp["sweep"]:
                    self.assertIn(f'sk.Int("{param}"', text)
                for plot in exp["plot"]:
                    self.assertIn(plot["x"], exp["sweep"])
                    self.assertIn(f'sk.Observable("{plot["y"]}"', text)
                    self.assertIn(f'sk.Reference("{plot["reference"]}", of="{plot["y"]}"', text)

    def test_example_helper_is_a_copy(self):
        copy = os.path.join(REPO, "examples", "walk-python", "simrun_kernel.py")
        if not os.path.exists(copy):
            self.skipTest(f"{copy} not found")
        with open(copy, "rb") as a, open(os.path.join(HERE, "simrun_kernel.py"), "rb") as b:
            self.assertTrue(a.read() == b.read(), "examples/walk-python/simrun_kernel.py differs from the helper")

    @needs_numpy
    def test_walk_example(self):
        path = os.path.join(REPO, "examples", "walk-python", "walk.py")
        if not os.path.exists(path):
            self.skipTest(f"{path} not found")
        s = self.run_session(None, "point 0 steps=0\nchunk 1 0 5 2 1 2 3 4\n"
                             "point 1 steps=100\nchunk 2 0 20000 2 1 2 3 4\nreference 3 msd\n"
                             "point 2 steps=5000000\nchunk 4 0 2 2 1 2 3 4\nflush\n", path=path)
        self.assertEqual(s.rc, 0, s.err)
        self.assertEqual(s.spec["name"], "walk")
        self.assertEqual(s.replies[0], "ok 1 5 0.0 0.0 0.0 0.0")
        n, mean, m2 = s.replies[1].split()[2:5]
        # Var(X^2) = 3 T^2 - 2 T for T steps: the mean is within 5 sd of T.
        self.assertEqual(n, "20000")
        self.assertLess(abs(float(mean) - 100), 5 * math.sqrt((3 * 100**2 - 2 * 100) / 20000))
        self.assertEqual(s.replies[2], "ok 3 100.0")
        # 5 million steps: more than one block of draws per walk.
        self.assertTrue(s.replies[3].startswith("ok 4 2 "), s.replies[3])


if __name__ == "__main__":
    unittest.main()
