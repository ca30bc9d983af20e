/**
 * Sends records to a Firehose delivery stream with PutRecordBatch: at most 500 records and 4 MiB a
 * call, failed records (FailedPutCount, per-record ErrorCode) re-sent exactly, with exponential
 * backoff and jitter, a bounded number of times. Whatever is still unsent after that is an error,
 * so that Lambda's own retries and its on-failure destination take over: nothing is dropped.
 */
import type { PutRecordBatchCommandInput, PutRecordBatchCommandOutput } from "@aws-sdk/client-firehose";
import { FIREHOSE_BATCH_MAX_BYTES, FIREHOSE_BATCH_MAX_RECORDS, FIREHOSE_MAX_RECORD_BYTES } from "../aws/limits";
import { runsWithin } from "./pack-records";

/** One PutRecordBatch call (the real one is FirehoseClient.send(new PutRecordBatchCommand(input))). */
export type PutRecordBatch = (input: PutRecordBatchCommandInput) => Promise<PutRecordBatchCommandOutput>;

export interface SendOptions {
  /** Calls per batch, first one included. @default 5 */
  readonly maxAttempts?: number;
  /** First backoff; doubles each attempt, with full jitter. @default 100 */
  readonly baseDelayMs?: number;
  /** Longest backoff. @default 2000 */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface SendReport {
  readonly records: number;
  /** PutRecordBatch calls made. */
  readonly calls: number;
  /** Records sent again after a per-record failure or a failed call. */
  readonly resent: number;
}

class SendError extends Error {
  constructor(
    message: string,
    readonly unsent: number,
  ) {
    super(message);
    this.name = "SendError";
  }
}

/** Errors worth another call: throttling, service or network trouble; not access or validation errors. */
function retryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$retryable !== undefined || e.name === "ServiceUnavailableException" || e.name === "ThrottlingException") return true;
  const status = e.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/** Splits records into PutRecordBatch-sized batches, keeping their order. */
export function batches(records: readonly Uint8Array[]): Uint8Array[][] {
  return runsWithin(records, FIREHOSE_BATCH_MAX_RECORDS, FIREHOSE_BATCH_MAX_BYTES);
}

export async function putAllRecords(put: PutRecordBatch, streamName: string, records: readonly Uint8Array[], options: SendOptions = {}): Promise<SendReport> {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  records.forEach((r, i) => {
    if (r.byteLength > FIREHOSE_MAX_RECORD_BYTES) {
      throw new SendError(
        `record ${i + 1} is ${r.byteLength} bytes; Firehose takes at most ${FIREHOSE_MAX_RECORD_BYTES} bytes a record (nothing was sent)`,
        records.length,
      );
    }
  });
  let calls = 0;
  let resent = 0;
  const all = batches(records);
  for (const [b, batch] of all.entries()) {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let failures: string[];
      try {
        calls++;
        const response = await put({ DeliveryStreamName: streamName, Records: pending.map((Data) => ({ Data })) });
        const results = response.RequestResponses ?? [];
        const failedCount = response.FailedPutCount ?? 0;
        if (failedCount === 0) break;
        if (results.length !== pending.length) {
          throw new SendError(
            `PutRecordBatch to ${streamName} reported ${failedCount} failures but ${results.length} results for ${pending.length} records`,
            pending.length,
          );
        }
        failures = results.flatMap((r) => (r.ErrorCode ? [`${r.ErrorCode}: ${r.ErrorMessage ?? ""}`.trim()] : []));
        pending = pending.filter((_, i) => results[i].ErrorCode);
      } catch (error) {
        if (error instanceof SendError || !retryable(error)) throw error;
        failures = [`${(error as Error).name}: ${(error as Error).message}`];
      }
      const unsentHere = pending.length;
      if (attempt >= maxAttempts) {
        const later = all.slice(b + 1).reduce((n, x) => n + x.length, 0);
        const codes = [...new Set(failures)].slice(0, 5).join("; ");
        throw new SendError(
          `${unsentHere + later} of ${records.length} records were not sent to ${streamName}: ` +
            `${unsentHere} still failed after ${maxAttempts} attempts (${codes})` +
            (later > 0 ? ` and ${later} were not tried` : ""),
          unsentHere + later,
        );
      }
      resent += unsentHere;
      await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
    }
  }
  return { records: records.length, calls, resent };
}
