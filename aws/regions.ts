import { satisfying } from "../input/allowed";

/**
 * AWS commercial regions (partition `aws`) known to the AWS provider 5.100.0, each with the
 * letters of its Availability Zones (`us-east-1` + `a` = `us-east-1a`). GovCloud and China use
 * other partitions and endpoints that this project has not been tested with.
 *
 * Zone letters: EC2's describe-availability-zones as recorded in moto 5.2.1
 * (moto/ec2/resources/instance_type_offerings/availability-zone); in the eight regions that map
 * zone names to zones per account (AWS, "AZ IDs": us-east-1, us-west-1, us-west-2,
 * ap-northeast-1, ap-southeast-1, ap-southeast-2, eu-west-1, sa-east-1) every letter some
 * account sees there, one per AZ ID; ap-east-2, ap-southeast-7 and mx-central-1 (2025, not in
 * that data) opened with three zones, a-c. A zone that an account lacks still fails at deploy.
 */
const AVAILABILITY_ZONE_LETTERS: Readonly<Record<string, string>> = {
  "af-south-1": "abc",
  "ap-east-1": "abc",
  "ap-east-2": "abc",
  "ap-northeast-1": "abcd",
  "ap-northeast-2": "abcd",
  "ap-northeast-3": "abc",
  "ap-south-1": "abc",
  "ap-south-2": "abc",
  "ap-southeast-1": "abc",
  "ap-southeast-2": "abc",
  "ap-southeast-3": "abc",
  "ap-southeast-4": "abc",
  "ap-southeast-5": "abc",
  "ap-southeast-7": "abc",
  "ca-central-1": "abd",
  "ca-west-1": "abc",
  "eu-central-1": "abc",
  "eu-central-2": "abc",
  "eu-north-1": "abc",
  "eu-south-1": "abc",
  "eu-south-2": "abc",
  "eu-west-1": "abc",
  "eu-west-2": "abc",
  "eu-west-3": "abc",
  "il-central-1": "abc",
  "me-central-1": "abc",
  "me-south-1": "abc",
  "mx-central-1": "abc",
  "sa-east-1": "abc",
  "us-east-1": "abcdef",
  "us-east-2": "abc",
  "us-west-1": "abc",
  "us-west-2": "abcd",
};

export const AWS_REGIONS: readonly string[] = Object.keys(AVAILABILITY_ZONE_LETTERS);

/** A region name of AWS_REGIONS, in words that list them. */
export const KNOWN_REGION = satisfying((region: string) => AWS_REGIONS.includes(region), `a known AWS region (${AWS_REGIONS.join(", ")})`);

/** The Availability Zone names of a known region, e.g. `us-east-2a`, `us-east-2b`, `us-east-2c`; none for any other text. */
export function availabilityZonesOf(region: string): string[] {
  const letters = AWS_REGIONS.includes(region) ? AVAILABILITY_ZONE_LETTERS[region] : "";
  return [...letters].map((letter) => `${region}${letter}`);
}
