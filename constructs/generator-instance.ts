import { Token } from "cdktf";
import { Construct } from "constructs";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { compressUserData, renderCloudConfig } from "../generator/cloud-config";
import { x86InstanceTypeProblem } from "../aws/instance-types";
import { EC2_USER_DATA_MAX_BYTES, FIREHOSE_PACK_BYTES, S3_OBJECT_KEY } from "../aws/limits";
import { check, satisfying } from "../input/allowed";
import { allowPutRecords, DeliveryStreamRef } from "./buffered-delivery-stream";
import { GENERATOR_INSTANCE_TYPE, GENERATOR_RATE, GENERATOR_ROOT_VOLUME_GIB } from "./defaults";
import { LabNetwork } from "./lab-network";
import { physicalName } from "./physical-name";
import { ServiceRole } from "./service-role";

/** A CSV in S3 for the generator to replay. */
export interface ReplayObject {
  /** The bucket's literal name (it is written into the user data, so not a Terraform reference). */
  readonly bucketName: string;
  /** The bucket's ARN (a Terraform reference is fine: it only goes into the IAM policy). */
  readonly bucketArn: string;
  /** The object's key, e.g. `replay/banking_loss.csv`. */
  readonly key: string;
}

export interface GeneratorInstanceProps {
  /** Name used in tags and IAM names. */
  readonly name: string;
  /** The delivery stream to send to; the instance may put records to it and nothing else. */
  readonly stream: DeliveryStreamRef;
  /** Region of that stream. */
  readonly region: string;
  /** The network to run in (its subnet must route to the internet or to endpoints). */
  readonly network: LabNetwork;
  /**
   * Records per second.
   * @default GENERATOR_RATE (1)
   */
  readonly rate?: number;
  /**
   * Most bytes of newline-delimited records packed into one Firehose record, up to Firehose's
   * 1,000 KiB; 0 sends each record alone, as a reader of one JSON document per Firehose record
   * (the SQL application) needs.
   * @default 0
   */
  readonly packBytes?: number;
  /**
   * Replay this CSV (the lab's format) in a loop instead of synthesizing records from the schema;
   * the instance may then read exactly this one object.
   * @default - records are synthesized from the schema
   */
  readonly replay?: ReplayObject;
  /**
   * Instance type: x86_64, which the default image is built for (aws/ec2-instance-types.json).
   * @default GENERATOR_INSTANCE_TYPE ("t3.micro")
   */
  readonly instanceType?: string;
  /**
   * The machine image, resolved when the instance launches (no AWS call at plan time).
   * @default "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
   */
  readonly imageId?: string;
  /**
   * Root volume size in GiB.
   * @default GENERATOR_ROOT_VOLUME_GIB (8)
   */
  readonly rootVolumeGiB?: number;
}

/** A stream's literal name: the user data is rendered at synth, before Terraform resolves a reference. */
const LITERAL_STREAM_NAME = satisfying(
  (name: string) => !Token.isUnresolved(name),
  "the stream's literal name, not a Terraform reference (user data is rendered at synth)",
);
/** A bucket's literal name, for the same reason. */
const LITERAL_BUCKET_NAME = satisfying(
  (name: string) => typeof name === "string" && name.length > 0 && !Token.isUnresolved(name),
  "the bucket's literal name, not a Terraform reference (user data is rendered at synth)",
);

/** Session Manager's agent channels: these actions cannot be scoped to a resource (AWS docs). */
const SESSION_MANAGER_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/**
 * An EC2 instance that runs the record generator as a systemd service (restarted on failure),
 * sending to the stream it is given records synthesized from the schema or replayed from a CSV in S3. IMDSv2 only, encrypted root volume, no key pair and no
 * inbound rule (connect with Session Manager), outbound HTTPS only, and an instance profile that
 * may put records to that one stream and register with Session Manager.
 */
export class GeneratorInstance extends Construct {
  readonly instance: Instance;
  readonly launchTemplate: LaunchTemplate;
  readonly role: ServiceRole;
  readonly securityGroup: SecurityGroup;
  /** The rendered cloud-config (before compression and base64), for inspection and tests. */
  readonly userData: string;
  /** The user data as EC2 receives it (gzipped cloud-config); EC2's 16 KB limit counts these bytes. */
  readonly userDataBytes: Buffer;

  constructor(scope: Construct, id: string, props: GeneratorInstanceProps) {
    super(scope, id);
    const what = `GeneratorInstance ${props.name}`;
    const rate = props.rate ?? GENERATOR_RATE;
    const packBytes = props.packBytes ?? 0;
    const rootVolumeGiB = props.rootVolumeGiB ?? GENERATOR_ROOT_VOLUME_GIB;
    check(
      what,
      "rate",
      rate,
      satisfying((n) => Number.isFinite(n) && n > 0, "a number of records per second greater than 0"),
    );
    check(what, "packBytes", packBytes, FIREHOSE_PACK_BYTES);
    check(
      what,
      "rootVolumeGiB",
      rootVolumeGiB,
      satisfying(
        (gib) => Number.isInteger(gib) && gib >= GENERATOR_ROOT_VOLUME_GIB,
        `a whole number of GiB, at least ${GENERATOR_ROOT_VOLUME_GIB} (the image's size)`,
      ),
    );
    const instanceType = props.instanceType ?? GENERATOR_INSTANCE_TYPE;
    // Another image may be built for another architecture: then its type is the caller's to choose.
    if (props.imageId === undefined) check(what, "instanceType", instanceType, x86InstanceTypeProblem);

    check(what, "stream.name", props.stream.name, LITERAL_STREAM_NAME);
    const replay = props.replay;
    if (replay !== undefined) {
      check(what, "replay.bucketName", replay.bucketName, LITERAL_BUCKET_NAME);
      check(what, "replay.key", replay.key, S3_OBJECT_KEY);
    }
    this.userData = renderCloudConfig({
      streamName: props.stream.name,
      region: props.region,
      rate,
      packBytes,
      replayUrl: replay !== undefined ? `s3://${replay.bucketName}/${replay.key}` : undefined,
    });
    this.userDataBytes = compressUserData(this.userData);
    const size = this.userDataBytes.length;
    check(
      what,
      "user data",
      `${size} bytes`,
      satisfying(() => size <= EC2_USER_DATA_MAX_BYTES, `at most ${EC2_USER_DATA_MAX_BYTES} bytes (EC2's limit)`),
    );

    this.role = new ServiceRole(this, "role", {
      name: physicalName([props.name, "generator"], 64),
      service: "ec2.amazonaws.com",
      description: `Lets the generator put records to ${props.stream.name}${replay ? `, read s3://${replay.bucketName}/${replay.key}` : ""} and be reached by Session Manager`,
      statements: [
        allowPutRecords(props.stream),
        ...(replay !== undefined ? [{ sid: "ReadReplayObject", actions: ["s3:GetObject"], resources: [`${replay.bucketArn}/${replay.key}`] }] : []),
        { sid: "SessionManager", actions: SESSION_MANAGER_ACTIONS, resources: ["*"] },
      ],
    });
    const profile = new IamInstanceProfile(this, "instance-profile", {
      name: physicalName([props.name, "generator"], 128),
      role: this.role.name,
    });

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: physicalName([props.name, "generator"], 255),
      description: "Generator: no inbound traffic; outbound HTTPS to Firehose, Session Manager and packages",
      vpcId: props.network.vpc.id,
      tags: { Name: `${props.name}-generator` },
    });
    new VpcSecurityGroupEgressRule(this, "egress-https", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS to AWS APIs and package repositories",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });

    const metadataOptions = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 };
    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: physicalName([props.name, "generator"], 128),
      description: `Record generator sending to ${props.stream.name}`,
      imageId: props.imageId ?? "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
      instanceType,
      userData: this.userDataBytes.toString("base64"),
      iamInstanceProfile: { arn: profile.arn },
      metadataOptions,
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { encrypted: "true", volumeSize: rootVolumeGiB, volumeType: "gp3", deleteOnTermination: "true" },
        },
      ],
      networkInterfaces: [
        {
          deviceIndex: 0,
          subnetId: props.network.subnet.id,
          securityGroups: [this.securityGroup.id],
          associatePublicIpAddress: "true",
          deleteOnTermination: "true",
        },
      ],
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: `${props.name}-generator` } },
        { resourceType: "volume", tags: { Name: `${props.name}-generator` } },
      ],
    });

    this.instance = new Instance(this, "instance", {
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      // Stated again on the instance so the instance itself shows IMDSv2 without reading its template.
      metadataOptions,
      tags: { Name: `${props.name}-generator` },
      // Boot only once the instance may send (and so, once the stream exists).
      dependsOn: [this.role.policy],
    });
  }
}
