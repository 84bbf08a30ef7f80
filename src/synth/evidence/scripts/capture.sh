#!/bin/sh
# Airlock evidence capture. Runs in the capture Job (an Argo CD PreSync hook) before the containment syncs,
# under a ServiceAccount that may read only the suspect pod, its logs and the namespace's events (and add an
# ephemeral container to that one pod when connection capture is on).
#
# This file is static: it names no incident, namespace, pod or container. Every input comes from the
# environment, which the Job sets from values Airlock validated; each is checked again here, every expansion
# is quoted, and no input is ever evaluated as code. Nothing here uses the suspect pod's network: logs come
# from the kubelet through the API server, and the debug container's output is read back the same way.
#
# Inputs (environment)
#   AIRLOCK_INCIDENT             incident id: letters, digits and "-"
#   AIRLOCK_NAMESPACE            namespace of the suspect pod
#   AIRLOCK_POD                  the suspect pod
#   AIRLOCK_CONTAINER            container the debug container targets; empty: the pod's first container
#   AIRLOCK_CAPTURE_LOGS         "true" or "false"
#   AIRLOCK_CAPTURE_CONNECTIONS  "true" or "false"
#   AIRLOCK_DEBUG_IMAGE          image of the debug container, pinned by digest
#   AIRLOCK_DEBUG_PROFILE        kubectl debug --profile: restricted, baseline or general
#   AIRLOCK_INSPECT_SCRIPT       file holding the program the debug container runs
#   AIRLOCK_TIMEOUT_SECONDS      how long the debug container may take to finish
#   AIRLOCK_DESTINATION          "pvc" or "s3"
#   AIRLOCK_OUTPUT_ROOT          where the run's folder is written: the mounted claim, or scratch space (s3)
#   AIRLOCK_PVC_CLAIM            (pvc) name of the claim, for the recorded location
#   AIRLOCK_S3_ENDPOINT, AIRLOCK_S3_BUCKET, AIRLOCK_S3_PREFIX   (s3) where the run's folder is uploaded
#   AIRLOCK_RESULT_CONFIGMAP     ConfigMap, in AIRLOCK_RESULT_NAMESPACE, that receives the outcome
#   AIRLOCK_RESULT_NAMESPACE
#   AIRLOCK_FAIL_ON_ERROR        "true": exit 1 when a step failed; "false": record it and exit 0
#   AIRLOCK_JOB_POD              name of the Job's own pod (from the downward API), to tell runs apart
#
# Output: <root>/<incident>/<namespace>/<pod>/<run>/ holding pod.yaml, images.tsv, logs/<container>.log,
# logs/<container>.previous.log, events.yaml, processes-and-sockets.txt, capture.log and SHA256SUMS (sha256sum
# format, paths relative to the folder; `sha256sum -c SHA256SUMS` there verifies it). The outcome goes to the
# result ConfigMap (keys status, run, captured-at, location, manifest-sha256, files, failed-steps) and to
# stdout as one line starting with "airlock-capture ".
#
# Exit status: 0 captured, or failures recorded while AIRLOCK_FAIL_ON_ERROR is false; 1 a step failed and
# AIRLOCK_FAIL_ON_ERROR is true; 2 an input was refused and nothing was run.

set -u
set -f
umask 027
LC_ALL=C
export LC_ALL

refuse() {
  printf 'airlock-capture: refusing %s: %s\n' "$1" "$2" >&2
  exit 2
}

# A DNS-1123 label: a namespace or container name.
is_label() {
  case $1 in
    '' | *[!a-z0-9-]* | -* | *-) return 1 ;;
  esac
  [ "${#1}" -le 63 ]
}

# A DNS-1123 subdomain: a pod, claim or ConfigMap name.
is_name() {
  case $1 in
    '' | *[!a-z0-9.-]* | [.-]* | *[.-] | *..* | *.-* | *-.*) return 1 ;;
  esac
  [ "${#1}" -le 253 ]
}

is_bool() {
  [ "$1" = true ] || [ "$1" = false ]
}

incident=${AIRLOCK_INCIDENT:-}
namespace=${AIRLOCK_NAMESPACE:-}
pod=${AIRLOCK_POD:-}
container=${AIRLOCK_CONTAINER:-}
capture_logs=${AIRLOCK_CAPTURE_LOGS:-true}
capture_connections=${AIRLOCK_CAPTURE_CONNECTIONS:-false}
debug_image=${AIRLOCK_DEBUG_IMAGE:-}
debug_profile=${AIRLOCK_DEBUG_PROFILE:-restricted}
inspect_script=${AIRLOCK_INSPECT_SCRIPT:-}
timeout_seconds=${AIRLOCK_TIMEOUT_SECONDS:-300}
destination=${AIRLOCK_DESTINATION:-}
root=${AIRLOCK_OUTPUT_ROOT:-}
claim=${AIRLOCK_PVC_CLAIM:-}
s3_endpoint=${AIRLOCK_S3_ENDPOINT:-}
s3_bucket=${AIRLOCK_S3_BUCKET:-}
s3_prefix=${AIRLOCK_S3_PREFIX:-}
result_configmap=${AIRLOCK_RESULT_CONFIGMAP:-}
result_namespace=${AIRLOCK_RESULT_NAMESPACE:-}
fail_on_error=${AIRLOCK_FAIL_ON_ERROR:-false}
job_pod=${AIRLOCK_JOB_POD:-}

case $incident in
  '' | *[!A-Za-z0-9-]* | -* | *-) refuse AIRLOCK_INCIDENT 'not an incident id' ;;
esac
[ "${#incident}" -le 40 ] || refuse AIRLOCK_INCIDENT 'longer than 40 characters'
is_label "$namespace" || refuse AIRLOCK_NAMESPACE 'not a namespace name'
is_name "$pod" || refuse AIRLOCK_POD 'not a pod name'
[ -z "$container" ] || is_label "$container" || refuse AIRLOCK_CONTAINER 'not a container name'
is_bool "$capture_logs" || refuse AIRLOCK_CAPTURE_LOGS 'not true or false'
is_bool "$capture_connections" || refuse AIRLOCK_CAPTURE_CONNECTIONS 'not true or false'
is_bool "$fail_on_error" || refuse AIRLOCK_FAIL_ON_ERROR 'not true or false'
case $timeout_seconds in
  '' | *[!0-9]*) refuse AIRLOCK_TIMEOUT_SECONDS 'not a number of seconds' ;;
esac
if [ "$capture_connections" = true ]; then
  case $debug_image in
    *[!A-Za-z0-9._/:@-]* | *@sha256:*[!0-9a-f]*) refuse AIRLOCK_DEBUG_IMAGE 'not an image reference' ;;
    *@sha256:*) ;;
    *) refuse AIRLOCK_DEBUG_IMAGE 'not pinned by digest' ;;
  esac
  case $debug_profile in
    restricted | baseline | general) ;;
    *) refuse AIRLOCK_DEBUG_PROFILE 'not restricted, baseline or general' ;;
  esac
  [ -f "$inspect_script" ] || refuse AIRLOCK_INSPECT_SCRIPT 'not a file'
fi
case $destination in
  pvc) is_name "$claim" || refuse AIRLOCK_PVC_CLAIM 'not a claim name' ;;
  s3)
    case $s3_endpoint in
      *[!A-Za-z0-9.:/_~-]*) refuse AIRLOCK_S3_ENDPOINT 'not a URL' ;;
      http://?* | https://?*) ;;
      *) refuse AIRLOCK_S3_ENDPOINT 'not an http(s) URL' ;;
    esac
    case $s3_bucket in
      '' | *[!a-z0-9.-]*) refuse AIRLOCK_S3_BUCKET 'not a bucket name' ;;
    esac
    case $s3_prefix in
      *[!A-Za-z0-9._/-]* | /* | *..*) refuse AIRLOCK_S3_PREFIX 'not a key prefix' ;;
    esac
    ;;
  *) refuse AIRLOCK_DESTINATION 'not pvc or s3' ;;
esac
case $root in
  /*) [ -d "$root" ] || refuse AIRLOCK_OUTPUT_ROOT 'not a directory' ;;
  *) refuse AIRLOCK_OUTPUT_ROOT 'not an absolute path' ;;
esac
is_name "$result_configmap" || refuse AIRLOCK_RESULT_CONFIGMAP 'not a ConfigMap name'
is_label "$result_namespace" || refuse AIRLOCK_RESULT_NAMESPACE 'not a namespace name'

now() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

# Every API call is bounded, so a hung API server cannot hold the containment back past the Job's deadline.
k() {
  kubectl --request-timeout=30s "$@"
}

started=$(now)
run=$(date -u +%Y%m%dT%H%M%SZ)
# The Job's pod name makes runs that start in the same second distinct.
if is_name "$job_pod"; then
  run="$run-${job_pod##*-}"
fi
relative="$incident/$namespace/$pod/$run"
dir="$root/$relative"
log_file="$dir/capture.log"
failed_steps=''
status=complete
files=0
manifest_sha256=''

log() {
  line="$(now) $*"
  printf '%s\n' "$line" >&2
  if [ -n "$log_file" ]; then
    printf '%s\n' "$line" >>"$log_file"
  fi
}

failed() {
  failed_steps="${failed_steps:+$failed_steps }$1"
  log "FAILED $1"
}

# step NAME FILE COMMAND...: runs COMMAND with its output in FILE; a failure is recorded, not fatal.
step() {
  step_name=$1
  step_file=$2
  shift 2
  if "$@" >"$step_file" 2>>"$log_file"; then
    log "ok $step_name"
    return 0
  fi
  failed "$step_name"
  return 1
}

# shellcheck disable=SC2317 # called through step
images() {
  printf 'kind\tcontainer\timage\timageID\n'
  k get pod --namespace "$namespace" "$pod" --output 'jsonpath={range .status.initContainerStatuses[*]}init{"\t"}{.name}{"\t"}{.image}{"\t"}{.imageID}{"\n"}{end}{range .status.containerStatuses[*]}container{"\t"}{.name}{"\t"}{.image}{"\t"}{.imageID}{"\n"}{end}{range .status.ephemeralContainerStatuses[*]}ephemeral{"\t"}{.name}{"\t"}{.image}{"\t"}{.imageID}{"\n"}{end}'
}

capture_logs_of() {
  names=$(k get pod --namespace "$namespace" "$pod" --output 'jsonpath={range .spec.initContainers[*]}{.name}{"\n"}{end}{range .spec.containers[*]}{.name}{"\n"}{end}{range .spec.ephemeralContainers[*]}{.name}{"\n"}{end}' 2>>"$log_file") || {
    failed container-names
    return
  }
  for name in $names; do
    if ! is_label "$name"; then
      failed "logs-of-an-unexpected-container-name"
      continue
    fi
    step "logs/$name.log" "$dir/logs/$name.log" k logs --namespace "$namespace" "$pod" --container "$name" --timestamps
    # Most containers have no previous instance: that is not a failure.
    if k logs --namespace "$namespace" "$pod" --container "$name" --timestamps --previous >"$dir/logs/$name.previous.log" 2>/dev/null; then
      log "ok logs/$name.previous.log"
    else
      rm -f "$dir/logs/$name.previous.log"
      log "no previous instance of $name"
    fi
  done
}

capture_connections_of() {
  target=$container
  if [ -z "$target" ]; then
    target=$(k get pod --namespace "$namespace" "$pod" --output 'jsonpath={.spec.containers[0].name}' 2>>"$log_file")
  fi
  if ! is_label "$target"; then
    failed processes-and-sockets.txt
    return
  fi
  debugger="airlock-$(date -u +%Y%m%d%H%M%S)"
  program=$(cat "$inspect_script")
  log "starting debug container $debugger (profile $debug_profile) targeting $target"
  if ! k debug --namespace "$namespace" "$pod" --image "$debug_image" --target "$target" --container "$debugger" --profile "$debug_profile" --attach=false --quiet -- sh -c "$program" >>"$log_file" 2>&1; then
    failed processes-and-sockets.txt
    return
  fi
  waited=0
  reason=''
  while [ "$waited" -lt "$timeout_seconds" ]; do
    reason=$(k get pod --namespace "$namespace" "$pod" --output "jsonpath={.status.ephemeralContainerStatuses[?(@.name==\"$debugger\")].state.terminated.reason}" 2>>"$log_file")
    [ -n "$reason" ] && break
    sleep 2
    waited=$((waited + 2))
  done
  if [ -z "$reason" ]; then
    log "debug container $debugger did not finish within $timeout_seconds seconds"
    failed processes-and-sockets.txt
    return
  fi
  log "debug container $debugger finished: $reason"
  step processes-and-sockets.txt "$dir/processes-and-sockets.txt" k logs --namespace "$namespace" "$pod" --container "$debugger"
}

# The manifest is assembled outside the folder, so listing the folder never sees it half written.
write_manifest() (
  cd "$dir" || exit 1
  manifest=$(mktemp) || exit 1
  find . -type f | sed 's|^\./||' | sort | while IFS= read -r file; do
    sha256sum -- "$file" || exit 1
  done >"$manifest" || exit 1
  mv -- "$manifest" SHA256SUMS
)

if ! mkdir -p "$dir/logs"; then
  log_file=''
  status=failed
  failed destination-not-writable
else
  log "capture of $namespace/$pod for $incident, run $run"
  if step pod.yaml "$dir/pod.yaml" k get pod --namespace "$namespace" "$pod" --ignore-not-found --output yaml; then
    if [ ! -s "$dir/pod.yaml" ]; then
      status='pod-not-found'
      log "pod $namespace/$pod does not exist: recording its events only"
    fi
  else
    status=failed
  fi
  if [ "$status" = complete ]; then
    step images.tsv "$dir/images.tsv" images
    [ "$capture_logs" = true ] && capture_logs_of
    [ "$capture_connections" = true ] && capture_connections_of
  fi
  step events.yaml "$dir/events.yaml" k get events --namespace "$namespace" --field-selector "involvedObject.kind=Pod,involvedObject.name=$pod" --output yaml
  if [ "$status" = complete ] && [ -n "$failed_steps" ]; then
    status=partial
  fi
  log "capture finished: $status${failed_steps:+ (failed: $failed_steps)}"
  # Nothing is written into the folder after its manifest.
  log_file=''
  if write_manifest; then
    manifest_sha256=$(sha256sum "$dir/SHA256SUMS" | cut -d ' ' -f 1)
    files=$(wc -l <"$dir/SHA256SUMS" | tr -d ' ')
  else
    failed SHA256SUMS
    status=failed
  fi
fi

location=''
if [ "$destination" = pvc ]; then
  location="pvc://$claim/$relative"
elif [ "$status" != failed ]; then
  location="s3://$s3_bucket/$s3_prefix$relative"
  # The manifest goes last: a complete manifest in the bucket means every file it lists was uploaded.
  if aws --endpoint-url "$s3_endpoint" s3 cp --recursive --only-show-errors --exclude SHA256SUMS "$dir/" "$location/" &&
    aws --endpoint-url "$s3_endpoint" s3 cp --only-show-errors "$dir/SHA256SUMS" "$location/SHA256SUMS"; then
    log "uploaded to $location"
  else
    failed upload
    status=failed
  fi
fi

result=$(mktemp -d) || result=''
if [ -n "$result" ]; then
  printf '%s' "$status" >"$result/status"
  printf '%s' "$run" >"$result/run"
  printf '%s' "$started" >"$result/captured-at"
  printf '%s' "$location" >"$result/location"
  printf '%s' "$manifest_sha256" >"$result/manifest-sha256"
  printf '%s' "$files" >"$result/files"
  printf '%s' "$failed_steps" >"$result/failed-steps"
  if ! k create configmap "$result_configmap" --namespace "$result_namespace" \
    --from-file=status="$result/status" --from-file=run="$result/run" --from-file=captured-at="$result/captured-at" \
    --from-file=location="$result/location" --from-file=manifest-sha256="$result/manifest-sha256" \
    --from-file=files="$result/files" --from-file=failed-steps="$result/failed-steps" \
    --dry-run=client --output yaml | k apply --server-side --force-conflicts --field-manager=airlock-capture --filename - >&2; then
    failed result-configmap
  fi
fi

printf 'airlock-capture incident=%s pod=%s/%s status=%s run=%s location=%s manifest-sha256=%s files=%s failed=%s\n' \
  "$incident" "$namespace" "$pod" "$status" "$run" "$location" "$manifest_sha256" "$files" "$failed_steps"

if [ "$fail_on_error" = true ] && { [ -n "$failed_steps" ] || [ "$status" = failed ]; }; then
  exit 1
fi
exit 0
