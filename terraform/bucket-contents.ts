/**
 * What a versioned bucket still holds, and emptying it: every object version and every delete
 * marker, which is what S3 requires before it deletes a bucket. Used before a destroy, on AWS
 * (`npm run destroy -- --empty-bucket`) and in the local run, so a destroy never stops half-way
 * at `BucketNotEmpty`.
 */
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from "@aws-sdk/client-s3";

export interface BucketContents {
  readonly versions: number;
  readonly deleteMarkers: number;
}

/** S3 deletes at most 1,000 keys per DeleteObjects call. */
const DELETE_BATCH = 1000;

interface VersionedKey {
  readonly Key: string;
  readonly VersionId: string;
}

async function* pages(s3: S3Client, bucket: string) {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    yield page;
    [keyMarker, versionIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextVersionIdMarker] : [undefined, undefined];
  } while (keyMarker !== undefined || versionIdMarker !== undefined);
}

/** Counts every object version and delete marker in the bucket. */
export async function bucketContents(s3: S3Client, bucket: string): Promise<BucketContents> {
  let versions = 0;
  let deleteMarkers = 0;
  for await (const page of pages(s3, bucket)) {
    versions += page.Versions?.length ?? 0;
    deleteMarkers += page.DeleteMarkers?.length ?? 0;
  }
  return { versions, deleteMarkers };
}

/** "3 object versions and 1 delete marker" */
export function describeContents(contents: BucketContents): string {
  const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(contents.versions, "object version")} and ${plural(contents.deleteMarkers, "delete marker")}`;
}

export function isEmpty(contents: BucketContents): boolean {
  return contents.versions === 0 && contents.deleteMarkers === 0;
}

/**
 * Deletes every version and delete marker, page by page, until a listing finds nothing (a writer
 * that is still running shows up as a bucket that does not stay empty). Returns what was deleted.
 */
async function emptyBucket(s3: S3Client, bucket: string, onProgress?: (deleted: number) => void): Promise<BucketContents> {
  let versions = 0;
  let deleteMarkers = 0;
  for (let pass = 0; pass < 3; pass += 1) {
    let deletedThisPass = 0;
    for await (const page of pages(s3, bucket)) {
      const keys: VersionedKey[] = [
        ...(page.Versions ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId ?? "null" })),
        ...(page.DeleteMarkers ?? []).map((m) => ({ Key: m.Key!, VersionId: m.VersionId ?? "null" })),
      ];
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
        const errors = result.Errors ?? [];
        if (errors.length > 0) {
          const first = errors[0];
          throw new Error(
            `cannot delete ${errors.length} of ${batch.length} versions in ${bucket} (first: ${String(first.Key)} ${String(first.VersionId)}: ${String(first.Code)} ${String(first.Message)})`,
          );
        }
      }
      versions += page.Versions?.length ?? 0;
      deleteMarkers += page.DeleteMarkers?.length ?? 0;
      deletedThisPass += keys.length;
      onProgress?.(versions + deleteMarkers);
    }
    if (deletedThisPass === 0) return { versions, deleteMarkers };
  }
  const left = await bucketContents(s3, bucket);
  if (!isEmpty(left)) throw new Error(`${bucket} still holds ${describeContents(left)} after three passes: something is still writing to it`);
  return { versions, deleteMarkers };
}

/** A destroy refused before it started: the bucket holds data and emptying it was not asked for. */
export class BucketNotEmpty extends Error {
  constructor(
    readonly bucket: string,
    readonly contents: BucketContents,
  ) {
    super(
      `bucket ${bucket} holds ${describeContents(contents)}, so destroy would stop at BucketNotEmpty; nothing was destroyed. ` +
        "Run it again with --empty-bucket to delete every version and delete marker first (they cannot be recovered), or copy what you need out of the bucket before.",
    );
    this.name = "BucketNotEmpty";
  }
}

/**
 * Before a destroy: a bucket that holds object versions or delete markers is refused (BucketNotEmpty),
 * or, with `emptyBucket`, emptied. `progress` shows what is being deleted, `done` the final line.
 */
export async function prepareBucketForDestroy(
  s3: S3Client,
  bucket: string,
  options: { readonly emptyBucket: boolean },
  progress: (line: string) => void,
  done: (line: string) => void,
): Promise<BucketContents> {
  const contents = await bucketContents(s3, bucket);
  if (isEmpty(contents)) return contents;
  if (!options.emptyBucket) throw new BucketNotEmpty(bucket, contents);
  progress(`emptying s3://${bucket}: ${describeContents(contents)} ...`);
  const deleted = await emptyBucket(s3, bucket, (n) => progress(`emptying s3://${bucket}: ${n.toLocaleString("en-US")} deleted ...`));
  done(`emptied s3://${bucket}: deleted ${describeContents(deleted)}`);
  return deleted;
}
