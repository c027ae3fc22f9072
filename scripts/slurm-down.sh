#!/usr/bin/env bash
# slurm-down.sh — stop the cluster scripts/slurm-up.sh started: cancel its jobs, then stop
# slurmd, slurmctld and munged by the PIDs recorded in $ABLATE_SLURM_DIR/pids (never by
# name). ABLATE_SLURM_PURGE=1 also removes the folder.
set -uo pipefail
D=${ABLATE_SLURM_DIR:-/tmp/ablate-slurm}
[ -f "$D/pids" ] || { echo "slurm-down: nothing started in $D" >&2; exit 0; }

# A PID is ours only while /proc says it still runs the daemon we recorded (PIDs get reused).
ours() { tr '\0' ' ' < "/proc/$2/cmdline" 2>/dev/null | grep -q "$1"; }
stop() {
  local name=$1 pid=$2
  { kill -0 "$pid" 2>/dev/null && ours "$name" "$pid"; } || return 0
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "slurm-down: $name ($pid) ignored SIGTERM for 10 s; SIGKILL" >&2
  kill -KILL "$pid"
}

# Jobs first, so that no job step outlives slurmd.
export SLURM_CONF="$D/slurm.conf"
if scontrol ping 2>/dev/null | grep -q 'is UP'; then
  scancel --full --user="$(id -un)" 2>/dev/null
  for _ in $(seq 150); do [ -z "$(squeue -h -t PD,R,CG,S -o %i 2>/dev/null)" ] && break; sleep 0.2; done
fi
# Reverse start order; munged last (the others talk to it while shutting down).
for name in slurmd slurmctld munged; do
  pid=$(awk -v n="$name" '$1==n {print $2}' "$D/pids" | tail -1)
  [ -n "$pid" ] && stop "$name" "$pid"
done
rm -f "$D/pids"
[ "${ABLATE_SLURM_PURGE:-0}" = 1 ] && rm -rf "$D"
exit 0
