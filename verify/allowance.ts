/**
 * The default processing allowance: the analytics' time (the micro-batch function may take up to
 * its timeout on one object) plus the Destination stream's buffer interval (Firehose holds the
 * rows up to that long before it writes them). LAB_BUFFER_INTERVAL_SECONDS sets both streams.
 */
export function processingAllowanceMs(settings: { readonly bufferIntervalSeconds: number; readonly analyticsTimeoutSeconds: number }): number {
  return (settings.bufferIntervalSeconds + settings.analyticsTimeoutSeconds) * 1000;
}
