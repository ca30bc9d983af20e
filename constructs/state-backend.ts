import { LocalBackend, S3Backend, TerraformBackend, TerraformStack } from "cdktf";
import { S3_BUCKET_NAME, S3_STATE_KEY } from "../aws/limits";
import { check, satisfying } from "../input/allowed";

export interface StateBackendProps {
  /**
   * S3 bucket holding the state. When set, state goes to S3, encrypted, with S3-native locking
   * (a `<key>.tflock` object; Terraform 1.11+, no DynamoDB table).
   * @default - a local state file
   */
  readonly bucket?: string;
  /**
   * Key of the state object in the bucket.
   * @default `<stack name>/terraform.tfstate`
   */
  readonly key?: string;
  /** Region of the bucket (required with `bucket`). */
  readonly region?: string;
  /**
   * The local state file, relative to the folder Terraform runs in (cdktf.out/stacks/<stack>/).
   * @default `../../../terraform.<stack name>.tfstate`: next to the project, never an absolute path
   */
  readonly localPath?: string;
}

/** A local state path: relative, so the configuration does not depend on this machine. */
const RELATIVE_PATH = satisfying(
  (path: string) => path.length > 0 && !path.startsWith("/") && !/^[A-Za-z]:/.test(path),
  "a path relative to the stack's folder (an absolute path would bake this machine into the configuration)",
);
/** The state bucket's region: shaped like an AWS region name. */
const REGION = satisfying(
  (region: string | undefined) => region !== undefined && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region),
  "the bucket's AWS region, e.g. us-east-1",
);

/**
 * Where the stack's Terraform state lives: a local file by default, or S3 with `encrypt = true`
 * and `use_lockfile = true`. cdktf 0.21's S3Backend predates `use_lockfile`, so it is added by an
 * override on the synthesized backend block.
 */
export function stateBackend(stack: TerraformStack, props: StateBackendProps = {}): TerraformBackend {
  const name = stack.node.id;
  if (props.bucket === undefined) {
    const path = props.localPath ?? `../../../terraform.${name}.tfstate`;
    check("stateBackend", "localPath", path, RELATIVE_PATH);
    return new LocalBackend(stack, { path });
  }
  const key = props.key ?? `${name}/terraform.tfstate`;
  check("stateBackend", "bucket", props.bucket, S3_BUCKET_NAME);
  check("stateBackend", "key", key, S3_STATE_KEY);
  check("stateBackend", "region", props.region, REGION);
  const backend = new S3Backend(stack, { bucket: props.bucket, key, region: props.region, encrypt: true });
  backend.addOverride("use_lockfile", true);
  return backend;
}
