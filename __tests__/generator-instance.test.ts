import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Token } from "cdktf";
import { GeneratorInstance, GeneratorInstanceProps } from "../constructs/generator-instance";
import { LabNetwork } from "../constructs/lab-network";
import { asList, cloudConfigOf, ref, resource, resources, statements, synthScope } from "./helpers/synth";

const STREAM = { name: "Source", arn: "arn:aws:firehose:us-east-1:111122223333:deliverystream/Source" };

function synthGenerator(props: Partial<GeneratorInstanceProps> = {}) {
  return synthScope((scope) => {
    const network = new LabNetwork(scope, "network", { name: "lab", cidrBlock: "10.20.0.0/24", availabilityZone: "us-east-1a" });
    new GeneratorInstance(scope, "generator", { name: "lab", stream: STREAM, region: "us-east-1", network, rate: 2, ...props });
  });
}

describe("GeneratorInstance", () => {
  const json = synthGenerator();
  const template = resource(json, "aws_launch_template");
  const instance = resource(json, "aws_instance").body;
  const group = resource(json, "aws_security_group");

  it("launches from a template that resolves Amazon Linux 2023 at launch (no AWS call at plan)", () => {
    expect(template.body.image_id).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(instance.launch_template).toEqual({
      id: ref("aws_launch_template", template.key, "id"),
      version: ref("aws_launch_template", template.key, "latest_version"),
    });
    expect(instance.ami).toBeUndefined();
  });

  it("requires IMDSv2 with a hop limit of 1, on the template and the instance", () => {
    const imdsv2 = { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 };
    expect(template.body.metadata_options).toEqual(imdsv2);
    expect(instance.metadata_options).toEqual(imdsv2);
  });

  it("encrypts its root volume and has no key pair", () => {
    expect(template.body.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { encrypted: "true", volume_size: 8, volume_type: "gp3", delete_on_termination: "true" } },
    ]);
    expect(template.body.key_name).toBeUndefined();
  });

  it("runs in the network's subnet with a security group that has no inbound rule and only HTTPS out", () => {
    expect(template.body.network_interfaces).toEqual([
      expect.objectContaining({
        subnet_id: ref("aws_subnet", resource(json, "aws_subnet").key, "id"),
        security_groups: [ref("aws_security_group", group.key, "id")],
        associate_public_ip_address: "true",
      }),
    ]);
    expect(group.body.ingress).toBeUndefined();
    expect(resources(json, "aws_security_group_rule")).toEqual({});
    expect(resources(json, "aws_vpc_security_group_ingress_rule")).toEqual({});
    expect(Object.values(resources(json, "aws_vpc_security_group_egress_rule"))).toEqual([
      expect.objectContaining({ security_group_id: ref("aws_security_group", group.key, "id"), ip_protocol: "tcp", from_port: 443, to_port: 443 }),
    ]);
    expect(group.body.description).toMatch(/no inbound/);
  });

  it("has an instance profile allowed only to put records to its stream and to register with Session Manager", () => {
    const role = resource(json, "aws_iam_role", "generator");
    expect(JSON.parse(role.body.assume_role_policy).Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
    const policy = Object.values(resources(json, "aws_iam_role_policy")).find((p) => p.role === ref("aws_iam_role", role.key, "id"));
    expect(statements(policy!.policy).map((s) => [s.Sid, asList(s.Action), asList(s.Resource)])).toEqual([
      ["PutRecords", ["firehose:PutRecord", "firehose:PutRecordBatch"], ["arn:aws:firehose:us-east-1:111122223333:deliverystream/Source"]],
      [
        "SessionManager",
        [
          "ssm:UpdateInstanceInformation",
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ],
        ["*"],
      ],
    ]);
    const profile = resource(json, "aws_iam_instance_profile");
    expect(profile.body.role).toBe(ref("aws_iam_role", role.key, "name"));
    expect(template.body.iam_instance_profile).toEqual({ arn: ref("aws_iam_instance_profile", profile.key, "arn") });
    expect(resources(json, "aws_iam_role_policy_attachment")).toEqual({});
    // It boots only once it may send.
    expect(instance.depends_on).toEqual([`aws_iam_role_policy.${Object.entries(resources(json, "aws_iam_role_policy")).find(([, p]) => p === policy)![0]}`]);
  });

  describe("user data", () => {
    const { text, config } = cloudConfigOf(template.body.user_data);
    const files = Object.fromEntries(config.write_files.map((f: any) => [f.path, f]));
    const project = (...path: string[]) => readFileSync(join(__dirname, "..", ...path), "utf8");

    it("installs the generator from generator/ unchanged, with the record schema next to it", () => {
      expect(files["/usr/local/lib/lab-generator/generator.py"]).toEqual({
        path: "/usr/local/lib/lab-generator/generator.py",
        content: project("generator", "generator.py"),
        permissions: "0755",
      });
      expect(files["/usr/local/lib/lab-generator/loss-event.schema.json"].content).toBe(project("schemas", "loss-event.schema.json"));
    });

    it("configures the stream, region and rate the stack gives it, synthesizing records, one to a Firehose record, by default", () => {
      expect(files["/etc/lab-generator.env"].content).toBe("LAB_STREAM=Source\nLAB_REGION=us-east-1\nLAB_RATE=2\nLAB_PACK_BYTES=0\nLAB_REPLAY_ARGS=\n");
    });

    it("packs records up to the packBytes it is given", () => {
      const packed = cloudConfigOf(resource(synthGenerator({ packBytes: 5000 }), "aws_launch_template").body.user_data).config;
      expect(packed.write_files.find((f: any) => f.path === "/etc/lab-generator.env").content).toContain("\nLAB_PACK_BYTES=5000\n");
    });

    it("runs it as a sandboxed systemd service that restarts on failure", () => {
      const unit = files["/etc/systemd/system/lab-generator.service"].content;
      expect(unit).toMatch(/^Restart=always$/m);
      for (const line of [
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "ProtectSystem=strict",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
      ]) {
        expect(unit.split("\n")).toContain(line);
      }
      expect(unit).toMatch(
        /^ExecStart=.*generator\.py --stream \$\{LAB_STREAM\} --region \$\{LAB_REGION\} --rate \$\{LAB_RATE\} --pack-bytes \$\{LAB_PACK_BYTES\} \$LAB_REPLAY_ARGS$/m,
      );
      expect(config.runcmd).toContainEqual(["systemctl", "enable", "--now", "lab-generator.service"]);
    });

    it("is the gzipped cloud-config, within EC2's 16 KB, the same on every machine", () => {
      const bytes = Buffer.from(template.body.user_data, "base64");
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(bytes[9]).toBe(0xff); // no OS byte of the machine that synthesized it
      // What EC2 counts: "User data is limited to 16 KB, in raw form, before it is base64-encoded."
      expect(bytes.length).toBeLessThanOrEqual(16_384);
      expect(text.startsWith("#cloud-config\n")).toBe(true);
    });
  });

  describe("in replay mode", () => {
    const replayJson = synthGenerator({ replay: { bucketName: "my-lab-bucket", bucketArn: "arn:aws:s3:::my-lab-bucket", key: "replay/banking_loss.csv" } });

    it("is told to replay s3://<bucket>/<key>", () => {
      const { config } = cloudConfigOf(resource(replayJson, "aws_launch_template").body.user_data);
      expect(config.write_files.find((f: any) => f.path === "/etc/lab-generator.env").content).toBe(
        "LAB_STREAM=Source\nLAB_REGION=us-east-1\nLAB_RATE=2\nLAB_PACK_BYTES=0\nLAB_REPLAY_ARGS=--replay s3://my-lab-bucket/replay/banking_loss.csv\n",
      );
    });

    it("may read exactly that object, and nothing else of the bucket", () => {
      const role = resource(replayJson, "aws_iam_role", "generator");
      const policy = Object.values(resources(replayJson, "aws_iam_role_policy")).find((p) => p.role === ref("aws_iam_role", role.key, "id"))!;
      expect(statements(policy.policy).filter((s) => asList(s.Action).some((a) => a.startsWith("s3:")))).toEqual([
        { Sid: "ReadReplayObject", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::my-lab-bucket/replay/banking_loss.csv" },
      ]);
    });
  });

  const replay = { bucketName: "my-lab-bucket", bucketArn: "arn:aws:s3:::my-lab-bucket", key: "replay/banking_loss.csv" };
  it.each([
    [{ rate: 0 }, "rate = 0 is not allowed"],
    [{ rootVolumeGiB: 4 }, "rootVolumeGiB = 4 is not allowed"],
    [{ packBytes: -1 }, "packBytes = -1 is not allowed: it must be an integer from 0 to 1024000 (Firehose's record limit)"],
    [{ packBytes: 1_024_001 }, "packBytes = 1024001 is not allowed: it must be an integer from 0 to 1024000"],
    [{ packBytes: 2.5 }, "packBytes = 2.5 is not allowed"],
    [{ replay: { ...replay, key: "replay/*" } }, 'replay.key = "replay/*" is not allowed: it must be an S3 object key'],
    [{ replay: { ...replay, key: "replay/" } }, 'replay.key = "replay/" is not allowed'],
    [{ replay: { ...replay, bucketName: "" } }, 'replay.bucketName = "" is not allowed'],
    [
      { instanceType: "t4g.micro" },
      'instanceType = "t4g.micro" is not allowed: it must be an x86_64 instance type (the generator\'s image is Amazon Linux 2023 for x86_64); t4g is arm64 (AWS Graviton)',
    ],
    [{ instanceType: "t3.gigantic" }, 'instanceType = "t3.gigantic" is not allowed: it must be a size of t3 that EC2 has'],
  ])("refuses bad props %j", (props, message) => {
    expect(() => synthGenerator(props)).toThrow(message);
  });
});

describe("LabNetwork", () => {
  const json = synthGenerator();
  const vpc = resource(json, "aws_vpc");

  it("is a VPC of its own with one subnet routed to an internet gateway", () => {
    expect(vpc.body.cidr_block).toBe("10.20.0.0/24");
    expect(resource(json, "aws_subnet").body).toEqual(
      expect.objectContaining({ vpc_id: ref("aws_vpc", vpc.key, "id"), availability_zone: "us-east-1a", map_public_ip_on_launch: false }),
    );
    expect(resource(json, "aws_route_table").body.route).toEqual([
      expect.objectContaining({ cidr_block: "0.0.0.0/0", gateway_id: ref("aws_internet_gateway", resource(json, "aws_internet_gateway").key, "id") }),
    ]);
    expect(resources(json, "aws_default_vpc")).toEqual({});
  });

  it("strips every rule from the VPC's default security group", () => {
    const body = resource(json, "aws_default_security_group").body;
    expect(body.vpc_id).toBe(ref("aws_vpc", vpc.key, "id"));
    expect(body.ingress).toBeUndefined();
    expect(body.egress).toBeUndefined();
  });

  it("logs all traffic to a log group with a retention, through a role only flow logs can assume", () => {
    const group = resource(json, "aws_cloudwatch_log_group");
    expect(group.body.retention_in_days).toBe(14);
    expect(resource(json, "aws_flow_log").body).toEqual(
      expect.objectContaining({
        vpc_id: ref("aws_vpc", vpc.key, "id"),
        traffic_type: "ALL",
        log_destination: ref("aws_cloudwatch_log_group", group.key, "arn"),
      }),
    );
    const role = resource(json, "aws_iam_role", "flow-log");
    expect(JSON.parse(role.body.assume_role_policy).Statement[0].Principal).toEqual({ Service: "vpc-flow-logs.amazonaws.com" });
  });
});

describe("GeneratorInstance given a stream or bucket name that is a Terraform reference", () => {
  const reference = Token.asString({ resolve: () => "x" });
  it("refuses it, since the name is written into the user data at synth", () => {
    expect(() => synthGenerator({ stream: { ...STREAM, name: reference } })).toThrow("the stream's literal name, not a Terraform reference");
    const replay = { bucketName: reference, bucketArn: "arn:aws:s3:::b", key: "replay/banking_loss.csv" };
    expect(() => synthGenerator({ replay })).toThrow("the bucket's literal name, not a Terraform reference");
  });
});

describe("GeneratorInstance whose user data would not fit", () => {
  it("refuses it at synth, naming the size and EC2's limit", () => {
    const stream = { ...STREAM, name: randomBytes(30_000).toString("hex") }; // incompressible enough
    expect(() => synthGenerator({ stream })).toThrow(/user data = "\d+ bytes" is not allowed: it must be at most 16384 bytes \(EC2's limit\)/);
  });
});

describe("GeneratorInstance with another image", () => {
  it("leaves the instance type to whoever chose the image (its architecture is theirs)", () => {
    const json = synthGenerator({ imageId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", instanceType: "t4g.micro" });
    expect(resource(json, "aws_launch_template").body.instance_type).toBe("t4g.micro");
  });
});
