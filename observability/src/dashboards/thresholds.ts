/**
 * The alert thresholds the dashboards draw, one per alert rule in prometheus/alerts/. The
 * observability tests check each value against the rule's expression, so a panel's red line
 * moves with the alert.
 */
export const ALERT_THRESHOLDS = {
  HighErrorRate: 0.05,
  VeryHighLatencyCritical: 5,
  HighLatencyWarning: 1,
  DatabasePoolExhausted: 0.9,
  MemoryLeakSuspected: 10 * 1024 * 1024,
  HighCPUUsage: 0.8,
  HighWebSocketErrors: 10,
  LowCacheHitRatio: 0.7,
  HighAuthFailureRate: 0.2,
  KafkaConsumerLagGrowing: 100,
  OutboxBacklogAging: 60,
  TicketSlaBreachRateHigh: 0.1,
} as const;

export type ThresholdedAlert = keyof typeof ALERT_THRESHOLDS;
