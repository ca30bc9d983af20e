/** The pack: every rule, one per file, in the order reports list them. */
import ec2Imdsv2 from "./ec2-1-imdsv2";
import ec2EncryptedVolumes from "./ec2-2-encrypted-volumes";
import ec2InstanceProfile from "./ec2-3-instance-profile";
import ec2NoCredentials from "./ec2-4-no-credentials-in-user-data";
import ec2NoPublicIp from "./ec2-5-no-public-ip";
import iamNoWildcardActions from "./iam-1-no-wildcard-actions";
import iamResourceWildcard from "./iam-2-resource-wildcard";
import iamTrustServicePrincipals from "./iam-3-trust-service-principals";
import iamNoBroadManagedPolicies from "./iam-4-no-broad-managed-policies";
import kdaLogging from "./kda-1-logging";
import kdfServerSideEncryption from "./kdf-1-server-side-encryption";
import kdfErrorLogging from "./kdf-2-error-logging";
import kdfBufferHints from "./kdf-3-buffer-hints";
import logRetention from "./log-1-retention";
import netNoWorldIngress from "./net-1-no-world-ingress";
import netDescribed from "./net-2-described";
import netFlowLogs from "./net-3-vpc-flow-logs";
import netDefaultGroupClosed from "./net-4-default-security-group-closed";
import s3DefaultEncryption from "./s3-1-default-encryption";
import s3PublicAccessBlock from "./s3-2-public-access-block";
import s3Versioning from "./s3-3-versioning";
import s3AclsDisabled from "./s3-4-acls-disabled";
import s3DenyInsecureTransport from "./s3-5-deny-insecure-transport";
import s3Lifecycle from "./s3-6-lifecycle";
import s3NoPublicPrincipal from "./s3-7-no-public-principal";
import { Rule } from "../rule";

export const RULES: readonly Rule[] = [
  s3DefaultEncryption,
  s3PublicAccessBlock,
  s3Versioning,
  s3AclsDisabled,
  s3DenyInsecureTransport,
  s3Lifecycle,
  s3NoPublicPrincipal,
  kdfServerSideEncryption,
  kdfErrorLogging,
  kdfBufferHints,
  kdaLogging,
  ec2Imdsv2,
  ec2EncryptedVolumes,
  ec2InstanceProfile,
  ec2NoCredentials,
  ec2NoPublicIp,
  netNoWorldIngress,
  netDescribed,
  netFlowLogs,
  netDefaultGroupClosed,
  iamNoWildcardActions,
  iamResourceWildcard,
  iamTrustServicePrincipals,
  iamNoBroadManagedPolicies,
  logRetention,
];
