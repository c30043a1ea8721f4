#!/bin/sh
# The Canvass image's entry point: `<service>` starts that service (gateway, polls, analytics,
# identity, notifications, billing, realtime, payment-provider) as the cluster tier's launcher
# does; `migrate` runs the migrations Job (deploy/kubernetes/migrate/migrate.ts).
set -eu
service="${1:-}"
case "$service" in
  migrate)
    exec node deploy/kubernetes/migrate/migrate.ts
    ;;
  '' | *[!a-z-]*)
    echo "usage: <service> (gateway, polls, analytics, identity, notifications, billing, realtime, payment-provider) or migrate" >&2
    exit 64
    ;;
esac
if [ ! -f "services/$service/src/main.ts" ]; then
  echo "no service named \"$service\" (services/$service/src/main.ts)" >&2
  exit 64
fi
exec node --import @canvass/telemetry/register "services/$service/src/main.ts"
