import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3_BUCKET_NAME_PREFIX_MAX, S3_PREFIX, S3_RESERVED_BUCKET_PREFIXES } from "../aws/limits";
import { check, satisfying } from "../input/allowed";
import { NONCURRENT_VERSION_EXPIRATION_DAYS } from "./defaults";
import { policyDocument } from "./policy-document";

export interface LabBucketProps {
  /**
   * Exact bucket name.
   * @default - Terraform generates a unique name starting with `bucketNamePrefix`
   */
  readonly bucketName?: string;
  /**
   * Start of the generated name when `bucketName` is not given (at most 37 characters: Terraform adds 26).
   * @default "lab-"
   */
  readonly bucketNamePrefix?: string;
  /**
   * Days after which current objects expire; 0 keeps them forever.
   * @default 0
   */
  readonly objectExpirationDays?: number;
  /**
   * Days a replaced or deleted object version is kept before it is removed.
   * @default NONCURRENT_VERSION_EXPIRATION_DAYS (7)
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which unfinished multipart uploads are aborted (they are billed while they wait).
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Whether `terraform destroy` deletes the bucket even when it still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/**
 * The lab's S3 bucket, secure by default: SSE-S3 default encryption, all four public-access
 * blocks, ACLs disabled (BucketOwnerEnforced), versioning, a policy that denies requests without
 * TLS, and a lifecycle that aborts stale multipart uploads and expires old versions.
 */
export class LabBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly policy: S3BucketPolicy;
  /** The bucket's name (known after apply when generated). */
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: LabBucketProps = {}) {
    super(scope, id);
    const bucketNamePrefix = props.bucketNamePrefix ?? "lab-";
    const expirationDays = props.objectExpirationDays ?? 0;
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? NONCURRENT_VERSION_EXPIRATION_DAYS;
    const abortDays = props.abortIncompleteMultipartUploadDays ?? 7;
    check("LabBucket", "bucketNamePrefix", bucketNamePrefix, BUCKET_NAME_PREFIX);
    check(
      "LabBucket",
      "objectExpirationDays",
      expirationDays,
      satisfying((days) => Number.isInteger(days) && days >= 0, "a whole number of days, 0 for never"),
    );
    check("LabBucket", "noncurrentVersionExpirationDays", noncurrentDays, DAYS_AT_LEAST_1);
    check("LabBucket", "abortIncompleteMultipartUploadDays", abortDays, DAYS_AT_LEAST_1);

    this.bucket = new S3Bucket(this, "bucket", {
      ...(props.bucketName !== undefined ? { bucket: props.bucketName } : { bucketPrefix: bucketNamePrefix }),
      forceDestroy: props.forceDestroy ?? false,
    });
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument([
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principal: "*",
          actions: ["s3:*"],
          resources: [this.arn, `${this.arn}/*`],
          condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
      // S3 rejects policy writes that race the public-access block being set.
      dependsOn: [this.publicAccessBlock],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
        },
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          expiration: [expirationDays > 0 ? { days: expirationDays } : { expiredObjectDeleteMarker: true }],
        },
      ],
      // Noncurrent-version rules only make sense once versioning is on.
      dependsOn: [versioning],
    });
  }

  /**
   * ARN pattern of the objects under a key prefix, for IAM resources. The prefix must be literal
   * (S3_PREFIX): a `*` or `?` in it would widen the grant, up to the whole bucket.
   */
  objectsArn(prefix: string): string {
    check("LabBucket", "objectsArn(prefix)", prefix, S3_PREFIX);
    return `${this.arn}/${prefix}*`;
  }
}

/** A prefix Terraform can complete into a bucket name: the bucket rules, and none of S3's reserved starts. */
const BUCKET_NAME_PREFIX = satisfying(
  (prefix: string) =>
    new RegExp(`^[a-z0-9][a-z0-9.-]{0,${S3_BUCKET_NAME_PREFIX_MAX - 1}}$`).test(prefix) &&
    !prefix.includes("..") &&
    !S3_RESERVED_BUCKET_PREFIXES.some((reserved) => prefix.startsWith(reserved)),
  `1-${S3_BUCKET_NAME_PREFIX_MAX} characters of a-z, 0-9, '.', '-', starting with a letter or digit, that start a valid bucket name`,
);

/** A lifecycle period of whole days, one or more. */
const DAYS_AT_LEAST_1 = satisfying((days: number) => Number.isInteger(days) && days >= 1, "a whole number of days, at least 1");
