# shellcheck shell=bash
# A throw-away one-node Slurm cluster on loopback, for tests. Source this
# file, then:
#
#   slurm_up DIR     start munged, slurmctld and slurmd, everything in DIR
#                    (created; must not hold a running cluster), and wait
#                    until the node is idle; exports SLURM_CONF=DIR/slurm.conf
#   slurm_down DIR   stop exactly the daemons slurm_up recorded in DIR/pids
#                    (TERM, then KILL), after cancelling the cluster's jobs;
#                    safe to call again, or on a DIR that never came up
#
# Nothing is shared with a system Slurm or MUNGE: the munge key, socket, pid,
# log and seed files, the state and spool folders, logs and pid files all
# live in DIR, the ports are free ones picked at start, and every address is
# 127.0.0.1. Run as root (slurmd starts the jobs; SlurmUser=root). DIR/pids
# holds a line per daemon: name, pid, start time (field 22 of
# /proc/PID/stat, so a reused pid is never mistaken for ours).
#
# Helpers for tests: slurm_logs DIR (print the daemons' logs),
# slurm_alive PID [START] (a live process, not a zombie),
# slurm_states JOBID (each task's "ID STATE", sorted), slurm_wait_ended
# JOBID SECONDS (every task in an end state), slurm_wait_file FILE SECONDS,
# slurm_field JOBID KEY (KEY=value of scontrol show job, one line per task).
#
# A test's own frame: slurm_test NAME CLUSTER [ARGS...] (as root, re-running
# the test through `sudo -n` otherwise, with ARGS) makes the test's folder
# $dir (mode 755: munged refuses a socket below a folder others cannot
# enter) with its cluster in $dir/CLUSTER ($dir itself if CLUSTER is ""),
# and on exit stops that cluster, removing $dir after a success and keeping
# it after a failure. fail MESSAGE prints the daemons' logs (and whatever the test's
# own slurm_test_logs prints, if it defines one) and exits 1.

slurm_test() {
  _slurm_test_name=$1
  if [[ $(id -u) -ne 0 ]]; then
    exec sudo -n "$BASH" "$0" "${@:3}" || {
      echo "FAIL: $1 needs root (sudo -n)" >&2
      exit 1
    }
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/moegap-$1.XXXXXX") || exit 1
  chmod 755 "$dir"
  _slurm_test_cluster=$dir${2:+/$2}
  trap _slurm_test_finish EXIT
}
_slurm_test_finish() {
  local rc=$?
  slurm_down "$_slurm_test_cluster"
  if ((rc == 0)); then rm -rf "$dir"; else echo "$_slurm_test_name: kept $dir" >&2; fi
  exit "$rc"
}
fail() {
  echo "FAIL: $*" >&2
  slurm_logs "$_slurm_test_cluster" >&2
  if declare -F slurm_test_logs >/dev/null; then slurm_test_logs >&2; fi
  exit 1
}

slurm_node=moegap1
slurm_partition=moegap

# PID's /proc/PID/stat from field 3 (state, ppid, ... start time is the
# 20th) into the array _slurm_f; fails where PID is gone
_slurm_stat() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a _slurm_f <<<"${stat##*) }" # the name may hold spaces
}

slurm_alive() { # PID [START]: is PID alive (and, given START, the same process)?
  _slurm_stat "$1" || return 1
  [[ ${_slurm_f[0]} != Z ]] || return 1
  [[ -z ${2:-} || ${_slurm_f[19]} == "$2" ]]
}

_slurm_start_time() { _slurm_stat "$1" && echo "${_slurm_f[19]}"; }

# every state squeue shows a job in once it has ended
_slurm_terminal='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'
slurm_states() { squeue -h -r -t all -j "$1" -o '%i %T' 2>/dev/null | sort; }
slurm_wait_ended() { # JOBID SECONDS: every task of JOBID in an end state
  local deadline=$((SECONDS + $2)) s
  while ((SECONDS < deadline)); do
    s=$(slurm_states "$1")
    if [[ -n $s ]] && ! awk -v re="$_slurm_terminal" '$2 !~ re { bad = 1 } END { exit !bad }' <<<"$s"; then
      return 0
    fi
    sleep 0.2
  done
  echo "job $1 still running after $2 s:" >&2
  echo "$s" >&2
  return 1
}
slurm_wait_file() { # FILE SECONDS
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  return 1
}
slurm_field() { # JOBID KEY: KEY=value of `scontrol show job` (one line per array task)
  scontrol show job -o "$1" 2>/dev/null | grep -o "\b$2=[^ ]*" | cut -d= -f2-
}

slurm_logs() {
  local f
  for f in "$1"/log/*; do
    [[ -f $f ]] || continue
    echo "----- $f (last 40 lines)"
    tail -n 40 "$f"
  done
}

# a TCP port below the ephemeral range that nothing on this machine holds
_slurm_free_port() { # [PORT...]: ports already taken by this cluster
  local used port i
  used=$(awk 'NR > 1 { split($2, a, ":"); print strtonum("0x" a[2]) }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 12000))
    if ! grep -qx "$port" <<<"$used" && [[ " $* " != *" $port "* ]]; then
      echo "$port"
      return 0
    fi
  done
  echo "slurm_up: no free port found" >&2
  return 1
}

_slurm_record() { # DIR NAME PID
  local start
  start=$(_slurm_start_time "$3") || {
    echo "slurm_up: $2 (pid $3) exited at once" >&2
    return 1
  }
  echo "$2 $3 $start" >>"$1/pids"
}

_slurm_fail() { # DIR MESSAGE
  echo "slurm_up: $2" >&2
  slurm_logs "$1" >&2
  return 1
}

slurm_up() {
  local dir=$1 cmd
  for cmd in munged mungekey munge slurmctld slurmd sinfo sbatch scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || {
      echo "slurm_up: '$cmd' is missing: bash ci/install-deps.sh installs slurmctld, slurmd, slurm-client and munge" >&2
      return 1
    }
  done
  [[ $(id -u) -eq 0 ]] || { echo "slurm_up: must run as root (slurmd starts the jobs)" >&2; return 1; }
  if [[ -e $dir/pids ]]; then
    local name pid start
    while read -r name pid start; do
      if slurm_alive "$pid" "$start"; then
        echo "slurm_up: $dir already runs a cluster ($name, pid $pid)" >&2
        return 1
      fi
    done <"$dir/pids"
  fi
  dir=$(mkdir -p "$dir" && cd "$dir" && pwd) || return 1
  # munged refuses a socket in a folder others cannot search, and a key or
  # socket in one others can write to: 0755 all the way, the key itself 0400
  mkdir -p "$dir"/{munge,state,spool,log,run}
  chmod 755 "$dir" "$dir/munge"
  : >"$dir/pids"

  # MUNGE: a fresh key, its own socket
  local sock=$dir/munge/munge.socket
  mungekey --create --keyfile="$dir/munge/munge.key" || return 1
  chmod 400 "$dir/munge/munge.key"
  munged --foreground --socket="$sock" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" --origin=127.0.0.1 \
    </dev/null >>"$dir/log/munged.out" 2>&1 &
  _slurm_record "$dir" munged $! || { _slurm_fail "$dir" "munged did not start"; return 1; }
  local i
  for ((i = 0; i < 100; i++)); do
    munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1 && break
    sleep 0.1
  done
  ((i < 100)) || { _slurm_fail "$dir" "munged answers no credential on $sock"; return 1; }

  # the node as this machine's slurmd sees it: CPUs, sockets, cores, threads, memory
  local hw key node_hw=""
  hw=$(slurmd -C | head -n 1) || { _slurm_fail "$dir" "slurmd -C failed"; return 1; }
  for key in CPUs Boards SocketsPerBoard CoresPerSocket ThreadsPerCore RealMemory; do
    [[ " $hw " =~ \ $key=([0-9]+)\  ]] || { _slurm_fail "$dir" "slurmd -C gave no $key: $hw"; return 1; }
    node_hw+=" $key=${BASH_REMATCH[1]}"
  done

  local ctld_port slurmd_port
  ctld_port=$(_slurm_free_port) || return 1
  slurmd_port=$(_slurm_free_port "$ctld_port") || return 1
  : >"$dir/plugstack.conf" # not the system's /etc/slurm/plugstack.conf
  cat >"$dir/slurm.conf" <<EOF
# written by tests/slurm/cluster.sh: a one-node test cluster on loopback
ClusterName=moegap-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire (default 120 s) is also how long a requeued job waits before
# it may start again
AuthInfo=cred_expire=10,socket=$sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$dir/plugstack.conf
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# a pass over the whole queue every second (defaults 60 s and 30 s): a job
# whose requeue delay ran out starts at once, not at the next minute
SchedulerParameters=sched_interval=1,bf_interval=1
MpiDefault=none
SwitchType=switch/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
MinJobAge=60
KillWait=2
InactiveLimit=0
NodeName=$slurm_node NodeAddr=127.0.0.1 NodeHostname=localhost$node_hw State=UNKNOWN
PartitionName=$slurm_partition Nodes=$slurm_node Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf

  slurmctld -D -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.out" 2>&1 &
  _slurm_record "$dir" slurmctld $! || { _slurm_fail "$dir" "slurmctld did not start"; return 1; }
  slurmd -D -N "$slurm_node" -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmd.out" 2>&1 &
  _slurm_record "$dir" slurmd $! || { _slurm_fail "$dir" "slurmd did not start"; return 1; }

  # up when the controller answers and the node is idle
  local state="" deadline=$((SECONDS + ${SLURM_UP_TIMEOUT:-60}))
  while ((SECONDS < deadline)); do
    local name pid start
    while read -r name pid start; do
      slurm_alive "$pid" "$start" || { _slurm_fail "$dir" "$name (pid $pid) died"; return 1; }
    done <"$dir/pids"
    if scontrol ping >/dev/null 2>&1; then
      state=$(sinfo -h -n "$slurm_node" -o %T 2>/dev/null)
      [[ $state == idle ]] && return 0
    fi
    sleep 0.2
  done
  _slurm_fail "$dir" "node $slurm_node not idle after ${SLURM_UP_TIMEOUT:-60} s (state '${state}')"
}

slurm_down() {
  local dir=$1 name pid start
  [[ -f $dir/pids ]] || return 0
  # cancel the cluster's jobs first, so that no slurmstepd outlives slurmd
  local ctld="" ids
  while read -r name pid start; do
    [[ $name == slurmctld ]] && slurm_alive "$pid" "$start" && ctld=$pid
  done <"$dir/pids"
  if [[ -n $ctld ]] && ids=$(SLURM_CONF=$dir/slurm.conf squeue -h -o %A 2>/dev/null) && [[ -n $ids ]]; then
    # shellcheck disable=SC2086
    SLURM_CONF=$dir/slurm.conf scancel $ids 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      ids=$(SLURM_CONF=$dir/slurm.conf squeue -h -t active -o %A 2>/dev/null) || break
      [[ -z $ids ]] && break
      sleep 0.2
    done
  fi
  # the daemons in the reverse order of their start
  local -a lines
  mapfile -t lines <"$dir/pids"
  local j k
  for ((j = ${#lines[@]} - 1; j >= 0; j--)); do
    read -r name pid start <<<"${lines[j]}"
    slurm_alive "$pid" "$start" || { wait "$pid" 2>/dev/null || true; continue; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((k = 0; k < 100; k++)); do
      slurm_alive "$pid" "$start" || break
      sleep 0.1
    done
    if slurm_alive "$pid" "$start"; then
      echo "slurm_down: $name (pid $pid) ignored TERM for 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      for ((k = 0; k < 50; k++)); do
        slurm_alive "$pid" "$start" || break
        sleep 0.1
      done
    fi
    # reap it where it is this shell's child
    slurm_alive "$pid" "$start" || wait "$pid" 2>/dev/null || true
  done
  _slurm_sweep "$dir"
  return 0
}

# The last resort where a job outlived the cancel (slurmctld already dead,
# say): an orphaned slurmstepd ignores TERM. This cluster's processes are
# the ones whose environment names its slurm.conf (slurm_up exported it
# before starting the daemons, and sbatch hands it to every job); this
# shell's own children, which inherit it too, are left alone. Each one is
# named on stderr, so a test can require that there were none.
_slurm_sweep() {
  local conf=SLURM_CONF=$1/slurm.conf p found=() k
  local -A mine=([$$]=1 [$BASHPID]=1)
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    grep -qzxF "$conf" "/proc/$p/environ" 2>/dev/null || continue
    # a descendant of this shell is not a leftover
    local q=$p anc=0
    while [[ $q -gt 1 ]]; do
      [[ -n ${mine[$q]:-} ]] && { anc=1; break; }
      _slurm_stat "$q" || break
      q=${_slurm_f[1]}
    done
    ((anc)) || found+=("$p")
  done
  ((${#found[@]})) || return 0
  echo "slurm_down: left over from this cluster, killed: ${found[*]}" >&2
  kill -KILL "${found[@]}" 2>/dev/null || true
  for ((k = 0; k < 50; k++)); do
    local alive=0
    for p in "${found[@]}"; do slurm_alive "$p" && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
}
