/**
 * The verifier's S3 requests: list a prefix (every page), stream an object's bytes, and turn any
 * failure into one line that says what was being done, what S3 answered and what to check.
 */
import { GetObjectCommand, S3Client, paginateListObjectsV2 } from "@aws-sdk/client-s3";

export interface ObjectSummary {
  readonly key: string;
  /** Bytes as stored (compressed when the stream compresses). */
  readonly size: number;
  readonly lastModified: Date;
  readonly etag: string;
}

/** An S3 request failed; the message is one line. */
export class S3Problem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "S3Problem";
  }
}

/** Errors that mean S3 could not be reached at all. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number };
}

/** One line: `<doing>: <what S3 said> (<error name>)[: what to check]`. */
export function describeS3Error(error: unknown, doing: string): string {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(error)).split("\n")[0].trim();
  // Node reports a refused connection to a name with several addresses as an AggregateError; an
  // error from another realm (a test sandbox) reaches us only as its text: "connect ECONNREFUSED ...".
  const code = e.code ?? e.errors?.find((inner) => inner.code)?.code ?? [...NETWORK_CODES].find((c) => message.includes(`${c} `));
  if (name === "NoSuchBucket") return `${doing}: the bucket does not exist (NoSuchBucket)`;
  if (name === "NoSuchKey") return `${doing}: the object is gone (NoSuchKey): deleted or expired after it was listed`;
  if (name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch") {
    return `${doing}: S3 refused the credentials (${name}): check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`;
  }
  if (name === "AccessDenied" || status === 403) {
    return `${doing}: access denied (${name}): the credentials in use may not do this on this bucket`;
  }
  if (name === "CredentialsProviderError") return `${doing}: no AWS credentials found (${message})`;
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === "TimeoutError") {
    return `${doing}: cannot reach S3 (${code ?? name}${message && !message.includes(code ?? name) ? `: ${message}` : ""})`;
  }
  return `${doing}: ${message || "failed"} (${name}${status ? `, HTTP ${status}` : ""})`;
}

/**
 * Every object under `prefix` (all pages) modified at or after `modifiedSince`, newest first.
 * Zero-byte keys ending in '/' are the console's folder markers, not deliveries: skipped.
 */
export async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  options: { modifiedSince?: Date; pageSize?: number } = {},
): Promise<ObjectSummary[]> {
  const objects: ObjectSummary[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client, pageSize: options.pageSize }, { Bucket: bucket, Prefix: prefix })) {
      // S3 names the bucket in every listing; the SDK reads any other XML or HTML as an empty one.
      if (page.Name === undefined)
        throw new S3Problem(`cannot list s3://${bucket}/${prefix}: the endpoint's answer is not an S3 listing (no ListBucketResult): is it an S3 server?`);
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.LastModified === undefined) continue;
        if (o.Key.endsWith("/") && !o.Size) continue;
        if (options.modifiedSince !== undefined && o.LastModified < options.modifiedSince) continue;
        objects.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified, etag: o.ETag ?? "" });
      }
    }
  } catch (error) {
    if (error instanceof S3Problem) throw error;
    throw new S3Problem(describeS3Error(error, `cannot list s3://${bucket}/${prefix}`));
  }
  return objects.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || b.key.localeCompare(a.key));
}

/** The object's bytes as they arrive; a failed request or a broken download raises an S3Problem. */
export async function objectBytes(client: S3Client, bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
  const doing = `cannot read s3://${bucket}/${key}`;
  let body: AsyncIterable<Uint8Array>;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    // In Node.js the body is a Readable stream, which is async-iterable.
    body = response.Body as unknown as AsyncIterable<Uint8Array>;
  } catch (error) {
    throw new S3Problem(describeS3Error(error, doing));
  }
  return (async function* () {
    try {
      yield* body;
    } catch (error) {
      throw new S3Problem(describeS3Error(error, doing));
    }
  })();
}
