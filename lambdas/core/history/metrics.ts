// Metric names of request history and payload logging (kept beside observability.ts METRICS, in their own
// file so other branches' edits to that list do not collide with these).
export const METRICS_HISTORY = {
  /** a payload object written to the payload bucket */
  payloadsWritten: 'PayloadsWritten',
  /** a payload write that failed (the request was served all the same) */
  payloadWriteFailures: 'PayloadWriteFailures',
} as const;
