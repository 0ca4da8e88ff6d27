#!/usr/bin/env bash
# slurm-local.sh: a private single-node Slurm cluster on this machine, reachable only on
# 127.0.0.1, for simrun's Slurm tests (go test ./cli and ./slurm run them when sbatch answers)
# and for trying `simrun submit` by hand. Debian 12 (Slurm 22.05), run as root, no systemd.
#
#   scripts/slurm-local.sh start    install if missing, start munged/slurmctld/slurmd, health check
#   scripts/slurm-local.sh status   daemons, node, queue, where the logs are
#   scripts/slurm-local.sh stop     cancel jobs, stop only the daemons that start recorded
#
# Typical use:  bash scripts/slurm-local.sh start && trap 'bash scripts/slurm-local.sh stop' EXIT
#
# `start` is idempotent: packages are installed only if missing, a munged that already
# answers is reused, and slurmctld/slurmd are started only if their PID files don't point
# at live daemons (a running cluster keeps its configuration). It works from any directory.
# `stop` never kills by name: only the PIDs recorded under $SLURM_BASE/run, each checked
# to still be a process of the expected name.
#
# There is no slurmdbd, so no sacct: finished jobs (and array tasks) are listed one per
# line in $SLURM_BASE/log/jobcomp.log, and `scontrol show job` keeps them for 300 s.
# Poll squeue/scontrol rather than using `sbatch --wait`, which polls slowly.
#
# Knobs (environment):
#   SLURM_BASE=$TMPDIR/slurm-local  state, spool, logs, PID files (default /tmp/slurm-local)
#   SLURM_CPUS=4                CPUs to advertise. More than the machine has is allowed
#                               (SlurmdParameters=config_overrides), so that 4 array tasks of
#                               1 CPU run at once even on a 2-core machine.
#   SLURM_PKGS="slurmctld slurmd slurm-client munge"   what to apt-get install
#   SLURM_KEEP_STATE=1          keep jobs/job IDs from the previous run (default: start clean)
#   SLURM_HEALTH_TIMEOUT=120    seconds allowed for the health check
#   SLURM_EXTRA_CONF="..."      extra lines appended to slurm.conf
#
# Adapted from the shared start-slurm.sh/stop-slurm.sh recipe; the pitfalls it met are
# handled here too and explained where they are handled.
set -euo pipefail

BASE=${SLURM_BASE:-${TMPDIR:-/tmp}/slurm-local}
case "$BASE" in /*) ;; *) BASE="$PWD/$BASE" ;; esac   # daemons and jobs run elsewhere: absolute
export SLURM_BASE=$BASE
PKGS=${SLURM_PKGS:-"slurmctld slurmd slurm-client munge"}
HEALTH_TIMEOUT=${SLURM_HEALTH_TIMEOUT:-120}
WANT_CPUS=${SLURM_CPUS:-4}
CONF=/etc/slurm/slurm.conf
MARK="# managed by scripts/slurm-local.sh"
SPOOL="$BASE/state/d/"

T0=$(date +%s.%N)
log() { printf '[slurm-local %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "ERROR: $*"
  for f in "$BASE"/log/slurmctld.log "$BASE"/log/slurmd.log; do
    if [ -f "$f" ]; then echo "--- last lines of $f" >&2; tail -n 20 "$f" >&2; fi
  done
  exit 1
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

# alive PID NAME: the process exists, is named NAME, and is not a zombie (some thread
# still runs). PID 1 on this machine reaps exited daemons only after a second or two, so
# "the PID exists" is not enough to call a daemon alive.
alive() {
  local t st
  [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
  for t in /proc/"$1"/task/*/stat; do
    st=$(sed 's/.*) //' "$t" 2>/dev/null | cut -c1)
    case "$st" in Z|X|"") ;; *) return 0 ;; esac
  done
  return 1
}

# live_pid FILE NAME: print the PID in FILE if it is alive and named NAME.
live_pid() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' < "$1")
  alive "$pid" "$2" || return 1
  echo "$pid"
}

print_logs() {
  log "logs: $BASE/log/slurmctld.log, $BASE/log/slurmd.log"
  log "finished jobs (no sacct): $BASE/log/jobcomp.log"
}

# ==================================================================== start
start() {
  [ "$(id -u)" -eq 0 ] || die "must run as root"

  # ------------------------------------------------------------ 1. install
  local T_INSTALL missing=0 b
  T_INSTALL=$(date +%s.%N)
  for b in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/bin/srun /usr/sbin/munged /usr/bin/munge; do
    [ -x "$b" ] || missing=1
  done
  if [ "$missing" = 1 ]; then
    log "installing: $PKGS"
    export DEBIAN_FRONTEND=noninteractive   # CI has no stdin: never ask
    # Keep the packages' init scripts from starting daemons during the install (they
    # would use the packages' config, not ours). Only if the machine has no policy-rc.d.
    local made_policy=0 apt_ok=1
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
    fi
    # Lock timeout: another apt-get on the machine holding the dpkg lock must not make
    # this fail at once; wait for it instead.
    apt-get -o DPkg::Lock::Timeout=600 update -qq || apt_ok=0
    if [ "$apt_ok" = 1 ]; then
      # shellcheck disable=SC2086
      apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $PKGS >/dev/null || apt_ok=0
    fi
    if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "$apt_ok" = 1 ] || die "apt-get failed"
  else
    log "packages already installed"
  fi
  log "$(/usr/sbin/slurmd -V), $(/usr/sbin/munged -V 2>&1 | awk '{print $1}') (install step $(since "$T_INSTALL") s)"

  mkdir -p "$BASE/state/ctld" "$BASE/state/d" "$BASE/run" "$BASE/log"

  # ------------------------------------------------------------ 2. munge
  local T_START MUNGED_PID ok
  T_START=$(date +%s.%N)
  if MUNGED_PID=$(live_pid "$BASE/run/munged.pid" munged); then
    log "munged already running (pid $MUNGED_PID, started by an earlier run)"
  elif munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    rm -f "$BASE/run/munged.pid"       # not ours: stop will leave it alone
    log "munged already answering (not started here); reusing it"
  else
    if [ ! -s /etc/munge/munge.key ]; then   # the munge package's postinst normally made one
      log "creating /etc/munge/munge.key"
      install -d -o munge -g munge -m 0700 /etc/munge
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
      chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/log/munge
    install -d -o munge -g munge -m 0711 /var/lib/munge
    # munged forks into the background and writes /run/munge/munged.pid;
    # --force lets it take over a stale socket left by a killed munged.
    runuser -u munge -- /usr/sbin/munged --force
    ok=0
    for _ in $(seq 1 50); do
      if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.2
    done
    [ "$ok" = 1 ] || die "munged did not come up (see /var/log/munge/munged.log)"
    live_pid /run/munge/munged.pid munged > "$BASE/run/munged.pid" || die "munged PID not found"
    log "started munged pid $(cat "$BASE/run/munged.pid")"
  fi

  # ------------------------------------------------------------ 3. config + daemons
  local CTLD_PID SLURMD_PID NODE HW HWCPUS MEM NODELINE OVERRIDES f have
  if CTLD_PID=$(live_pid "$BASE/run/slurmctld.pid" slurmctld); then
    log "slurmctld already running (pid $CTLD_PID); keeping its config"
    have=$(sed -n 's/^NodeName=.* CPUs=\([0-9]*\).*/\1/p' "$CONF" 2>/dev/null | head -n 1)
    if [ -n "$have" ] && [ "$have" != "$WANT_CPUS" ]; then
      log "warning: the running cluster advertises $have CPUs, not SLURM_CPUS=$WANT_CPUS; stop and start to change it"
    fi
  else
    NODE=$(hostname -s)
    HW=$(/usr/sbin/slurmd -C | head -n 1)   # NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
    HWCPUS=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$HW")
    MEM=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$HW")
    # RealMemory must be set or memory requests (--mem) are rejected; keep a margin, so
    # the node is never drained for "Low RealMemory".
    MEM=$(( MEM * 9 / 10 ))
    if [ "$WANT_CPUS" = "$HWCPUS" ]; then
      NODELINE="$(sed -e 's/ RealMemory=[0-9]*//' <<<"$HW") RealMemory=$MEM"
      OVERRIDES=""
    else
      # Advertising more CPUs than slurmd sees drains the node unless config_overrides
      # tells slurmd to trust slurm.conf.
      NODELINE="NodeName=$NODE CPUs=$WANT_CPUS RealMemory=$MEM"
      OVERRIDES="SlurmdParameters=config_overrides"
    fi
    if [ -f "$CONF" ] && ! grep -qF "# managed by " "$CONF"; then
      cp -p "$CONF" "$CONF.orig.$(date +%Y%m%d%H%M%S)"
      log "backed up the existing $CONF"
    fi
    mkdir -p /etc/slurm
    cat > "$CONF" <<EOF
$MARK (state under $BASE)
ClusterName=localcluster
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
# job credentials live 10 s (default 120): this is also how long Slurm holds
# a requeued job before it may start again, which the requeue test waits for
AuthInfo=cred_expire=10
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$BASE/state/ctld
SlurmdSpoolDir=$BASE/state/d
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
# no cgroup process tracking, task binding or accounting (slurmd still loads a cgroup plugin, see below)
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# no slurmdbd, so no sacct: one line per finished job (and array task) goes here instead
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.log
MpiDefault=none
# no mail on this machine: the default MailProg is missing and sbatch --mail-* would fail
MailProg=/bin/true
SchedulerType=sched/backfill
# start batch jobs at once (default batch_sched_delay=3 s): an 8-task array + merge went from 13 s to 5 s
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# an afterok dependency that can never be met cancels the job instead of leaving it pending forever
DependencyParameters=kill_invalid_depend
# Slurm's defaults, which simrun submit must fit into (it packs shards beyond them)
MaxArraySize=1001
MaxJobCount=10000
# finished jobs stay visible to scontrol show job for 300 s
MinJobAge=300
InactiveLimit=0
KillWait=5
Waittime=0
$OVERRIDES
${SLURM_EXTRA_CONF:-}
$NODELINE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # slurmd 22.05 always loads a cgroup plugin (CgroupPlugin=autodetect), even with
    # proctrack/linuxproc and task/none. With /sys/fs/cgroup on tmpfs (v1/hybrid) it
    # picks cgroup/v1 and works silently. On a pure cgroup v2 host without systemd/dbus,
    # cgroup/v2 tries dbus and slurmd can fail to start; IgnoreSystemd avoids the dbus
    # calls there (that branch is untested on this machine).
    if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
      printf '%s\nCgroupPlugin=cgroup/v2\nIgnoreSystemd=yes\nIgnoreSystemdOnFailure=yes\n' "$MARK" > /etc/slurm/cgroup.conf
    elif [ -f /etc/slurm/cgroup.conf ] && grep -qF "# managed by " /etc/slurm/cgroup.conf; then
      rm -f /etc/slurm/cgroup.conf
    fi
    if [ "${SLURM_KEEP_STATE:-0}" != 1 ]; then
      # Clean start. Wiping the state dir (not just "slurmctld -c") also drops its
      # "clustername" file, which otherwise makes slurmctld refuse a changed ClusterName.
      rm -rf "${BASE:?}/state/ctld" "${BASE:?}/state/d"
      mkdir -p "$BASE/state/ctld" "$BASE/state/d"
      for f in "$BASE/log/slurmctld.log" "$BASE/log/slurmd.log"; do
        if [ -f "$f" ]; then mv -f "$f" "$f.prev"; fi
      done
    fi
    /usr/sbin/slurmctld || die "slurmctld failed to start"   # forks; writes SlurmctldPidFile
    CTLD_PID=""
    for _ in $(seq 1 50); do CTLD_PID=$(live_pid "$BASE/run/slurmctld.pid" slurmctld) && break; sleep 0.2; done
    [ -n "$CTLD_PID" ] || die "slurmctld did not stay up"
    log "started slurmctld pid $CTLD_PID"
  fi

  if SLURMD_PID=$(live_pid "$BASE/run/slurmd.pid" slurmd); then
    log "slurmd already running (pid $SLURMD_PID)"
  else
    /usr/sbin/slurmd || die "slurmd failed to start"         # forks; writes SlurmdPidFile
    SLURMD_PID=""
    for _ in $(seq 1 50); do SLURMD_PID=$(live_pid "$BASE/run/slurmd.pid" slurmd) && break; sleep 0.2; done
    [ -n "$SLURMD_PID" ] || die "slurmd did not stay up"
    log "started slurmd pid $SLURMD_PID"
  fi

  # ------------------------------------------------------------ 4. health check
  local deadline resumed=0 state remaining HJ js
  NODE=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$CONF" | head -n 1)
  deadline=$(( $(date +%s) + HEALTH_TIMEOUT ))
  while :; do
    live_pid "$BASE/run/slurmctld.pid" slurmctld >/dev/null || die "slurmctld died"
    live_pid "$BASE/run/slurmd.pid" slurmd >/dev/null || die "slurmd died"
    state=$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n 1 || true)
    case "$state" in
      idle|mixed|allocated|completing) break ;;
      down*|drain*|fail*)
        # e.g. left down by a slurmd that died with jobs on it (they stay COMPLETING)
        if [ "$resumed" = 0 ]; then
          log "node state '$state'; resuming it"
          scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
          resumed=1
        fi ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || die "node $NODE not ready (state '$state')"
    sleep 0.2
  done
  if [ "$state" = allocated ] || [ "$state" = completing ]; then
    log "node busy with jobs ($state); skipping the test jobs"
  else
    remaining=$(( deadline - $(date +%s) )); [ "$remaining" -ge 5 ] || remaining=5
    timeout "$remaining" srun -J slurm-local-health -D "$BASE" -N1 -n1 /bin/true || die "health srun failed"
    # (sbatch --wait works too, but polls slowly and adds up to ~10 s; poll scontrol instead)
    HJ=$(sbatch --parsable -J slurm-local-health -D "$BASE" -o /dev/null --wrap /bin/true) || die "health sbatch failed"
    while :; do
      js=$(scontrol show job -o "$HJ" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
      case "$js" in
        COMPLETED) break ;;
        PENDING|CONFIGURING|RUNNING|COMPLETING|"") ;;
        *) die "health batch job $HJ ended $js" ;;
      esac
      [ "$(date +%s)" -lt "$deadline" ] || die "health batch job $HJ still '$js'"
      sleep 0.2
    done
  fi

  log "cluster up: $(sinfo -h -o '%P %a nodes=%D %T %N cpus=%c')"
  log "took $(since "$T0") s (install step included; daemons + health check $(since "$T_START") s)"
  print_logs
  log "stop with: bash $(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}") stop"
}

# ==================================================================== stop
# end_pid PID NAME: SIGTERM, wait up to 30 s, then SIGKILL (each time only if still NAME).
end_pid() {
  local pid=$1 name=$2
  alive "$pid" "$name" || return 0
  log "$name: SIGTERM pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do alive "$pid" "$name" || return 0; sleep 0.2; done
  log "$name: still alive after 30 s; SIGKILL pid $pid"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

stop_daemon() {
  local f=$1 name=$2 pid
  if pid=$(live_pid "$f" "$name"); then end_pid "$pid" "$name"; else log "$name: not running"; fi
  rm -f "$f"
}

# PIDs of slurmstepd processes holding a unix socket under this cluster's spool dir
# (so only this cluster's job steps, never another Slurm's).
stray_stepds() {
  local inodes d pid fd l ino
  inodes=" $(awk -v p="$SPOOL" 'index($8, p) == 1 {print $7}' /proc/net/unix | sort -u | tr '\n' ' ') "
  [ "$inodes" != "  " ] || return 0
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] || continue
    for fd in /proc/"$pid"/fd/*; do
      l=$(readlink "$fd" 2>/dev/null) || continue
      case "$l" in
        socket:\[*\]) ino=${l#socket:[}; ino=${ino%]}
                      case "$inodes" in *" $ino "*) echo "$pid"; break ;; esac ;;
      esac
    done
  done
}

descendants() {   # all descendants of PID $1, deepest last
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done
}

stop() {
  set +e   # stop does as much as it can: one failed step must not leave daemons running
  local jobs tries left s d
  # 1. cancel remaining jobs (every job on this private cluster) while the daemons are up,
  #    so that slurmd ends their processes itself.
  if live_pid "$BASE/run/slurmctld.pid" slurmctld >/dev/null; then
    jobs=$(squeue -h -o '%F' 2>/dev/null | sort -u | tr '\n' ' ')
    if [ -n "${jobs// /}" ]; then
      log "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      # up to 30 s while slurmd can end the jobs; without slurmd they never leave
      # COMPLETING, so don't wait long (step 3 cleans up their processes)
      tries=150; live_pid "$BASE/run/slurmd.pid" slurmd >/dev/null || tries=10
      for _ in $(seq 1 "$tries"); do
        [ -z "$(squeue -h -o '%i' 2>/dev/null)" ] && break
        sleep 0.2
      done
      left=$(squeue -h -o '%i:%T' 2>/dev/null | tr '\n' ' ')
      [ -z "${left// /}" ] || log "warning: jobs still listed: $left"
    fi
  fi

  # 2. the daemons, compute side first.
  stop_daemon "$BASE/run/slurmd.pid" slurmd
  stop_daemon "$BASE/run/slurmctld.pid" slurmctld

  # 3. job steps whose slurmd went away before they ended.
  for s in $(stray_stepds); do
    log "slurmstepd pid $s left behind; ending it and its job processes"
    for d in $(descendants "$s" | tac); do kill -KILL "$d" 2>/dev/null || true; done
    # slurmstepd ignores SIGTERM, so SIGKILL it (still checking the PID is that slurmstepd)
    if alive "$s" slurmstepd; then kill -KILL "$s" 2>/dev/null || true; fi
  done

  # 4. munged, only if start started it.
  if [ -s "$BASE/run/munged.pid" ]; then
    stop_daemon "$BASE/run/munged.pid" munged
  else
    log "munged: not started by slurm-local.sh; left alone"
  fi
  log "stopped (logs kept under $BASE/log)"
  return 0
}

# ==================================================================== status
status() {
  set +e
  local up=1 name pid
  for name in munged slurmctld slurmd; do
    if pid=$(live_pid "$BASE/run/$name.pid" "$name"); then
      log "$name: running, pid $pid"
    elif [ "$name" = munged ] && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      log "munged: answering (not started by slurm-local.sh)"
    else
      log "$name: not running"; up=0
    fi
  done
  if [ "$up" = 1 ]; then
    log "node: $(sinfo -h -o '%P %a nodes=%D %T %N cpus=%c' 2>&1)"
    log "queue:"
    squeue -o '%.12i %.20j %.10T %.10M %R' 2>&1 | sed 's/^/    /' >&2
  fi
  print_logs
  [ "$up" = 1 ]
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status   (SLURM_BASE=$BASE, SLURM_CPUS=$WANT_CPUS)" >&2; exit 2 ;;
esac
