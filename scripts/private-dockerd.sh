#!/usr/bin/env bash
# Starts (or finds) a private dockerd beside the system one, so that several checkouts can run the
# integration and end-to-end tests at the same time without seeing each other's containers.
#
#   eval "$(bash scripts/private-dockerd.sh NAME N)"    # N in 1..9 picks the bridge subnet 10.20N.0.0/16
#   bash scripts/fixtures/build-images.sh --alias-ubuntu --alias-exasol
#   npm test
#
# Prints the two variables the tests read: DOCKER_HOST (the app under test) and AILAB_TEST_DOCKER_SOCKET
# (the tests' own client). Needs root. Its own data root, exec root, pid file and bridge (never
# `--bridge none`: that dockerd would delete docker0 and break the system engine's networking).
set -euo pipefail
NAME=${1:?usage: private-dockerd.sh NAME N}
N=${2:?usage: private-dockerd.sh NAME N}
BR="br-$NAME"
RUN="/run/ailab-$NAME"
SOCK="$RUN/docker.sock"
mkdir -p "$RUN" "/var/lib/ailab-$NAME"
if ! ip link show "$BR" >/dev/null 2>&1; then
  ip link add "$BR" type bridge
  ip addr add "10.20$N.0.1/16" dev "$BR"
  ip link set "$BR" up
fi
if ! DOCKER_HOST="unix://$SOCK" docker info >/dev/null 2>&1; then
  setsid dockerd --data-root "/var/lib/ailab-$NAME" --exec-root "$RUN/exec" --pidfile "$RUN/dockerd.pid" \
    -H "unix://$SOCK" --iptables=false --ip-masq=false --bridge "$BR" >"/var/log/ailab-$NAME-dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 60); do DOCKER_HOST="unix://$SOCK" docker info >/dev/null 2>&1 && break; sleep 1; done
fi
DOCKER_HOST="unix://$SOCK" docker info >/dev/null
echo "export DOCKER_HOST=unix://$SOCK AILAB_TEST_DOCKER_SOCKET=$SOCK"
