#!/bin/sh
# Entry point of the Prometheus and Alertmanager containers (docker-compose.prod.yml). Neither
# server reads its credentials or URLs from the environment, so this writes what their
# configuration reads into RUNTIME_CONFIG_DIR (a tmpfs: nothing lands on disk), then replaces itself
# with the server (exec), so the server receives the stop signal itself.
#
#   web.yml              basic auth on every endpoint: user "monitoring", MONITORING_PASSWORD_HASH
#   monitoring_password  MONITORING_PASSWORD, which Prometheus sends to Alertmanager and to itself
#   metrics_token        METRICS_TOKEN (empty when unset), which Prometheus sends to the services
#   alertmanager.yml     when ALERTMANAGER_TEMPLATE is set: that file with every ${ALERT_WEBHOOK_URL}
#                        replaced by the variable (Alertmanager expands no variables itself)
set -eu
umask 077
: "${RUNTIME_CONFIG_DIR:?the directory to write into}"
: "${MONITORING_PASSWORD:?set MONITORING_PASSWORD in .env}"
: "${MONITORING_PASSWORD_HASH:?set MONITORING_PASSWORD_HASH in .env}"

case "$MONITORING_PASSWORD_HASH" in
  '$2'[aby]'$'*) ;;
  *)
    echo "MONITORING_PASSWORD_HASH must be a bcrypt hash (\$2y\$...): see .env.example" >&2
    exit 64
    ;;
esac

printf "basic_auth_users:\n  monitoring: '%s'\n" "$MONITORING_PASSWORD_HASH" > "$RUNTIME_CONFIG_DIR/web.yml"
printf '%s' "$MONITORING_PASSWORD" > "$RUNTIME_CONFIG_DIR/monitoring_password"
printf '%s' "${METRICS_TOKEN:-}" > "$RUNTIME_CONFIG_DIR/metrics_token"

if [ -n "${ALERTMANAGER_TEMPLATE:-}" ]; then
  case "${ALERT_WEBHOOK_URL:?set ALERT_WEBHOOK_URL in .env}" in
    http://?* | https://?*) ;;
    *)
      echo "ALERT_WEBHOOK_URL must be an http:// or https:// URL" >&2
      exit 64
      ;;
  esac
  # The URL lands in a single-quoted YAML string (' doubled) through a sed replacement (\, & and
  # the delimiter | escaped).
  url=$(printf '%s' "$ALERT_WEBHOOK_URL" | sed -e "s/'/''/g" -e 's/[\\&|]/\\&/g')
  sed "s|\${ALERT_WEBHOOK_URL}|$url|g" "$ALERTMANAGER_TEMPLATE" > "$RUNTIME_CONFIG_DIR/alertmanager.yml"
fi

exec "$@"
