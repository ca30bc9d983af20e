import { LabBucket } from "../constructs/lab-bucket";
import { ref, resource, statements, synthScope } from "./helpers/synth";

describe("LabBucket", () => {
  const json = synthScope((scope) => new LabBucket(scope, "bucket", { bucketNamePrefix: "lab-test-", objectExpirationDays: 30 }));
  const bucket = resource(json, "aws_s3_bucket");
  const bucketId = ref("aws_s3_bucket", bucket.key, "id");
  const bucketArn = ref("aws_s3_bucket", bucket.key, "arn");

  it("gets a generated name from the prefix and is not force-destroyed", () => {
    expect(bucket.body).toEqual({ bucket_prefix: "lab-test-", force_destroy: false });
  });

  it("encrypts by default with SSE-S3", () => {
    expect(resource(json, "aws_s3_bucket_server_side_encryption_configuration").body).toEqual({
      bucket: bucketId,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
  });

  it("blocks all four kinds of public access", () => {
    expect(resource(json, "aws_s3_bucket_public_access_block").body).toEqual({
      bucket: bucketId,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("disables ACLs and enables versioning", () => {
    expect(resource(json, "aws_s3_bucket_ownership_controls").body.rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    expect(resource(json, "aws_s3_bucket_versioning").body.versioning_configuration).toEqual({ status: "Enabled" });
  });

  it("denies every request made without TLS, after the public-access block is set", () => {
    const policy = resource(json, "aws_s3_bucket_policy").body;
    expect(statements(policy.policy)).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect(policy.depends_on).toEqual([`aws_s3_bucket_public_access_block.${resource(json, "aws_s3_bucket_public_access_block").key}`]);
  });

  it("aborts stale multipart uploads and expires objects and old versions", () => {
    const rules = resource(json, "aws_s3_bucket_lifecycle_configuration").body.rule;
    expect(rules).toEqual([
      expect.objectContaining({ status: "Enabled", abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
      expect.objectContaining({ status: "Enabled", expiration: [{ days: 30 }], noncurrent_version_expiration: [{ noncurrent_days: 7 }] }),
    ]);
  });

  it("keeps current objects when expiration is 0, removing only expired delete markers", () => {
    const kept = synthScope((scope) => new LabBucket(scope, "bucket", { bucketName: "my-exact-bucket" }));
    expect(resource(kept, "aws_s3_bucket").body.bucket).toBe("my-exact-bucket");
    expect(resource(kept, "aws_s3_bucket_lifecycle_configuration").body.rule[1].expiration).toEqual([{ expired_object_delete_marker: true }]);
  });

  it.each([
    [{ bucketNamePrefix: "Lab_" }, 'bucketNamePrefix = "Lab_" is not allowed'],
    [
      { bucketNamePrefix: "xn--lab-" },
      "bucketNamePrefix = \"xn--lab-\" is not allowed: it must be 1-37 characters of a-z, 0-9, '.', '-', starting with a letter or digit, that start a valid bucket name",
    ],
    [{ bucketNamePrefix: "l".repeat(38) }, "is not allowed: it must be 1-37 characters"],
    [{ objectExpirationDays: 1.5 }, "objectExpirationDays = 1.5 is not allowed"],
    [{ noncurrentVersionExpirationDays: 0 }, "noncurrentVersionExpirationDays = 0 is not allowed"],
    [{ abortIncompleteMultipartUploadDays: -1 }, "abortIncompleteMultipartUploadDays = -1 is not allowed"],
  ])("refuses bad props %j", (props, message) => {
    expect(() => synthScope((scope) => new LabBucket(scope, "bucket", props))).toThrow(message);
  });

  it.each(["source*/", "*/", "source/?/", "${aws:username}/", "source/../"])(
    "grants objects only under a literal prefix: objectsArn(%j) is refused",
    (prefix) => {
      synthScope((scope) => {
        const bucket = new LabBucket(scope, "bucket");
        expect(() => bucket.objectsArn(prefix)).toThrow(
          `LabBucket: objectsArn(prefix) = ${JSON.stringify(prefix)} is not allowed: it must be an S3 key prefix ending with '/', literal`,
        );
        expect(bucket.objectsArn("source/")).toBe(`${bucket.arn}/source/*`);
      });
    },
  );
});
