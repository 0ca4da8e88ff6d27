# dice.awk: a simrun kernel, protocol version 1, in POSIX awk.
#
# Run as `awk -f dice.awk`. It simulates the sum of `dice` fair dice with
# `faces` faces each, and answers the exact mean dice*(faces+1)/2 as the
# reference "mean". It is written from docs/external-kernels.md alone and
# uses no gawk extension: it runs unchanged under mawk, gawk, busybox awk
# and the one true awk (original-awk). It never uses `^` (busybox awk
# built without math support rejects it) nor printf's %d (mawk and busybox
# clamp it to 32 bits); every number is written with %.17g, which reads
# back exactly.
#
# How it reads its input
# ----------------------
# The whole program is in BEGIN, so awk itself never reads standard input.
# Each request line is read by a short shell command instead:
#
#     IFS= read -r l; ...; printf '%s\n' "$l"
#
# run through `cmd | getline line` and closed after each line. Why: mawk
# (Debian's default awk) reads a pipe in large blocks and does not hand a
# line to the program until its buffer is full or the input ends (unless
# run with its own option -W interactive, which gawk warns about and
# original-awk misreads). simrun writes the handshake line and then waits for the spec, and
# after a batch it waits for the replies before it sends more; a kernel
# that waits for more input first deadlocks. The shell's `read` reads a
# pipe one byte at a time and stops at the newline, so it never takes more
# than one line from the shared standard input, and the command's output
# ends (EOF) after that line, so even mawk returns it at once. The cost is
# one `sh` per request line (about a millisecond), small next to a chunk.
#
# Random numbers
# --------------
# awk has only doubles (53-bit integers), so it cannot run xoshiro256++'s
# 64-bit arithmetic on S0..S3. The chunk's SEED, an integer in [0, 2^63)
# that simrun derives from that state, seeds Park and Miller's "minimal
# standard" generator x <- 16807 x mod (2^31 - 1) instead: 16807 x is below
# 2^46, so every step is exact in a double, and `%` (fmod) is exact too.
# The seed is x0 = 1 + (SEED mod 2147483646), in [1, 2^31 - 2], a valid
# nonzero state. SEED may be as large as 2^63 - 1, above 2^53 where doubles
# no longer hold every integer: converting "2476543210987654321" to a
# number would round it (to a multiple of 512 near 2^63) and give another
# seed than the one sent. So the decimal string is reduced modulo
# 2147483646 one digit at a time (r <- (10 r + d) mod m stays below 2^35),
# which is exact whatever awk's number conversion does. The same SEED thus
# gives the same samples on every awk and machine, as the protocol asks.
#
# A die with f faces takes u = x - 1, uniform on [0, 2^31 - 3], and
# rejects u >= q*f where q = floor((2^31 - 2) / f), then returns
# floor(u / q) + 1 (the high part of u): every face has probability 1/f
# exactly. The generator's period is 2^31 - 2; a point's chunks start at
# unrelated places in that cycle and draw dice*N numbers each, so for
# large runs (more than a few million draws per point) streams of different
# chunks may overlap. This is a demonstration kernel, not a recommendation
# of the generator.
#
# Replies
# -------
# A chunk of at most VALUES_MAX samples is answered with `values` (simrun
# reduces them); a larger one with `ok` and the program's own Welford
# accumulation (count, mean, M2, min, max), so that the reply line stays
# short. Both depend only on the chunk, so the same chunk gives the same
# bytes.

BEGIN {
	M = 2147483647          # 2^31 - 1, the Park-Miller modulus (a prime)
	M1 = 2147483646         # M - 1: the number of nonzero states
	VALUES_MAX = 32         # chunks of up to this many samples get `values`

	# One line of standard input per call; prints it followed by a newline,
	# or nothing at end of input (a last line without a newline is kept).
	RCMD = "IFS= read -r l; s=$?; if [ $s -eq 0 ] || [ -n \"$l\" ]; then printf '%s\\n' \"$l\"; fi"

	runtime = "POSIX awk"
	if (PROCINFO["version"] != "")  # gawk fills this array; others leave it empty
		runtime = "GNU Awk " PROCINFO["version"]

	nparams = 2
	pname[1] = "faces"; pmin[1] = 2; pmax[1] = 1000
	pname[2] = "dice";  pmin[2] = 1; pmax[2] = 100

	# --- handshake ---
	if (readline() <= 0)
		exit 0
	n = split(LINE, f, " ")
	speaks1 = 0
	if (f[1] == "simrun-kernel")
		for (i = 2; i <= n; i++)
			if (f[i] == "1")
				speaks1 = 1
	if (!speaks1) {
		printf "error dice.awk speaks protocol version 1 only; simrun sent: %s\n", escape(LINE)
		fflush()
		exit 1
	}
	printf "%s\n", spec()
	fflush()   # simrun waits for the spec: it must not sit in a buffer

	# --- requests, until standard input ends ---
	havepoint = 0
	while (readline() > 0) {
		n = split(LINE, f, " ")
		if (n == 0)
			continue
		if (f[1] == "point")
			setpoint(n)
		else if (f[1] == "chunk")
			chunk(n)
		else if (f[1] == "reference")
			reference(n)
		else if (f[1] == "flush")
			fflush()
		else {
			# Not a request of protocol 1. Replying would put a line that
			# simrun does not expect into the reply stream, so stop instead:
			# simrun reports a program that exits with chunks pending, with
			# this message from standard error.
			printf "dice.awk: unknown request: %s\n", LINE > "/dev/stderr"
			exit 2
		}
	}
	exit 0
}

# readline sets LINE to the next line of standard input, without its "\n"
# and an "\r" before it; it returns 1, or 0 at the end of input.
function readline(    r) {
	r = (RCMD | getline LINE)
	close(RCMD)
	if (r <= 0)
		return 0
	sub(/\r$/, "", LINE)
	return 1
}

function spec() {
	return "{\"protocol\": 1, \"name\": \"dice\", \"version\": 1, " \
	    "\"doc\": \"the sum of fair dice\", " \
	    "\"runtime\": \"" runtime "\", " \
	    "\"params\": [" \
	    "{\"name\": \"faces\", \"type\": \"int\", \"default\": 6, \"min\": 2, \"max\": 1000, \"doc\": \"faces of each die, numbered 1 to faces\"}, " \
	    "{\"name\": \"dice\", \"type\": \"int\", \"default\": 1, \"min\": 1, \"max\": 100, \"doc\": \"dice thrown for each sample\"}], " \
	    "\"observables\": [{\"name\": \"sum\", \"iid\": true, \"doc\": \"the sum of the dice\"}], " \
	    "\"references\": [{\"name\": \"mean\", \"of\": \"sum\", \"exact\": true, \"stat\": \"mean\", \"doc\": \"<sum> = dice*(faces+1)/2, exactly\"}]}"
}

# point P NAME=VALUE ...: remembers the values, or the reason they are bad
# (reported by the chunks and references of the point: a point line gets no
# reply of its own).
function setpoint(n,    i, j, k, name, val, seen) {
	havepoint = 1
	pointerr = ""
	for (j = 1; j <= nparams; j++)
		seen[j] = 0
	for (i = 3; i <= n; i++) {
		k = index(f[i], "=")
		if (k == 0) {
			pointerr = "malformed parameter " f[i] " (no =)"
			return
		}
		name = substr(f[i], 1, k - 1)
		val = substr(f[i], k + 1)
		for (j = 1; j <= nparams; j++)
			if (pname[j] == name)
				break
		if (j > nparams) {
			pointerr = "unknown parameter " name
			return
		}
		if (val !~ /^-?[0-9]+$/ || length(val) > 9) {
			pointerr = name "=" val ": not an integer in [" pmin[j] ", " pmax[j] "]"
			return
		}
		val = val + 0
		if (val < pmin[j] || val > pmax[j]) {
			pointerr = name "=" val ": outside the valid range [" pmin[j] ", " pmax[j] "]"
			return
		}
		pval[name] = val
		seen[j] = 1
	}
	for (j = 1; j <= nparams; j++)
		if (!seen[j]) {
			pointerr = "parameter " pname[j] " is missing from the point line"
			return
		}
}

# The reason the current point cannot be simulated, or "".
function pointproblem() {
	if (!havepoint)
		return "no point line before this request"
	return pointerr
}

# chunk ID C N SEED S0 S1 S2 S3
function chunk(nf,    id, nsamp, why, i, j, x, cnt, mean, m2, lo, hi, d, out, faces, ndice, q, lim) {
	id = f[2]
	if (nf != 9) {
		reply_error(id, "malformed chunk request (" nf " fields, 9 expected): " LINE)
		return
	}
	why = pointproblem()
	if (why != "") {
		reply_error(id, why)
		return
	}
	if (f[4] !~ /^[0-9]+$/ || f[4] + 0 < 1) {
		reply_error(id, "bad sample count " f[4])
		return
	}
	if (f[5] !~ /^[0-9]+$/) {
		reply_error(id, "bad SEED " f[5])
		return
	}
	nsamp = f[4] + 0
	faces = pval["faces"]
	ndice = pval["dice"]
	seedgen(f[5])
	q = (M1 - M1 % faces) / faces   # floor(M1 / faces), exactly
	lim = q * faces

	cnt = 0; mean = 0; m2 = 0
	if (nsamp <= VALUES_MAX)
		out = "values " id " " nsamp
	for (i = 1; i <= nsamp; i++) {
		x = 0
		for (j = 1; j <= ndice; j++)
			x += roll(faces, q, lim)
		if (nsamp <= VALUES_MAX) {
			out = out " " x
			continue
		}
		# Welford's update
		cnt++
		d = x - mean
		mean += d / cnt
		m2 += d * (x - mean)
		if (cnt == 1 || x < lo) lo = x
		if (cnt == 1 || x > hi) hi = x
	}
	if (nsamp <= VALUES_MAX)
		printf "%s\n", out
	else
		printf "ok %s %.17g %.17g %.17g %.17g %.17g\n", id, cnt, mean, m2, lo, hi
}

# reference ID NAME
function reference(nf,    id, why) {
	id = f[2]
	if (nf != 3) {
		reply_error(id, "malformed reference request: " LINE)
		return
	}
	if (f[3] != "mean") {
		reply_error(id, "unknown reference " f[3] " (dice.awk has: mean)")
		return
	}
	why = pointproblem()
	if (why != "") {
		reply_error(id, why)
		return
	}
	printf "ok %s %.17g\n", id, pval["dice"] * (pval["faces"] + 1) / 2
}

# Seeds the generator with 1 + (s mod 2147483646), s a decimal string of
# any length, reduced digit by digit so that no step exceeds 2^35 (exact
# in a double even where s itself is not).
function seedgen(s,    r, i) {
	r = 0
	for (i = 1; i <= length(s); i++)
		r = (r * 10 + (substr(s, i, 1) + 0)) % M1
	X = r + 1
}

# Park-Miller: X <- 16807 X mod (2^31 - 1); X stays in [1, 2^31 - 2].
function nextx() {
	X = (16807 * X) % M
	return X
}

# One fair die with nfaces faces (q and lim precomputed by the caller).
function roll(nfaces, q, lim,    u) {
	do {
		u = nextx() - 1
	} while (u >= lim)
	return (u - u % q) / q + 1
}

function reply_error(id, msg) {
	printf "error %s %s\n", id, escape(msg)
}

# The protocol's escaping of an error message: "\" as "\\", a newline as
# "\n". Done a character at a time: gsub's treatment of backslashes in the
# replacement differs between awks.
function escape(s,    out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\")
			out = out "\\\\"
		else if (c == "\n")
			out = out "\\n"
		else
			out = out c
	}
	return out
}
