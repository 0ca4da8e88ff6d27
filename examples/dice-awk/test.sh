#!/bin/sh
# test.sh: drives dice.awk through simrun's kernel protocol (version 1) by
# hand, through pipes, and checks its replies. No simrun needed.
#
#   sh test.sh              # tests `awk`, then every other awk found
#   AWKS="mawk" sh test.sh  # tests only the awks named (space separated;
#                           # "busybox awk" is written busybox-awk)
#
# For each awk: the spec line is valid JSON with the declared fields; each
# reply has the right shape, the request's ID, in order, N values for a
# chunk of N; means are within a loose bound of the exact mean; the
# reference is exact; the samples are exactly those of Park-Miller seeded
# from SEED (recomputed here in Python, with exact integers); the same
# session twice gives the same bytes; the kernel answers the handshake and
# each flush without waiting for more input (a live, interactive session);
# malformed input gets the protocol's answers; EOF exits 0. Finally every
# awk must give the same bytes. Exits non-zero on any failure.

set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0
ok()   { pass=$((pass + 1)); echo "  ok   $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL $*"; }

# The scripted session: handshake, two points, chunks of several sizes
# (both reply forms: `values` up to 32 samples, `ok` above), SEEDs at both
# ends of [0, 2^63), references, flushes. Written with \r\n on one line to
# check that a \r before the \n is ignored.
cat >"$tmp/session" <<'EOF'
simrun-kernel 1
point 0 faces=6 dice=3
chunk 1 0 1000 2476543210987654321 1234 5678 9012 3456
chunk 2 1 1000 9223372036854775807 1 2 3 4
chunk 3 2 5 0 0 0 0 0
chunk 4 3 1 2147483646 5 6 7 8
reference 5 mean
flush
point 1 faces=20 dice=1
chunk 6 0 20000 4611686018427387904 9 9 9 9
chunk 7 1 32 9007199254740993 1 1 1 1
chunk 8 2 33 18014398509481985 2 2 2 2
reference 9 mean
point 2 faces=1000 dice=100
chunk 10 0 100 123456789 3 3 3 3
reference 11 mean
flush
EOF
printf 'point 3 faces=2 dice=1\r\nchunk 12 0 50 42 0 0 0 0\r\nreference 13 mean\r\nflush\r\n' >>"$tmp/session"

# Which awks: `awk` first, then the others installed.
if [ -n "${AWKS:-}" ]; then
	awks=$AWKS
else
	awks=awk
	for a in mawk gawk original-awk; do
		command -v "$a" >/dev/null 2>&1 && awks="$awks $a"
	done
	command -v busybox >/dev/null 2>&1 && busybox awk 'BEGIN{}' </dev/null >/dev/null 2>&1 && awks="$awks busybox-awk"
fi

runawk() { # runawk NAME ARGS...: NAME busybox-awk means `busybox awk`
	a=$1; shift
	if [ "$a" = busybox-awk ]; then busybox awk "$@"; else "$a" "$@"; fi
}

first=""
for a in $awks; do
	echo "== $a ($(command -v "${a%-awk}" 2>/dev/null || echo "$a"))"
	out="$tmp/out.$a"

	runawk "$a" -f dice.awk <"$tmp/session" >"$out" 2>"$tmp/err.$a"
	rc=$?
	[ "$rc" -eq 0 ] && ok "exit status 0 at EOF" || bad "exit status $rc at EOF"
	[ -s "$tmp/err.$a" ] && bad "wrote on stderr: $(head -3 "$tmp/err.$a")" || ok "nothing on stderr"

	# The spec line: valid JSON (the check the brief asks for, verbatim).
	if head -n 1 "$out" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())'; then
		ok "spec line is valid JSON"
	else
		bad "spec line is not valid JSON: $(head -c 200 "$out")"
	fi

	# Everything else about the replies.
	if python3 - "$tmp/session" "$out" <<'PY'
import json, math, sys

session = [l.rstrip("\n").rstrip("\r") for l in open(sys.argv[1], newline="")]
out = open(sys.argv[2], "rb").read()
problems = []
def check(cond, what):
    if not cond:
        problems.append(what)

check(out.endswith(b"\n") and b"\r" not in out, "replies are lines ending in \\n, without \\r")
lines = out.decode("ascii").split("\n")[:-1]
spec = json.loads(lines[0])
check("\n" not in lines[0], "spec is one line")
check(spec.get("protocol") == 1 and spec.get("name") == "dice" and spec.get("version") == 1,
      "spec: protocol 1, name dice, version 1: %r" % spec)
check([p["name"] for p in spec["params"]] == ["faces", "dice"], "spec: params faces, dice")
faces_p, dice_p = spec["params"]
check(faces_p == {"name": "faces", "type": "int", "default": 6, "min": 2, "max": 1000, "doc": faces_p.get("doc")},
      "spec: faces int, default 6, [2, 1000]")
check(dice_p == {"name": "dice", "type": "int", "default": 1, "min": 1, "max": 100, "doc": dice_p.get("doc")},
      "spec: dice int, default 1, [1, 100]")
check([(o["name"], o["iid"]) for o in spec["observables"]] == [("sum", True)], "spec: observable sum, iid")
check([(r["name"], r["of"], r["exact"], r.get("stat", "mean")) for r in spec["references"]]
      == [("mean", "sum", True, "mean")], "spec: reference mean of sum, exact")
known = {"protocol", "name", "version", "doc", "runtime", "params", "observables", "references"}
check(set(spec) <= known, "spec: no unknown fields: %s" % (set(spec) - known))

# Park-Miller seeded from SEED with Python's exact integers: the samples
# the kernel must give.
def samples(seed, n, faces, dice):
    x = 1 + seed % 2147483646
    q = 2147483646 // faces
    out = []
    for _ in range(n):
        s = 0
        for _ in range(dice):
            while True:
                x = 16807 * x % 2147483647
                u = x - 1
                if u < q * faces:
                    break
            s += u // q + 1
        out.append(s)
    return out

def welford(xs):
    n = 0; mean = 0.0; m2 = 0.0
    for x in xs:
        n += 1
        d = x - mean
        mean += d / n
        m2 += d * (x - mean)
    return n, mean, m2, min(xs), max(xs)

def num(s):
    v = float(s)
    check(math.isfinite(v), "finite number: %s" % s)
    return v

replies = lines[1:]
requests = [l for l in session[1:] if l.split(" ")[0] in ("chunk", "reference")]
check(len(replies) == len(requests),
      "one reply per chunk and reference request: %d replies for %d requests" % (len(replies), len(requests)))
point = {}
ri = 0
for req in session[1:]:
    f = req.split(" ")
    if f[0] == "point":
        point = {k: int(v) for k, v in (kv.split("=") for kv in f[2:])}
        continue
    if f[0] not in ("chunk", "reference"):
        continue
    if ri >= len(replies):
        break
    rep = replies[ri].split(" "); ri += 1
    faces, dice = point["faces"], point["dice"]
    mu = dice * (faces + 1) / 2
    sd = math.sqrt(dice * (faces * faces - 1) / 12)
    rid = f[1]
    check(len(rep) >= 2 and rep[1] == rid, "reply to request %s has its ID: %r" % (rid, replies[ri-1]))
    if f[0] == "reference":
        check(len(rep) == 3 and rep[0] == "ok", "reference %s: ok ID VALUE: %r" % (rid, replies[ri-1]))
        check(num(rep[2]) == mu, "reference %s: exactly %r: %r" % (rid, mu, rep[2]))
        continue
    n = int(f[3]); seed = int(f[4])
    want = samples(seed, n, faces, dice)
    if rep[0] == "values":
        check(n <= 32, "chunk %s: values only for small chunks" % rid)
        check(len(rep) == 3 + n and rep[2] == str(n), "chunk %s: values ID K X1..XK with K = N = %d: %d fields" % (rid, n, len(rep)))
        xs = [num(v) for v in rep[3:]]
        check(all(dice <= x <= dice * faces and x == int(x) for x in xs), "chunk %s: sums in [dice, dice*faces]" % rid)
        check(xs == want, "chunk %s: the samples of Park-Miller seeded with 1 + SEED mod (2^31-2)" % rid)
        cnt, mean = len(xs), sum(xs) / len(xs)
    elif rep[0] == "ok":
        check(n > 32, "chunk %s: ok for large chunks" % rid)
        check(len(rep) == 7, "chunk %s: ok ID N MEAN M2 MIN MAX: %d fields" % (rid, len(rep)))
        cnt, mean, m2, lo, hi = (num(v) for v in rep[2:7])
        check(rep[2] == str(n) and cnt == n, "chunk %s: count %s = N = %d" % (rid, rep[2], n))
        check(m2 >= 0 and dice <= lo <= mean <= hi <= dice * faces, "chunk %s: 0 <= M2, dice <= min <= mean <= max <= dice*faces" % rid)
        w = welford(want)
        check((cnt, mean, m2, lo, hi) == w, "chunk %s: Welford of the expected samples: %r vs %r" % (rid, rep[2:7], w))
        check(" ".join(rep[2:7]) == " ".join("%.17g" % v for v in w), "chunk %s: written with %%.17g" % rid)
        if n > 1:
            var = m2 / (n - 1)
            check(abs(var - sd * sd) < 0.5 * sd * sd, "chunk %s: variance %g near %g" % (rid, var, sd * sd))
    else:
        check(False, "chunk %s: reply is ok or values: %r" % (rid, replies[ri-1]))
        continue
    # Loose sanity bound: 6 standard errors (plus a hair for tiny chunks).
    check(abs(mean - mu) <= 6 * sd / math.sqrt(cnt) + 1e-9,
          "chunk %s: mean %r within 6 standard errors of %r" % (rid, mean, mu))

for p in problems:
    print("    " + p)
sys.exit(1 if problems else 0)
PY
	then ok "replies: shape, IDs, counts, means, exact reference, exact samples"
	else bad "replies (see above)"
	fi

	# Same session, same bytes.
	runawk "$a" -f dice.awk <"$tmp/session" >"$out.2" 2>/dev/null
	cmp -s "$out" "$out.2" && ok "same session twice: identical bytes" || bad "same session twice: bytes differ"

	# Live session: the spec must come before any further input, and the
	# replies of a batch at its flush, with standard input still open
	# (simrun waits for them; a kernel that waits for more input deadlocks).
	if [ "$a" = busybox-awk ]; then set -- busybox awk; else set -- "$a"; fi
	if python3 - "$@" <<'PY'
import os, select, subprocess, sys
# Unbuffered: select sees the pipe, so no reply may wait in a buffer of ours.
p = subprocess.Popen(sys.argv[1:] + ["-f", "dice.awk"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
def reply(what, timeout=10):
    r, _, _ = select.select([p.stdout], [], [], timeout)
    if not r:
        print("    no %s within %ds while stdin is open (blocked reading input?)" % (what, timeout))
        p.kill(); sys.exit(1)
    return p.stdout.readline()
p.stdin.write(b"simrun-kernel 1\n"); p.stdin.flush()
reply("spec after the handshake")
for batch in range(3):
    p.stdin.write(b"point %d faces=6 dice=2\nchunk %d 0 10 %d 0 0 0 0\nreference %d mean\nflush\n" % (batch, 2*batch, 99 + batch, 2*batch + 1))
    p.stdin.flush()
    a = reply("chunk reply after flush"); b = reply("reference reply after flush")
    if not (a.startswith(b"values %d " % (2*batch)) and b == b"ok %d 7\n" % (2*batch + 1)):
        print("    unexpected replies %r %r" % (a, b)); p.kill(); sys.exit(1)
p.stdin.close()
rest = p.stdout.read()
rc = p.wait(timeout=10)
if rest or rc != 0:
    print("    after EOF: extra output %r, exit status %d" % (rest, rc)); sys.exit(1)
PY
	then ok "live session: spec and each batch's replies come without waiting for EOF"
	else bad "live session"
	fi

	# Malformed sessions get the protocol's answers.
	r=$(printf 'simrun-kernel 2\n' | runawk "$a" -f dice.awk 2>/dev/null); rc=$?
	case "$r" in "error "*) [ "$rc" -ne 0 ] && ok "unsupported protocol version: error line, non-zero exit" || bad "unsupported version: exit $rc";;
	*) bad "unsupported protocol version answered: $r";; esac
	r=$(printf 'simrun-kernel 1 2\n' | runawk "$a" -f dice.awk 2>/dev/null | head -c 14)
	[ "$r" = '{"protocol": 1' ] && ok "handshake offering versions 1 and 2: spec of version 1" || bad "handshake 1 2: $r"
	r=$(printf 'simrun-kernel 1\nchunk 7 0 10 1 0 0 0 0\npoint 0 faces=1 dice=1\nchunk 8 0 10 1 0 0 0 0\npoint 1 faces=6 dice=1\nreference 9 sd\nchunk 10 0 10 1 0 0\n' | runawk "$a" -f dice.awk 2>/dev/null | sed 1d | cut -d' ' -f1,2 | tr '\n' ,)
	[ "$r" = "error 7,error 8,error 9,error 10," ] && ok "chunk before a point, out-of-range parameter, unknown reference, short chunk line: error ID replies" || bad "error replies: $r"
	printf 'simrun-kernel 1\nbogus 1\n' | runawk "$a" -f dice.awk >/dev/null 2>"$tmp/bogus"; rc=$?
	[ "$rc" -ne 0 ] && grep -q 'unknown request' "$tmp/bogus" && ok "unknown request: message on stderr, non-zero exit" || bad "unknown request: exit $rc"
	r=$(runawk "$a" -f dice.awk </dev/null); rc=$?
	[ "$rc" -eq 0 ] && [ -z "$r" ] && ok "EOF before the handshake: exit 0, no output" || bad "EOF before handshake: exit $rc, output $r"

	# Every awk gives the same bytes (the spec's "runtime" may name the awk).
	if [ -z "$first" ]; then
		first=$a
	elif cmp -s "$tmp/out.$first" "$out"; then
		ok "same bytes as $first"
	else
		sed 1d "$tmp/out.$first" >"$tmp/a"; sed 1d "$out" >"$tmp/b"
		sed -n '1s/"runtime": "[^"]*"//p' "$tmp/out.$first" >"$tmp/sa"
		sed -n '1s/"runtime": "[^"]*"//p' "$out" >"$tmp/sb"
		if cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/sa" "$tmp/sb"; then
			ok "same bytes as $first but for the spec's runtime ($(sed -n '1s/.*"runtime": "\([^"]*\)".*/\1/p' "$out"))"
		else
			bad "output differs from $first's"
		fi
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
