#!/bin/sh
# The canary of Airlock's enforcement probe. The probe Job creates it in the contained namespace with the
# labels the isolation policy selects, so the policy applies to it exactly as to the suspect; it then reports,
# round after round, what it can still reach. The probe Job reads those reports with `kubectl logs` and checks
# ingress to it from outside.
#
# Static: every input comes from the environment, set from validated values in the canary's manifest.
#   AIRLOCK_PORT            TCP port of the echo server the ingress check connects to
#   AIRLOCK_EGRESS_TARGETS  space-separated "ip:port" or "[ipv6]:port" the containment must keep it from
#   AIRLOCK_DNS_NAME        a name to resolve
#   KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT   (set by the kubelet) the API service: always a target
#
# Output, one line per check, each round ending with an "end" line:
#   airlock-canary round=N check=listen result=ok|failed        (the echo server answers on loopback)
#   airlock-canary round=N check=egress target=T result=open|blocked
#   airlock-canary round=N check=dns name=NAME result=resolved|failed
#   airlock-canary round=N end

set -u
set -f

refuse() {
  printf 'airlock-canary: refusing %s: %s\n' "$1" "$2" >&2
  exit 2
}

port=${AIRLOCK_PORT:-}
targets=${AIRLOCK_EGRESS_TARGETS:-}
dns_name=${AIRLOCK_DNS_NAME:-}
case $port in
  '' | *[!0-9]*) refuse AIRLOCK_PORT 'not a port number' ;;
esac
case $targets in
  *[!0-9A-Fa-f.:\[\]\ ]*) refuse AIRLOCK_EGRESS_TARGETS 'not a list of ip:port' ;;
esac
case $dns_name in
  '' | *[!a-z0-9.-]*) refuse AIRLOCK_DNS_NAME 'not a DNS name' ;;
esac
api_host=${KUBERNETES_SERVICE_HOST:-}
api_port=${KUBERNETES_SERVICE_PORT:-}
if [ -n "$api_host" ] && [ -n "$api_port" ]; then
  case $api_host in
    *:*) api_host="[$api_host]" ;;
  esac
  case "$api_host:$api_port" in
    *[!0-9A-Fa-f.:\[\]]*) ;;
    *) targets="$api_host:$api_port${targets:+ $targets}" ;;
  esac
fi

say() {
  printf 'airlock-canary round=%s %s\n' "$round" "$*"
}

# Echo server: each connection gets back what it sent (BusyBox nc, or socat).
(
  while :; do
    nc -lk -p "$port" -e cat 2>/dev/null || socat "TCP-LISTEN:$port,fork,reuseaddr" EXEC:cat 2>/dev/null || sleep 1
  done
) &

# A bounded lookup: GNU and recent BusyBox take `timeout SECS`, BusyBox before 1.30 `timeout -t SECS`.
if timeout 5 true >/dev/null 2>&1; then
  resolve() { timeout 5 nslookup "$1" >/dev/null 2>&1; }
elif timeout -t 5 true >/dev/null 2>&1; then
  resolve() { timeout -t 5 nslookup "$1" >/dev/null 2>&1; }
else
  resolve() { nslookup "$1" >/dev/null 2>&1; }
fi

round=0
while :; do
  round=$((round + 1))
  token="airlock-canary-$round"
  if [ "$(printf '%s\n' "$token" | nc -w 2 127.0.0.1 "$port" 2>/dev/null)" = "$token" ]; then
    say check=listen result=ok
  else
    say check=listen result=failed
  fi
  for target in $targets; do
    host=${target%:*}
    host=${host#\[}
    host=${host%\]}
    if nc -z -w 2 "$host" "${target##*:}" </dev/null >/dev/null 2>&1; then
      say check=egress "target=$target" result=open
    else
      say check=egress "target=$target" result=blocked
    fi
  done
  if resolve "$dns_name"; then
    say check=dns "name=$dns_name" result=resolved
  else
    say check=dns "name=$dns_name" result=failed
  fi
  say end
  sleep 2
done
