#!/usr/bin/env bash
# example-test.sh: builds and exercises the out-of-tree example module
# examples/birthday, a simrun of its own (cli.Main with one more kernel),
# as a researcher would use it: its tests, a run, a run killed with SIGKILL
# and resumed (byte-identical to the uninterrupted one, no worker left
# behind), verify --all, check, its figures and its kernel list.
#
# Run it from the repository root (make test does): scripts/example-test.sh
# It prints one line per step and "example module: ok" at the end; on a
# failure, the step and the output of the command that failed. It takes
# about 5 seconds on 2 idle cores with a warm build cache (20-25 s with the
# cores busy).
set -euo pipefail

if [[ ! -f examples/birthday/go.mod ]]; then
	echo "example-test.sh: run from the repository root (no examples/birthday/go.mod here)" >&2
	exit 2
fi
file=examples/birthday/birthday.toml

# The temporary directory, with symlinks resolved: pgrep matches the
# binary's path as the workers' command lines spell it.
tmp=$(mktemp -d)
tmp=$(cd "$tmp" && pwd -P)
bin=$tmp/birthday

# cleanup kills what this script started and is still running (found by
# the binary's path, unique to this run, and killed by process id), then
# removes the temporary directory.
cleanup() {
	local pids
	pids=$(pgrep -f "^$bin( |$)" || true)
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086 # one id per word
		kill -KILL $pids 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# step NAME CMD...: runs CMD with its output in a log, prints one line, and
# on failure shows the log and stops.
step() {
	local name=$1 log
	shift
	log=$tmp/log.$((++nlog))
	if ! "$@" >"$log" 2>&1; then
		echo "FAIL: $name: $*" >&2
		sed 's/^/  | /' "$log" >&2
		exit 1
	fi
	echo "$name: ok"
}
nlog=0

# workers prints the number of processes of the binary: the parent and its
# workers, which are the same binary started again.
workers() { pgrep -c -f "^$bin( |$)" || true; }

# journaled DIR prints "DONE TOTAL" from `status DIR`, or "0 0" while the
# run has not written its journal yet.
journaled() {
	local out
	out=$("$bin" status "$1" 2>/dev/null) || true
	if [[ $out =~ ([0-9]+)/([0-9]+)\ chunks ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	else
		echo "0 0"
	fi
}

# killrun FILE DIR: runs FILE into DIR in the background and SIGKILLs the
# parent once some chunks are journaled; checks that no process of it is
# left. Returns 1 if the run finished before the kill could land (the
# caller retries with a larger budget), 0 once DIR holds a journal of some
# but not all chunks.
killrun() {
	local file=$1 dir=$2 pid have total n procs=0 rc=0 i
	"$bin" run --workers 2 --quiet --out "$dir" "$file" >"$tmp/killed.log" 2>&1 &
	pid=$!
	for ((i = 0; ; i++)); do
		read -r have total < <(journaled "$dir")
		n=$(workers)
		if ((n > procs)); then
			procs=$n
		fi
		if ((have > 0)); then
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || rc=$?
			if ((rc == 0)); then
				echo "kill: the run finished before a chunk was seen in its journal"
				return 1
			fi
			sed 's/^/  | /' "$tmp/killed.log" >&2
			fail "kill: the run into $dir exited with $rc before journaling a chunk"
		fi
		((i < 3000)) || fail "kill: the run into $dir journaled no chunk in 30 s (status: $("$bin" status "$dir" 2>&1 || true))"
		sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || rc=$?
	read -r have total < <(journaled "$dir")
	if ((rc == 0 || have >= total)); then
		echo "kill: the run finished before SIGKILL landed ($have/$total chunks, exit $rc)"
		return 1
	fi
	((rc == 137)) || fail "kill: the run exited with $rc, want 137 (SIGKILL)"
	# The workers die with their parent (parent-death signal, end of input
	# on their pipes): none may be left once they have had a moment.
	((procs >= 2)) || fail "kill: saw $procs process(es) of $bin during the run, want the parent and its workers (is pgrep's pattern right?)"
	for ((i = 0; i < 200; i++)); do
		[[ $(workers) == 0 ]] && break
		sleep 0.01
	done
	if [[ $(workers) != 0 ]]; then
		ps -o pid,ppid,stat,args -p "$(pgrep -d, -f "^$bin( |$)")" >&2 || true
		fail "kill: worker processes of $bin are left 2 s after SIGKILL of their parent"
	fi
	echo "kill: SIGKILL after $have/$total chunks journaled; $((procs - 1)) workers seen, none left: ok"
}

start=$SECONDS

step "build" bash -c "cd examples/birthday && go build -o '$bin' ."
step "go vet ./... (examples/birthday)" bash -c "cd examples/birthday && go vet ./..."
step "go test ./... (examples/birthday)" bash -c "cd examples/birthday && go test -count=1 ./..."
step "validate" "$bin" validate "$file"
step "kernels birthday" bash -c "'$bin' kernels birthday | grep -q '^birthday'"
step "kernels (built-in ones beside birthday)" bash -c "'$bin' kernels | grep -q '^pi' && '$bin' kernels | grep -q '^birthday'"
step "run into ref" "$bin" run --workers 2 --quiet --out "$tmp/ref" "$file"

ref=$tmp/ref
if ! killrun "$file" "$tmp/killed"; then
	# Too fast to interrupt on this machine: ten times the samples per
	# point (same chunk_size: ten times the chunks), once.
	sed 's/^samples = 200_000/samples = 2_000_000/' "$file" >"$tmp/big.toml"
	grep -q '^samples = 2_000_000' "$tmp/big.toml" || fail "kill: could not raise samples in a copy of $file"
	file=$tmp/big.toml
	ref=$tmp/ref-big
	rm -rf "$tmp/killed"
	step "run $file into ref-big" "$bin" run --workers 2 --quiet --out "$ref" "$file"
	killrun "$file" "$tmp/killed" || fail "kill: even $file finished before SIGKILL landed"
fi
step "resume killed" "$bin" run --workers 2 --quiet --out "$tmp/killed" "$file"
read -r have total < <(journaled "$tmp/killed")
((have == total)) || fail "resume: $have/$total chunks journaled after the resumed run"
for f in results.csv chunks.bin; do
	step "cmp $f (killed and resumed = uninterrupted)" cmp "$ref/$f" "$tmp/killed/$f"
done

step "verify --all ref" "$bin" verify --all "$tmp/ref"
step "check ref" "$bin" check "$tmp/ref"
for f in shared.png shared.svg; do
	[[ -s $tmp/ref/$f ]] || fail "figure $tmp/ref/$f of [[plot]] shared is missing or empty"
done
echo "figures shared.png, shared.svg: ok"

# Provenance: results.json names the module that built the binary and the
# module of the kernel; simrun's own binary, which lacks the kernel, says
# which module verify needs instead of only "unknown kernel".
for want in '"module": "example.com/birthday"' '"kernel_module": "example.com/birthday"' '"simrun_version": "'; do
	grep -qF "$want" "$tmp/ref/results.json" || fail "results.json lacks $want"
done
echo "provenance (module, kernel_module, simrun_version): ok"
step "build simrun's own binary" go build -o "$tmp/simrun" ./cmd/simrun
if "$tmp/simrun" verify "$tmp/ref" >"$tmp/log.verify" 2>&1; then
	fail "simrun's own binary verified results of the birthday kernel it does not have"
fi
grep -q 'kernel "birthday".*example.com/birthday' "$tmp/log.verify" || { sed 's/^/  | /' "$tmp/log.verify" >&2; fail "simrun verify of birthday results does not name the module"; }
echo "simrun verify of another module's results names it: ok"

echo "example module: ok ($((SECONDS - start)) s)"
