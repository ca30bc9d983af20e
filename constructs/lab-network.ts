import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { AWS_REGIONS, availabilityZonesOf } from "../aws/regions";
import { vpcCidrProblem } from "../aws/vpc-cidr";
import { LOG_RETENTION_DAYS } from "../aws/limits";
import { check, satisfying } from "../input/allowed";
import { LOG_RETENTION_DAYS_DEFAULT } from "./defaults";
import { physicalName } from "./physical-name";
import { ServiceRole } from "./service-role";

export interface LabNetworkProps {
  /** Name used in tags and role names. */
  readonly name: string;
  /** CIDR block of the VPC; its one subnet uses the whole block. */
  readonly cidrBlock: string;
  /** Availability zone of the subnet, e.g. `us-east-1a`. */
  readonly availabilityZone: string;
  /**
   * Retention of the flow-log group, in days.
   * @default LOG_RETENTION_DAYS_DEFAULT (14)
   */
  readonly logRetentionDays?: number;
}

/**
 * A small VPC of its own for the generator, so nothing depends on (or looks up) a default VPC:
 * one subnet routed to an internet gateway for outbound HTTPS, the default security group
 * stripped of every rule, and flow logs of all traffic to CloudWatch.
 *
 * The subnet does not give public addresses by default; the instance asks for one itself.
 * (A private subnet would need a NAT gateway or four interface endpoints, at 10-30x the cost of
 * the whole lab; with no inbound rule anywhere, a public address receives nothing.)
 */
export class LabNetwork extends Construct {
  readonly vpc: Vpc;
  readonly subnet: Subnet;

  constructor(scope: Construct, id: string, props: LabNetworkProps) {
    super(scope, id);
    const logRetentionDays = props.logRetentionDays ?? LOG_RETENTION_DAYS_DEFAULT;
    check("LabNetwork", "logRetentionDays", logRetentionDays, LOG_RETENTION_DAYS);
    check("LabNetwork", "cidrBlock", props.cidrBlock, vpcCidrProblem);
    const region = props.availabilityZone.slice(0, -1);
    check(
      "LabNetwork",
      "availabilityZone",
      props.availabilityZone,
      satisfying(
        (zone) => availabilityZonesOf(region).includes(zone),
        AWS_REGIONS.includes(region)
          ? `one of the zones of ${region}: ${availabilityZonesOf(region).join(", ")}`
          : "a zone of a known AWS region, e.g. us-east-1a",
      ),
    );

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidrBlock,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-default-unused` },
    });
    this.subnet = new Subnet(this, "subnet", {
      vpcId: this.vpc.id,
      cidrBlock: props.cidrBlock,
      availabilityZone: props.availabilityZone,
      mapPublicIpOnLaunch: false,
      tags: { Name: `${props.name}-public` },
    });
    const gateway = new InternetGateway(this, "internet-gateway", {
      vpcId: this.vpc.id,
      tags: { Name: props.name },
    });
    const routes = new RouteTable(this, "route-table", {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
      tags: { Name: `${props.name}-public` },
    });
    new RouteTableAssociation(this, "route-table-association", {
      subnetId: this.subnet.id,
      routeTableId: routes.id,
    });

    const flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/lab/${props.name}/vpc-flow-logs`,
      retentionInDays: logRetentionDays,
    });
    const flowLogRole = new ServiceRole(this, "flow-log-role", {
      name: physicalName([props.name, "flow-logs"], 64),
      service: "vpc-flow-logs.amazonaws.com",
      description: `Lets VPC flow logs of ${props.name} write to their log group`,
      statements: [
        {
          sid: "WriteFlowLogs",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [flowLogGroup.arn, `${flowLogGroup.arn}:log-stream:*`],
        },
      ],
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 600,
    });
  }
}
