#!/bin/sh
# Airlock's look inside a suspect pod. Runs in an ephemeral debug container of the forensic image that the
# capture Job adds with `kubectl debug --target <container>`: it shares the target container's process
# namespace (so `ps` and /proc list the suspect's processes) and, like every container of the pod, its network
# namespace (so ss, netstat and /proc/net list the pod's sockets). It reads only the kernel's tables: it
# sends nothing over the network, and the capture Job reads its output back with `kubectl logs` (kubelet, API
# server), so an isolation policy already in place does not stop it.
#
# Static, with no input. Prints sections headed "===== <what>" to stdout. As a non-root user (the
# `restricted` profile) it sees every process's command line but not other users' open files or socket
# owners; the sections say what could not be read.

section() {
  printf '\n===== %s\n' "$1"
}

section 'date (UTC)'
date -u +%Y-%m-%dT%H:%M:%SZ
section 'id'
id 2>&1
section 'uname'
uname -a 2>&1
section 'ps'
ps -eo pid,ppid,user,stat,etime,time,args 2>/dev/null || ps -ef 2>/dev/null || ps 2>&1
section 'processes (/proc/<pid>: ppid, uid, exe, cmdline)'
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ -r "$p/status" ] || continue
  ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "$p/status" 2>/dev/null)
  uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "$p/status" 2>/dev/null)
  exe=$(readlink "$p/exe" 2>/dev/null || printf '(unreadable)')
  cmdline=$(tr '\000' ' ' <"$p/cmdline" 2>/dev/null)
  printf '%s\t%s\t%s\t%s\t%s\n' "$pid" "$ppid" "$uid" "$exe" "$cmdline"
done
section 'sockets (ss -tuanpe)'
ss -tuanpe 2>&1 || netstat -tuanpe 2>&1 || netstat -tuan 2>&1 || printf 'neither ss nor netstat is available\n'
section 'unix sockets (ss -xanp)'
ss -xanp 2>&1 || netstat -xan 2>&1 || printf 'neither ss nor netstat is available\n'
for table in tcp tcp6 udp udp6 raw raw6 unix packet; do
  section "/proc/net/$table"
  cat "/proc/net/$table" 2>&1
done
section 'open files (/proc/<pid>/fd)'
for p in /proc/[0-9]*; do
  [ -d "$p/fd" ] || continue
  for fd in "$p"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    printf '%s\t%s\t%s\n' "${p#/proc/}" "${fd##*/}" "$target"
  done
done
section 'end'
