// AWS list prices the cost estimate multiplies (us-east-1, arm64, on-demand, USD; no free tier counted).
// From the services' pricing pages as of 2025; a change here changes the README's and docs/deploy.md's
// tables (npm run cost prints them) and test/infra/cost.test.ts.

export const HOURS_PER_MONTH = 730;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const GB = 1024 ** 3;

export const PRICES = {
  cloudwatch: {
    /** a dashboard, a month (the account's first three are free: not counted) */
    dashboard: 3.0,
    /** a standard-resolution alarm, per metric it reads */
    alarmMetric: 0.1,
    /** a Metrics Insights alarm, per metric (series) its query reads */
    insightsAlarmMetric: 0.1,
    compositeAlarm: 0.5,
    /** a custom metric (name and dimension set), a month */
    customMetric: 0.3,
    logIngestPerGb: 0.5,
    logStoragePerGbMonth: 0.03,
  },
  lambda: {
    /** arm64 */
    perGbSecond: 0.0000133334,
    perMillionRequests: 0.2,
  },
  apiGateway: {
    /** REST API, first 333 million a month */
    perMillionRequests: 3.5,
  },
  dynamodb: {
    /** on-demand */
    perMillionWriteUnits: 0.625,
    perMillionReadUnits: 0.125,
    /** a write replicated to a replica region of a global table */
    perMillionReplicatedWriteUnits: 0.625,
  },
  secretsManager: {
    /** a secret, and each of its replicas, a month */
    secret: 0.4,
    perTenThousandCalls: 0.05,
  },
  kms: { key: 1.0 },
  sqs: {
    /** standard queue requests, per million (the first million a month is free: not counted) */
    perMillionRequests: 0.4,
    /**
     * ReceiveMessage calls a Lambda event source mapping makes on an idle queue in a month: its minimum of 5
     * pollers, each a 20-second long poll (5 × 3 a minute × 43,800 minutes)
     */
    idlePollsPerMapping: 5 * 3 * 43_800,
  },
  route53: {
    /** a health check of an AWS endpoint or a CloudWatch alarm */
    healthCheck: 0.5,
    /** each optional feature of an endpoint check: HTTPS, string matching, 10 s interval, latency */
    healthCheckFeature: 1.0,
  },
  waf: { webAcl: 5.0, rule: 1.0, perMillionRequests: 0.6 },
  xray: { perMillionTraces: 5.0 },
  budgets: {
    /** beyond an account's first two budgets (not counted as free here): $0.02 a day */
    budget: 0.02 * (HOURS_PER_MONTH / 24),
  },
  dataTransferOutPerGb: 0.09,
} as const;
