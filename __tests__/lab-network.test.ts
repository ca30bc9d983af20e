import { LabNetwork, LabNetworkProps } from "../constructs/lab-network";
import { resource, synthScope } from "./helpers/synth";

function synthNetwork(props: Partial<LabNetworkProps> = {}) {
  return synthScope((scope) => new LabNetwork(scope, "network", { name: "lab", cidrBlock: "10.20.0.0/24", availabilityZone: "us-east-1a", ...props }));
}

describe("LabNetwork", () => {
  it("gives its one subnet the whole block, in the zone given", () => {
    const json = synthNetwork({ cidrBlock: "192.168.16.0/20", availabilityZone: "eu-west-1c" });
    expect(resource(json, "aws_vpc").body.cidr_block).toBe("192.168.16.0/20");
    expect(resource(json, "aws_subnet").body).toEqual(expect.objectContaining({ cidr_block: "192.168.16.0/20", availability_zone: "eu-west-1c" }));
  });

  it.each([
    [
      { cidrBlock: "10.20.0.1/24" },
      'cidrBlock = "10.20.0.1/24" is not allowed: it must be an IPv4 CIDR block from /16 to /28 (AWS\'s VPC limits), e.g. 10.20.0.0/24; the address must be the network address (host bits zero): 10.20.0.0/24',
    ],
    [{ cidrBlock: "10.0.0.0/8" }, "/8 is outside that"],
    [{ cidrBlock: "169.254.0.0/16" }, "outside 169.254.0.0/16"],
    [{ availabilityZone: "us-east-1z" }, 'availabilityZone = "us-east-1z" is not allowed: it must be one of the zones of us-east-1: us-east-1a,'],
    [{ availabilityZone: "moon-1a" }, 'availabilityZone = "moon-1a" is not allowed: it must be a zone of a known AWS region, e.g. us-east-1a'],
    [{ availabilityZone: "toStringa" }, 'availabilityZone = "toStringa" is not allowed'],
    [{ logRetentionDays: 10 }, "logRetentionDays = 10 is not allowed"],
  ])("refuses bad props %j", (props, message) => {
    expect(() => synthNetwork(props)).toThrow(message);
  });
});
