/**
 * How many records sit at each S3 hop of the lab: the objects under a prefix, each read once (objects
 * are immutable) and counted by its newline-delimited records, gzip included.
 */
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

export interface PrefixCount {
  readonly objects: number;
  readonly records: number;
}

export class PrefixCounter {
  private readonly counted = new Map<string, number>();
  /** Objects that were there before: not counted. */
  private readonly earlier = new Set<string>();

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** From now on, counts only objects that are not under the prefix yet. */
  async skipExisting(): Promise<void> {
    for await (const key of this.keysUnderPrefix()) this.earlier.add(key);
  }

  private async *keysUnderPrefix(): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      token = page.NextContinuationToken;
    } while (token !== undefined);
  }

  /** Lists the prefix and reads the objects not read before. */
  async refresh(): Promise<PrefixCount> {
    for await (const key of this.keysUnderPrefix()) {
      if (this.counted.has(key) || this.earlier.has(key)) continue;
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      this.counted.set(key, recordsIn(Buffer.from(await response.Body!.transformToByteArray())));
    }
    return this.count;
  }

  get count(): PrefixCount {
    let records = 0;
    for (const n of this.counted.values()) records += n;
    return { objects: this.counted.size, records };
  }
}

/** Newline-delimited records in an object's bytes (gzip is recognised by its magic number). */
function recordsIn(body: Buffer): number {
  const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
  return text.split("\n").filter((line) => line.trim() !== "").length;
}
