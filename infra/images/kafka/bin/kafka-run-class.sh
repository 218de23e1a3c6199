#!/bin/bash
# Runs a Kafka main class with every jar of /opt/kafka/libs (as Kafka's own script does).
set -eu
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties}"
# shellcheck disable=SC2086 # the *_OPTS variables are lists of JVM options
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:TieredStopAtLevel=1} \
  ${KAFKA_OPTS:-} $log4j -cp '/opt/kafka/libs/*' "$@"
