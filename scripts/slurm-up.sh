#!/usr/bin/env bash
# slurm-up.sh — a private single-node Slurm cluster (Debian's slurmctld + slurmd + munge,
# 22.05) for ablate's cluster tests and for trying `ablate launch --slurm` on one machine.
#
#   scripts/slurm-up.sh               # configure and start (root; installs with apt if missing)
#   export SLURM_CONF=$(cat /tmp/ablate-slurm/conf-path)   # or: source /tmp/ablate-slurm/env.sh
#   scripts/slurm-down.sh             # stop exactly the daemons started here
#
# Every daemon listens on 127.0.0.1 only; all state (conf, munge key and socket, spool,
# logs, PIDs) lives in $ABLATE_SLURM_DIR (default /tmp/ablate-slurm). No systemd and no
# cgroups: process tracking by /proc (proctrack/linuxproc). Without slurmdbd there is no
# sacct: finished jobs stay visible in `scontrol show job` for MinJobAge seconds and are
# written to a jobcomp file.
# Knobs: ABLATE_SLURM_DIR, ABLATE_SLURMCTLD_PORT (6817), ABLATE_SLURMD_PORT (6818),
#        ABLATE_SLURM_INSTALL=0 (never apt-get), ABLATE_SLURM_OVERSUBSCRIBE (FORCE:4).
set -euo pipefail

D=${ABLATE_SLURM_DIR:-/tmp/ablate-slurm}
CTLD_PORT=${ABLATE_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${ABLATE_SLURMD_PORT:-6818}
# Several one-CPU tasks may share a core: tiny test runs are short, and a 2-core CI
# machine would otherwise run a 3-task array two by two.
OVERSUB=${ABLATE_SLURM_OVERSUBSCRIBE:-FORCE:4}
say() { echo "slurm-up: $*" >&2; }

[ "$(id -u)" = 0 ] || { say "must run as root (slurmd starts jobs as their users)"; exit 1; }

if ! { command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged; } >/dev/null 2>&1; then
  if [ "${ABLATE_SLURM_INSTALL:-1}" = 0 ]; then say "slurm/munge not installed (apt-get install slurmctld slurmd slurm-client munge)"; exit 1; fi
  say "installing slurmctld slurmd slurm-client munge with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

# Refuse a second start over live daemons of ours.
if [ -f "$D/pids" ]; then
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then say "already running ($name, pid $pid): scripts/slurm-down.sh first"; exit 1; fi
  done < "$D/pids"
  rm -f "$D/pids"
fi

rm -rf "$D/state" "$D/spool" "$D/log" "$D/munge"
mkdir -p "$D/state" "$D/spool" "$D/log" "$D/munge" "$D/run"
chmod 0755 "$D"; chmod 0700 "$D/state" "$D/spool"; chmod 0711 "$D/munge"

# munge with its own key and socket: /etc/munge and /run/munge stay untouched.
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$D/munge/munge.key"
SOCK="$D/munge/munge.socket"
# -F keeps munged in the foreground so that $! is its PID; --force accepts root and /tmp.
setsid munged -F --force --key-file="$D/munge/munge.key" --socket="$SOCK" \
  --pid-file="$D/munge/munged.pid" --log-file="$D/log/munged.log" --seed-file="$D/munge/seed" \
  </dev/null >>"$D/log/munged.out" 2>&1 &
echo "munged $!" >> "$D/pids"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null || { say "munge does not answer; see $D/log/munged.log"; exit 1; }

# The node as slurmd sees it: claiming more CPUs or memory would drain it.
HW=$(slurmd -C | head -1)
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$HW"; }
cat > "$D/slurm.conf" <<CONF
ClusterName=ablate
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
PlugStackConfig=$D/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
# scancel / time limit: SIGTERM, then SIGKILL after KillWait seconds (time to checkpoint).
KillWait=30
MinJobAge=600
MaxArraySize=10001
SlurmdTimeout=300
InactiveLimit=0
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$(field CPUs) Boards=1 SocketsPerBoard=$(field SocketsPerBoard) CoresPerSocket=$(field CoresPerSocket) ThreadsPerCore=$(field ThreadsPerCore) RealMemory=$(field RealMemory) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=$OVERSUB
CONF
: > "$D/plugstack.conf"
echo "export SLURM_CONF=$D/slurm.conf" > "$D/env.sh"
export SLURM_CONF="$D/slurm.conf"

setsid slurmctld -D -c -i -f "$SLURM_CONF" </dev/null >>"$D/log/slurmctld.out" 2>&1 &
echo "slurmctld $!" >> "$D/pids"
for _ in $(seq 300); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
scontrol ping | grep -q 'is UP' || { say "slurmctld did not come up; see $D/log/slurmctld.log"; exit 1; }

# -N: this container's hostname is not the NodeName.
setsid slurmd -D -c -N localhost -f "$SLURM_CONF" </dev/null >>"$D/log/slurmd.out" 2>&1 &
echo "slurmd $!" >> "$D/pids"
state=
for _ in $(seq 300); do
  state=$(sinfo -h -n localhost -o '%T' 2>/dev/null || true)
  [ "$state" = idle ] && break; sleep 0.2
done
[ "$state" = idle ] || { say "node not idle (state '$state'); see $D/log"; exit 1; }
say "up: $(sinfo -h -o '%P %D %T %c CPUs')  SLURM_CONF=$SLURM_CONF"
