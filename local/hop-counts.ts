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

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  /** Lists the prefix and reads the objects not read before. */
  async refresh(): Promise<PrefixCount> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || this.counted.has(object.Key)) continue;
        const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        this.counted.set(object.Key, recordsIn(Buffer.from(await response.Body!.transformToByteArray())));
      }
      token = page.NextContinuationToken;
    } while (token !== undefined);
    return this.count;
  }

  get count(): PrefixCount {
    let records = 0;
    for (const n of this.counted.values()) records += n;
    return { objects: this.counted.size, records };
  }

  /** The keys read so far. */
  get keys(): string[] {
    return [...this.counted.keys()];
  }
}

/** Newline-delimited records in an object's bytes (gzip is recognised by its magic number). */
export function recordsIn(body: Buffer): number {
  const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
  return text.split("\n").filter((line) => line.trim() !== "").length;
}
