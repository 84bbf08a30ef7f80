#!/bin/sh
# Airlock's post-sync enforcement probe. A policy object existing in the cluster is not proof that the CNI
# enforces it (kindnet accepts NetworkPolicies and enforces nothing; some CNIs spare established flows), so
# after each sync this Job (an Argo CD PostSync hook) starts a canary pod that carries the labels the isolation
# selects, in the contained namespace, and checks that:
#   - the canary cannot reach the API service nor any other egress target (each also tried from this Job, so
#     "blocked" means the policy, not an unreachable target);
#   - this Job cannot reach the canary's echo server (unless the action leaves ingress alone);
#   - DNS resolves when the action's profile allows it, and does not when the profile is "none".
# It retries until the containment holds or the timeout passes (CNIs program policies asynchronously, and
# under Flux the policy may land after the Job starts), then writes the verdict to its log and to the result
# ConfigMap, deletes the canary, and exits 0 only when the containment is enforced.
#
# Static: every input comes from the environment, set from validated values, and is checked again here.
#   AIRLOCK_INCIDENT          incident id
#   AIRLOCK_ACTION_INDEX      index of the action in the incident
#   AIRLOCK_NAMESPACE         the contained namespace, where the canary runs
#   AIRLOCK_CANARY            name of the canary pod
#   AIRLOCK_CANARY_MANIFEST   file holding the canary's manifest, with __AIRLOCK_ANCHOR_UID__ for its owner's uid
#   AIRLOCK_ANCHOR            ConfigMap in AIRLOCK_NAMESPACE that owns the canary (no ReplicaSet adopts a pod
#                             with a controller, and the canary is garbage-collected with it)
#   AIRLOCK_PORT              port of the canary's echo server
#   AIRLOCK_CHECK_INGRESS     "true" or "false" (egress-only actions leave ingress as it was)
#   AIRLOCK_EGRESS_TARGETS    space-separated "ip:port" / "[ipv6]:port" beside the API service
#   AIRLOCK_EGRESS_ALLOWS     the action's egress allows by CIDR, space-separated "cidr[!except...]@ports",
#                             ports "all" or "443,8000-8100" (TCP): a target they cover is not checked, since
#                             the containment deliberately lets it through (the API service may be inside one)
#   AIRLOCK_DNS_NAME          the name to resolve
#   AIRLOCK_DNS_EXPECT        "resolve" or "blocked"
#   AIRLOCK_TIMEOUT_SECONDS   how long the containment may take to hold
#   AIRLOCK_RESULT_CONFIGMAP  ConfigMap, in AIRLOCK_RESULT_NAMESPACE, that receives the verdict
#   AIRLOCK_RESULT_NAMESPACE
#
# Verdicts: enforced | not-enforced (something the containment must cut got through) | dns-broken (contained,
# but DNS the profile allows does not resolve) | inconclusive (the canary did not start, or a check could not
# be proven: a target this Job cannot reach either, an echo server that does not answer on loopback). Result ConfigMap keys: verdict, checked-at, checks (one line per check), canary, rounds.
# Exit status: 0 enforced; 1 any other verdict; 2 an input was refused and nothing was run.

set -u
set -f
LC_ALL=C
export LC_ALL

refuse() {
  printf 'airlock-probe: refusing %s: %s\n' "$1" "$2" >&2
  exit 2
}

is_label() {
  case $1 in
    '' | *[!a-z0-9-]* | -* | *-) return 1 ;;
  esac
  [ "${#1}" -le 63 ]
}

is_name() {
  case $1 in
    '' | *[!a-z0-9.-]* | [.-]* | *[.-] | *..* | *.-* | *-.*) return 1 ;;
  esac
  [ "${#1}" -le 253 ]
}

is_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
  esac
}

incident=${AIRLOCK_INCIDENT:-}
action=${AIRLOCK_ACTION_INDEX:-}
namespace=${AIRLOCK_NAMESPACE:-}
canary=${AIRLOCK_CANARY:-}
manifest=${AIRLOCK_CANARY_MANIFEST:-}
anchor=${AIRLOCK_ANCHOR:-}
port=${AIRLOCK_PORT:-}
check_ingress=${AIRLOCK_CHECK_INGRESS:-true}
targets=${AIRLOCK_EGRESS_TARGETS:-}
allows=${AIRLOCK_EGRESS_ALLOWS:-}
dns_name=${AIRLOCK_DNS_NAME:-}
dns_expect=${AIRLOCK_DNS_EXPECT:-}
timeout_seconds=${AIRLOCK_TIMEOUT_SECONDS:-120}
result_configmap=${AIRLOCK_RESULT_CONFIGMAP:-}
result_namespace=${AIRLOCK_RESULT_NAMESPACE:-}

case $incident in
  '' | *[!A-Za-z0-9-]* | -* | *-) refuse AIRLOCK_INCIDENT 'not an incident id' ;;
esac
is_number "$action" || refuse AIRLOCK_ACTION_INDEX 'not an action index'
is_label "$namespace" || refuse AIRLOCK_NAMESPACE 'not a namespace name'
is_name "$canary" || refuse AIRLOCK_CANARY 'not a pod name'
[ -f "$manifest" ] || refuse AIRLOCK_CANARY_MANIFEST 'not a file'
is_name "$anchor" || refuse AIRLOCK_ANCHOR 'not a ConfigMap name'
is_number "$port" || refuse AIRLOCK_PORT 'not a port number'
case $check_ingress in
  true | false) ;;
  *) refuse AIRLOCK_CHECK_INGRESS 'not true or false' ;;
esac
case $targets in
  *[!0-9A-Fa-f.:\[\]\ ]*) refuse AIRLOCK_EGRESS_TARGETS 'not a list of ip:port' ;;
esac
case $allows in
  *[!0-9A-Fa-fl.:/!@,\ -]*) refuse AIRLOCK_EGRESS_ALLOWS 'not a list of cidr@ports' ;;
esac
is_name "$dns_name" || refuse AIRLOCK_DNS_NAME 'not a DNS name'
case $dns_expect in
  resolve | blocked) ;;
  *) refuse AIRLOCK_DNS_EXPECT 'not resolve or blocked' ;;
esac
is_number "$timeout_seconds" || refuse AIRLOCK_TIMEOUT_SECONDS 'not a number of seconds'
is_name "$result_configmap" || refuse AIRLOCK_RESULT_CONFIGMAP 'not a ConfigMap name'
is_label "$result_namespace" || refuse AIRLOCK_RESULT_NAMESPACE 'not a namespace name'

# The API service, addressed exactly as the canary addresses it (it reads the same kubelet-set variables).
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

now() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

log() {
  printf '%s airlock-probe: %s\n' "$(now)" "$*" >&2
}

k() {
  kubectl --request-timeout=30s "$@"
}

seconds() {
  date -u +%s
}

started=$(now)
deadline=$(($(seconds) + timeout_seconds))
verdict=inconclusive
checks=''
rounds=0
canary_ip=''

add_check() {
  checks="${checks:+$checks
}$*"
}

cleanup() {
  k delete pod --namespace "$namespace" "$canary" --ignore-not-found --wait=false >/dev/null 2>&1
}

# ip4_int A.B.C.D: the address as an integer (fails on anything else).
ip4_int() {
  case $1 in
    '' | *[!0-9.]*) return 1 ;;
  esac
  saved_ifs=$IFS
  IFS=.
  # shellcheck disable=SC2086 # splitting on dots is the point; globbing is off
  set -- $1
  IFS=$saved_ifs
  [ "$#" -eq 4 ] || return 1
  for octet in "$@"; do
    [ "$octet" -le 255 ] 2>/dev/null || return 1
  done
  echo $((($1 << 24) + ($2 << 16) + ($3 << 8) + $4))
}

# in_cidr4 IP CIDR: whether an IPv4 address lies in an IPv4 CIDR.
in_cidr4() {
  address=$(ip4_int "$1") || return 1
  network=$(ip4_int "${2%/*}") || return 1
  bits=${2#*/}
  case $bits in
    '' | *[!0-9]*) return 1 ;;
  esac
  [ "$bits" -le 32 ] || return 1
  [ "$bits" -eq 0 ] && return 0
  mask=$(((0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF))
  [ $((address & mask)) -eq $((network & mask)) ]
}

# port_in PORT SPEC: SPEC is "all" or "443,8000-8100".
port_in() {
  [ "$2" = all ] && return 0
  saved_ifs=$IFS
  IFS=,
  for range in $2; do
    low=${range%-*}
    high=${range#*-}
    if [ "$1" -ge "$low" ] 2>/dev/null && [ "$1" -le "$high" ] 2>/dev/null; then
      IFS=$saved_ifs
      return 0
    fi
  done
  IFS=$saved_ifs
  return 1
}

# allowed_by HOST PORT: the allow (its CIDR) that lets the canary reach HOST:PORT, if any. IPv6 addresses are
# not matched here: any IPv6 allow counts as covering them, which leaves the target unchecked rather than
# failing a containment that works.
allowed_by() {
  for allow in $allows; do
    networks=${allow%@*}
    ports=${allow##*@}
    cidr=${networks%%!*}
    port_in "$2" "$ports" || continue
    case "$1/$cidr" in
      *:*/*:*)
        echo "$cidr"
        return 0
        ;;
      *:*) continue ;;
    esac
    in_cidr4 "$1" "$cidr" || continue
    excepted=false
    rest=${networks#"$cidr"}
    saved_ifs=$IFS
    IFS='!'
    for hole in $rest; do
      [ -n "$hole" ] && in_cidr4 "$1" "$hole" && excepted=true
    done
    IFS=$saved_ifs
    [ "$excepted" = true ] && continue
    echo "$cidr"
    return 0
  done
  return 1
}

# Value after PREFIX on the last line of the canary's round that starts with PREFIX (exact text, no regex).
reported() {
  printf '%s\n' "$round_lines" | awk -v want="$1" 'index($0, want) == 1 { value = substr($0, length(want) + 1) } END { print value }'
}

finish() {
  cleanup
  result=$(mktemp -d) || result=''
  if [ -n "$result" ]; then
    printf '%s' "$verdict" >"$result/verdict"
    printf '%s' "$started" >"$result/checked-at"
    printf '%s\n' "$checks" >"$result/checks"
    printf '%s' "$namespace/$canary${canary_ip:+ ($canary_ip)}" >"$result/canary"
    printf '%s' "$rounds" >"$result/rounds"
    k create configmap "$result_configmap" --namespace "$result_namespace" \
      --from-file=verdict="$result/verdict" --from-file=checked-at="$result/checked-at" --from-file=checks="$result/checks" \
      --from-file=canary="$result/canary" --from-file=rounds="$result/rounds" \
      --dry-run=client --output yaml | k apply --server-side --force-conflicts --field-manager=airlock-probe --filename - >&2 ||
      log 'could not write the result ConfigMap'
  fi
  printf 'airlock-probe incident=%s action=%s namespace=%s verdict=%s rounds=%s\n' "$incident" "$action" "$namespace" "$verdict" "$rounds"
  printf '%s\n' "$checks" | sed 's/^/  /'
  [ "$verdict" = enforced ]
  exit $?
}

trap 'cleanup; exit 1' INT TERM

# 1. The canary's owner: its uid goes into the manifest, after checking it is nothing but a uid.
uid=$(k get configmap --namespace "$namespace" "$anchor" --output 'jsonpath={.metadata.uid}' 2>/dev/null)
case $uid in
  '' | *[!0-9a-f-]*)
    add_check "canary not-started owner ConfigMap $namespace/$anchor not found"
    finish
    ;;
esac

# 2. A fresh canary: a leftover from an interrupted run is deleted first.
k delete pod --namespace "$namespace" "$canary" --ignore-not-found --wait=false >/dev/null 2>&1
while [ -n "$(k get pod --namespace "$namespace" "$canary" --ignore-not-found --output name 2>/dev/null)" ]; do
  [ "$(seconds)" -lt "$deadline" ] || break
  sleep 2
done
if ! sed "s/__AIRLOCK_ANCHOR_UID__/$uid/" "$manifest" | k create --filename - >&2; then
  add_check 'canary not-started the API server refused it (admission, quota or RBAC: see the log above)'
  finish
fi

# 3. Wait until it runs and has an address.
phase=''
while [ "$(seconds)" -lt "$deadline" ]; do
  state=$(k get pod --namespace "$namespace" "$canary" --output 'jsonpath={.status.phase} {.status.podIP}' 2>/dev/null)
  phase=${state%% *}
  canary_ip=${state#* }
  [ "$phase" = Running ] && [ -n "$canary_ip" ] && break
  [ "$phase" = Failed ] || [ "$phase" = Succeeded ] && break
  sleep 2
done
case $canary_ip in
  *[!0-9A-Fa-f.:]*) canary_ip='' ;;
esac
if [ "$phase" != Running ] || [ -z "$canary_ip" ]; then
  add_check "canary not-started phase ${phase:-unknown}"
  finish
fi
log "canary $namespace/$canary runs at $canary_ip"

# 4. Rounds: each pairs this Job's checks with the canary's latest complete report.
seen=0
while :; do
  canary_logs=$(k logs --namespace "$namespace" "$canary" --tail=500 2>/dev/null)
  latest=$(printf '%s\n' "$canary_logs" | sed -n 's/^airlock-canary round=\([0-9][0-9]*\) end$/\1/p' | tail -n 1)
  if [ -z "$latest" ] || [ "$latest" = "$seen" ]; then
    if [ "$(seconds)" -ge "$deadline" ]; then
      [ "$rounds" -gt 0 ] || add_check 'canary reported-nothing'
      finish
    fi
    sleep 2
    continue
  fi
  seen=$latest
  rounds=$((rounds + 1))
  round_lines=$(printf '%s\n' "$canary_logs" | awk -v want="airlock-canary round=$latest " 'index($0, want) == 1')
  checks=''
  not_enforced=0
  unproven=0
  proven=0
  dns_broken=0

  listen=$(reported "airlock-canary round=$latest check=listen result=")
  if [ "$check_ingress" = true ]; then
    ingress=blocked
    attempt=1
    while [ "$attempt" -le 3 ]; do
      token="airlock-probe-$latest-$attempt"
      if [ "$(printf '%s\n' "$token" | nc -w 3 "$canary_ip" "$port" 2>/dev/null)" = "$token" ]; then
        ingress=open
        break
      fi
      attempt=$((attempt + 1))
    done
    if [ "$ingress" = open ]; then
      not_enforced=1
      add_check "ingress $canary_ip:$port open (this Job reached the canary)"
    elif [ "$listen" = ok ]; then
      proven=$((proven + 1))
      add_check "ingress $canary_ip:$port blocked"
    else
      unproven=$((unproven + 1))
      add_check "ingress $canary_ip:$port unproven (the canary's echo server does not answer on loopback)"
    fi
  else
    add_check 'ingress not-checked (the action leaves ingress as it was)'
  fi

  for target in $targets; do
    result=$(reported "airlock-canary round=$latest check=egress target=$target result=")
    host=${target%:*}
    host=${host#\[}
    host=${host%\]}
    if covering=$(allowed_by "$host" "${target##*:}"); then
      add_check "egress $target not-checked (the action allows $covering)"
      continue
    fi
    if nc -z -w 2 "$host" "${target##*:}" </dev/null >/dev/null 2>&1; then control=reachable; else control=unreachable; fi
    case $result in
      open)
        not_enforced=1
        add_check "egress $target open (from the canary; control: $control from this Job)"
        ;;
      blocked)
        if [ "$control" = reachable ]; then
          proven=$((proven + 1))
          add_check "egress $target blocked"
        else
          unproven=$((unproven + 1))
          add_check "egress $target unproven (unreachable from this Job too)"
        fi
        ;;
      *)
        unproven=$((unproven + 1))
        add_check "egress $target unproven (the canary did not report it)"
        ;;
    esac
  done

  dns=$(reported "airlock-canary round=$latest check=dns name=$dns_name result=")
  case "$dns_expect/$dns" in
    resolve/resolved)
      proven=$((proven + 1))
      add_check "dns $dns_name resolved (the profile allows DNS)"
      ;;
    resolve/failed)
      dns_broken=1
      add_check "dns $dns_name failed (the profile allows DNS: is NodeLocal DNSCache in use without cluster+nodelocal?)"
      ;;
    blocked/failed)
      proven=$((proven + 1))
      add_check "dns $dns_name blocked (profile none)"
      ;;
    blocked/resolved)
      not_enforced=1
      add_check "dns $dns_name resolved (profile none: DNS must be cut)"
      ;;
    *)
      unproven=$((unproven + 1))
      add_check "dns $dns_name unproven (the canary did not report it)"
      ;;
  esac

  # Proof or nothing: one check that could not be proven makes the round inconclusive.
  if [ "$not_enforced" -eq 1 ]; then
    verdict='not-enforced'
  elif [ "$unproven" -gt 0 ] || [ "$proven" -eq 0 ]; then
    verdict=inconclusive
  elif [ "$dns_broken" -eq 1 ]; then
    verdict='dns-broken'
  else
    verdict=enforced
  fi
  log "round $rounds (canary round $latest): $verdict"
  [ "$verdict" = enforced ] && finish
  [ "$(seconds)" -lt "$deadline" ] || finish
  sleep 3
done
