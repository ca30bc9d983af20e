/**
 * The IPv4 CIDR blocks a VPC (and its one subnet, which uses the whole block) can have: AWS allows
 * /16 to /28, and rewrites a block whose host bits are set to its network address, so Terraform
 * would see a change on every plan; blocks in ranges that never carry instance traffic are refused.
 */

/** AWS's VPC and subnet netmask limits. */
const VPC_PREFIX_LENGTH = { min: 16, max: 28 } as const;

/** Special-purpose IPv4 ranges (RFC 6890) a VPC must stay out of, with why. */
export const SPECIAL_IPV4_RANGES: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: "0.0.0.0/8", what: "'this network'" },
  { cidr: "127.0.0.0/8", what: "loopback" },
  { cidr: "169.254.0.0/16", what: "link-local, where the instance metadata service answers" },
  { cidr: "224.0.0.0/4", what: "multicast" },
  { cidr: "240.0.0.0/4", what: "reserved, and broadcast" },
];

const VPC_CIDR_RULE = `an IPv4 CIDR block from /${VPC_PREFIX_LENGTH.min} to /${VPC_PREFIX_LENGTH.max} (AWS's VPC limits), e.g. 10.20.0.0/24`;

/** A decimal number from 0 to 255 without leading zeros (which some parsers read as octal). */
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/([1-9]?\\d)$`);

/** The address of a dotted quad as a number from 0 to 2^32 - 1. */
function addressOf(octets: readonly number[]): number {
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** What a VPC CIDR block must be, when `text` is not one; undefined when it is. */
export function vpcCidrProblem(text: string): string | undefined {
  const m = CIDR.exec(text);
  if (!m) return `${VPC_CIDR_RULE}: four decimal numbers 0-255 without leading zeros, '/', the prefix length`;
  const address = addressOf(m.slice(1, 5).map(Number));
  const bits = Number(m[5]);
  if (bits < VPC_PREFIX_LENGTH.min || bits > VPC_PREFIX_LENGTH.max) return `${VPC_CIDR_RULE}; /${bits} is outside that`;
  const size = 2 ** (32 - bits);
  if (address % size !== 0) {
    return `${VPC_CIDR_RULE}; the address must be the network address (host bits zero): ${dotted(address - (address % size))}/${bits}`;
  }
  for (const range of SPECIAL_IPV4_RANGES) {
    const [base, length] = range.cidr.split("/");
    const start = addressOf(base.split(".").map(Number));
    if (address >= start && address < start + 2 ** (32 - Number(length))) {
      return `${VPC_CIDR_RULE}, outside ${range.cidr} (${range.what})`;
    }
  }
  return undefined;
}
