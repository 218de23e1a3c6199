# shellcheck shell=bash
# Check: alert delivery, with the production rule and Alertmanager timings (BackendServiceDown
# fires after 2 minutes; a resolved notification goes out at the group's next interval, up to 5
# minutes later). The rehearsal's receiver (alert-receiver.js on the host, ALERT_WEBHOOK_URL)
# writes what Alertmanager posts; RUNBOOK_BASE_URL points at its copy of docs/, so the link an
# alert carries is followed too. Two halves: check_alert_fires stops realtime, waits for the
# notification and starts realtime again; check_alert_resolves, run after the other checks,
# waits for the resolved notification, so the wait for Alertmanager's interval overlaps them.
# Sourced by rehearse.sh, which starts the receiver (alerts_file) and defines compose.

alert_restarted=''

check_alert_fires() {
  local stopped delivered='' found severity runbook
  stopped=$EPOCHSECONDS
  log "alert: stopping realtime, waiting for BackendServiceDown (the rule's for: 2m)"
  compose stop realtime >/dev/null 2>&1 || return 1
  local deadline=$((SECONDS + ${REHEARSAL_ALERT_TIMEOUT:-420}))
  while ((SECONDS < deadline)); do
    if found="$(node "$here/checks/find-notification.js" "$alerts_file" BackendServiceDown realtime firing "$stopped")"; then
      delivered="${found%% *}"
      break
    fi
    sleep 2
  done
  log "alert: starting realtime again"
  compose start realtime >/dev/null 2>&1 || return 1
  alert_restarted=$EPOCHSECONDS
  wait_healthy "$(service_containers realtime | head -1)" 180 || log "realtime did not become healthy again"
  [ -n "$delivered" ] || { figure "alert: realtime stopped → BackendServiceDown delivered" never; return 1; }
  read -r _ severity runbook <<<"$found"
  figure "alert: realtime stopped → BackendServiceDown delivered (s)" "$delivered (severity $severity, service realtime)"
  local followed
  followed="$(node "$here/checks/runbook-anchor.js" "$runbook")" || true
  figure "alert: runbook link $runbook" "$followed"
  [ "$severity" = critical ] && [[ $followed == '200 anchor found' ]]
}

check_alert_resolves() {
  [ -n "$alert_restarted" ] || return 1
  local deadline=$((SECONDS + ${REHEARSAL_ALERT_TIMEOUT:-420})) found
  while ((SECONDS < deadline)); do
    if found="$(node "$here/checks/find-notification.js" "$alerts_file" BackendServiceDown realtime resolved "$alert_restarted")"; then
      figure "alert: realtime started → resolved notification delivered (s)" "${found%% *}"
      return 0
    fi
    sleep 2
  done
  figure "alert: realtime started → resolved notification delivered" never
  return 1
}
