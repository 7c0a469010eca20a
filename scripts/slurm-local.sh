#!/bin/bash
# A real single-node SLURM on this machine, for dbuild's tests and for trying the SLURM backend.
#
#   scripts/slurm-local.sh start [--max-array-size N] [--max-job-count N]   # idempotent
#   scripts/slurm-local.sh stop
#   scripts/slurm-local.sh status
#
# Installs slurm-wlm and munge when missing (Debian), writes /etc/slurm/slurm.conf, starts munged,
# slurmctld and slurmd as plain daemons (no systemd), and waits until the node is idle. A start with
# different limits restarts slurmctld (MaxArraySize and MaxJobCount need a restart to take effect).
set -euo pipefail

state=/var/lib/dbuild-slurm
run=/run/dbuild-slurm
logs=/var/log/dbuild-slurm
conf=/etc/slurm/slurm.conf

max_array=1001
max_jobs=10000

install_packages() {
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        apt-get update -qq
        apt-get install -y -qq -o DPkg::Lock::Timeout=600 slurm-wlm munge >/dev/null
    fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
    mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    fi
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        setsid runuser -u munge -- munged -F >/dev/null 2>&1 < /dev/null &
        for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    munge -n | unmunge >/dev/null
}

write_config() {
    local host cpus memory
    host=$(hostname -s)
    memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    # Partition "urgent" preempts (requeues) jobs of the default partition "debug": fault tests use it
    # to preempt dbuild's tasks as a busy cluster would.
    # Advertise 8 CPUs on the 2-core machine: tasks start in scheduling passes that only fill free
    # CPUs, and the tests' recipes are tiny (see the SLURM notes: 2 tasks/s otherwise).
    cpus=8
    mkdir -p /etc/slurm "$state/ctld" "$state/d" "$run" "$logs"
    cat > "$conf.new" <<CONF
ClusterName=dbuildtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((memory / cpus))
SchedulerParameters=batch_sched_delay=0,sched_interval=2
DependencyParameters=kill_invalid_depend
KillWait=5
AuthInfo=cred_expire=30
MailProg=/bin/true
MinJobAge=300
MaxArraySize=$max_array
MaxJobCount=$max_jobs
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=urgent Nodes=$host MaxTime=INFINITE State=UP PriorityTier=10
CONF
    if cmp -s "$conf.new" "$conf"; then rm "$conf.new"; return 1; fi
    mv "$conf.new" "$conf"
    return 0
}

stop_daemon() {
    local pidfile=$1
    pid_alive "$pidfile" || return 0
    local pid; pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

start() {
    install_packages
    start_munge
    local changed=0
    write_config && changed=1
    if [ "$changed" = 1 ]; then stop_daemon "$run/slurmctld.pid"; fi
    pid_alive "$run/slurmctld.pid" || slurmctld
    pid_alive "$run/slurmd.pid" || slurmd
    for _ in $(seq 100); do
        if sinfo -h -o "%T" 2>/dev/null | grep -qE "^(idle|mixed|allocated)"; then
            echo "slurm is up: $(sinfo -h -o '%P %D %T %c cpus')  MaxArraySize=$max_array MaxJobCount=$max_jobs"
            return 0
        fi
        scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
        sleep 0.2
    done
    echo "slurm did not come up; see $logs" >&2
    exit 1
}

case "${1:-}" in
    start)
        shift
        while [ $# -gt 0 ]; do
            case "$1" in
                --max-array-size) max_array=$2; shift 2 ;;
                --max-job-count) max_jobs=$2; shift 2 ;;
                *) echo "unknown option $1" >&2; exit 2 ;;
            esac
        done
        start ;;
    stop)
        stop_daemon "$run/slurmd.pid"
        stop_daemon "$run/slurmctld.pid" ;;
    status)
        sinfo; squeue ;;
    restart-controller)
        # For fault tests: slurmctld goes away for a while (default 5 s) and comes back, recovering
        # its saved state; slurmd and the running jobs carry on meanwhile.
        stop_daemon "$run/slurmctld.pid"
        sleep "${2:-5}"
        slurmctld
        for _ in $(seq 100); do sinfo -h >/dev/null 2>&1 && exit 0; sleep 0.2; done
        echo "slurmctld did not come back; see $logs" >&2; exit 1 ;;
    *)
        echo "usage: $0 start [--max-array-size N] [--max-job-count N] | stop | status | restart-controller [seconds]" >&2; exit 2 ;;
esac
