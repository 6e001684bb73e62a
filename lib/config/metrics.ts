// Metric names: the contract between the code that emits them and the alarms and dashboard that read them.
// Until the lead's lambdas/core/observability.ts lands on main this mirrors it; then this re-exports it.
export const METRIC_NAMESPACE = 'Switchboard';
