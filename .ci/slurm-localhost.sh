#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the SLURM launcher's integration test
# (experiments' SlurmLauncherIT). Needs Debian's slurm-wlm and munge packages and root; works
# in a container without systemd: the daemons are started directly and run as root.
#
#   .ci/slurm-localhost.sh install   apt-get install slurm-wlm munge when absent (quiet)
#   .ci/slurm-localhost.sh up        munge key, slurm.conf for this host, munged, slurmctld, slurmd;
#                                    waits until sinfo shows the node idle
#   .ci/slurm-localhost.sh down      stops what 'up' started
#
# State (pid files, spool, logs) lives under $PCLORA_SLURM_STATE (default /tmp/pclora-slurm).
# /etc/slurm/slurm.conf is written only when absent or written by this script before.
set -euo pipefail

state="${PCLORA_SLURM_STATE:-/tmp/pclora-slurm}"
conf=/etc/slurm/slurm.conf
marker="# written by pclora .ci/slurm-localhost.sh"

log() { echo "slurm-localhost: $*" >&2; }

install() {
  if command -v sbatch >/dev/null && command -v slurmctld >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then log "not root: cannot apt-get install slurm-wlm munge"; return 1; fi
  command -v apt-get >/dev/null || { log "no apt-get: install SLURM and munge with this system's packages"; return 1; }
  log "installing slurm-wlm and munge (apt-get)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } \
       >"${TMPDIR:-/tmp}/pclora-slurm-apt.log" 2>&1; then
    log "apt-get failed (no network?): see ${TMPDIR:-/tmp}/pclora-slurm-apt.log"
    return 1
  fi
}

write_conf() {
  local host cpus mem
  host="$(hostname -s)"
  cpus="$(nproc)"
  # RealMemory in MiB, a little under the machine's so that slurmd never reports less than declared
  mem=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
    log "$conf exists and was not written by this script: leaving it (and this cluster) alone"
    return 1
  fi
  mkdir -p /etc/slurm "$state/ctld" "$state/d" "$state/log"
  cat > "$conf" <<EOF
$marker: a one-node cluster on $host
ClusterName=pclora
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# No systemd and no cgroups in a container: plain process tracking, no task containment.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a task that gives no --mem is allotted the whole node and runs alone.
DefMemPerCPU=$(( mem / cpus ))
SchedulerType=sched/backfill
# Array tasks whose teacher job failed are cancelled instead of pending for ever.
SchedulerParameters=kill_invalid_depend
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Requeued and preempted tasks get SIGTERM, then SIGKILL after KillWait seconds.
KillWait=10
MinJobAge=300
InactiveLimit=0
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

up() {
  install
  if [ ! -s /etc/munge/munge.key ]; then
    log "generating /etc/munge/munge.key"
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  write_conf
  if ! pgrep -u munge -x munged >/dev/null 2>&1 && ! [ -S /run/munge/munge.socket.2 ]; then
    if id munge >/dev/null 2>&1; then
      runuser -u munge -- munged --force
    else
      munged --force
    fi
  fi
  if ! scontrol ping 2>/dev/null | grep -q UP; then
    slurmctld -i
  fi
  if ! [ -f "$state/slurmd.pid" ] || ! kill -0 "$(cat "$state/slurmd.pid")" 2>/dev/null; then
    slurmd
  fi
  local i
  for i in $(seq 1 60); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qx idle; then
      log "up: $(sinfo -h -o '%N %c CPUs %m MiB %t')"
      return 0
    fi
    # a node left down/drained by an earlier session comes back
    if sinfo -h -o '%t' 2>/dev/null | grep -Eq 'down|drain'; then
      scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    fi
    sleep 1
  done
  log "the node did not become idle in 60 s; logs in $state/log"
  sinfo >&2 || true
  return 1
}

stop_pid() {
  local f="$1"
  if [ -f "$f" ]; then
    local pid
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
    rm -f "$f"
  fi
}

down() {
  stop_pid "$state/slurmd.pid"
  stop_pid "$state/slurmctld.pid"
  # munged writes its pid file here; stop only the daemon this script started
  stop_pid /run/munge/munged.pid
  log "down"
}

if [ "$(id -u)" != 0 ]; then
  log "run as root (it writes /etc/slurm/slurm.conf and starts the daemons as root), e.g. sudo $0 ${1:-}"
  exit 1
fi
case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  *) echo "usage: $0 install|up|down" >&2; exit 2 ;;
esac
