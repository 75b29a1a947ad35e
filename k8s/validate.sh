#!/usr/bin/env bash
# Renders every overlay under k8s/overlays with `kubectl kustomize` (offline, no cluster needed) and prints what
# each one contains. With --server, also asks the current cluster to validate them (kubectl apply --dry-run=server;
# needs the Strimzi and KEDA CRDs installed there).
#
# Needs kubectl 1.21 or later (kustomize v4+; the overlays use the `patches` field). Debian bookworm's
# kubernetes-client package (kubectl 1.20, kustomize v2) is too old. The Maven test suite does not need this
# script: it renders every overlay with `kubectl kustomize` itself and checks the objects against the Kubernetes
# model (src/test/java/io/whisulbridge/deploy).
set -euo pipefail

cd "$(dirname "$0")"
server=false
[[ "${1:-}" == "--server" ]] && server=true

if ! command -v kubectl > /dev/null; then
  echo "kubectl not found; install kubectl 1.21+ (./mvnw -B verify needs it too)" >&2
  exit 2
fi

status=0
for overlay in overlays/*/; do
  overlay=${overlay%/}
  if out=$(kubectl kustomize "$overlay" 2>&1); then
    kinds=$(printf '%s\n' "$out" | awk '/^kind: /{print $2}' | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')
    echo "ok    $overlay: ${kinds%, }"
    if $server; then
      kubectl apply --dry-run=server -k "$overlay" > /dev/null || status=1
    fi
  else
    echo "FAIL  $overlay" >&2
    printf '%s\n' "$out" >&2
    status=1
  fi
done
exit $status
