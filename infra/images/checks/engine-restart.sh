# shellcheck shell=bash
# Check: the engines restart under load (`docker restart` of Kafka, then of MongoDB), and every
# write the services accepted in that window is stored and its event published. Accepted: the
# load's 201s for ticket creations and comments. Stored: what the ticket database holds of the
# window (count-writes.js, run in a ticket replica with its own driver and MONGO_URL).
# Published: those tickets' ticket.created and those comments' ticket.commented on the
# `tickets` topic (read back with Kafka's console consumer, matched by match-events.js). The
# outbox publishes once Kafka is back, so this waits for the counts to settle.
check_engine_restart() {
  local out="$work/load-engines.txt" from to kafka mongo started
  kafka="$(service_containers kafka | head -1)"
  mongo="$(service_containers mongo | head -1)"
  from="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
  load_start 90 "$out"
  sleep 15
  started=$EPOCHREALTIME
  docker restart "$kafka" >/dev/null
  figure "engines: docker restart kafka (s)" "$(since "$started")"
  sleep 15
  started=$EPOCHREALTIME
  docker restart "$mongo" >/dev/null
  figure "engines: docker restart mongo (s)" "$(since "$started")"
  wait "$load_pid" || true
  to="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
  local created commented counts='' deadline=$((SECONDS + 180)) ticket
  created="$(load_count "$out" 3 'create ticket')"
  commented="$(load_count "$out" 3 comment)"
  local stored_tickets published_tickets stored_comments published_comments
  while ((SECONDS < deadline)); do
    ticket="$(service_containers ticket | head -1)"
    if docker exec -i "$ticket" node - "$from" "$to" <"$here/checks/count-writes.js" >"$work/writes.json" 2>"$work/writes.err"; then
      counts="$(docker exec -e KAFKA_HEAP_OPTS=-Xmx128m "$kafka" /opt/kafka/bin/kafka-run-class.sh \
        org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server localhost:9092 \
        --topic tickets --from-beginning --timeout-ms 15000 2>/dev/null |
        node "$here/checks/match-events.js" "$work/writes.json")"
      read -r stored_tickets published_tickets stored_comments published_comments <<<"$counts"
      [ "$stored_tickets" = "$published_tickets" ] && [ "$stored_comments" = "$published_comments" ] && break
    fi
    sleep 5
  done
  figure "engines: load during the restarts" "$(load_summary "$out")"
  [ -n "$counts" ] || { figure "engines: writes counted" "not counted ($(tail -1 "$work/writes.err"))"; return 1; }
  figure "engines: ticket creations accepted (201) / stored / ticket.created published" "$created / $stored_tickets / $published_tickets"
  figure "engines: comments accepted (201) / stored / ticket.commented published" "$commented / $stored_comments / $published_comments"
  ((stored_tickets >= created && stored_comments >= commented)) &&
    [ "$stored_tickets" = "$published_tickets" ] && [ "$stored_comments" = "$published_comments" ]
}
