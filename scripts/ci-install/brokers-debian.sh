#!/usr/bin/env bash
# Redis and RabbitMQ for the broker tests, from Debian's packages. The test harness (test/brokers/redis.ts,
# test/brokers/rabbitmq.ts) runs its own private processes on loopback with their own ports, node name, epmd port and
# temp dirs, so the packages' system services are not needed: the install is kept from starting them (policy-rc.d),
# and a system RabbitMQ or Redis that does run cannot clash with the tests. Idempotent: returns at once when both
# binaries are there.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 && [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  echo "brokers: redis-server and rabbitmq-server already installed"
  exit 0
fi

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "${policy}" ]; then
  printf '#!/bin/sh\nexit 101\n' >"${policy}"
  chmod +x "${policy}"
  own_policy=1
fi
cleanup() { if [ "${own_policy}" = 1 ]; then rm -f "${policy}"; fi; }
trap cleanup EXIT

apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server rabbitmq-server
redis-server --version
dpkg-query -W -f='rabbitmq-server ${Version}\n' rabbitmq-server
