/**
 * Which EC2 instance types the generator's image (Amazon Linux 2023, x86_64) runs on: the data is
 * aws/ec2-instance-types.json, written from EC2's DescribeInstanceTypes by
 * aws/ec2-instance-types.py (its `source` says which copy). Whether a type is offered in the
 * chosen region and account is only known at deploy.
 */
import data from "./ec2-instance-types.json";

const X86_64_SIZES: Readonly<Record<string, readonly string[]>> = data.x86_64;
const OTHER_ARCHITECTURES: Readonly<Record<string, string>> = data.otherArchitectures;

/** `<family>.<size>`, e.g. `t3.micro`, `c7i-flex.large`, `u7i-12tb.224xlarge`. */
const INSTANCE_TYPE = /^([a-z][a-z0-9-]*)\.([a-z0-9-]+)$/;

/**
 * What an x86_64 instance type for the generator must be, when `type` is not one; undefined when
 * it is. Says why: Graviton (arm64), a Mac, an unknown family or an unknown size.
 */
export function x86InstanceTypeProblem(type: string): string | undefined {
  const m = INSTANCE_TYPE.exec(type);
  if (!m) return "an EC2 instance type such as t3.micro (<family>.<size>)";
  const [, family, size] = m;
  // Own entries only: a family such as "constructor" is none.
  const sizes = Object.prototype.hasOwnProperty.call(X86_64_SIZES, family) ? X86_64_SIZES[family] : undefined;
  const image = "the generator's image is Amazon Linux 2023 for x86_64";
  if (sizes === undefined) {
    const architecture = Object.prototype.hasOwnProperty.call(OTHER_ARCHITECTURES, family) ? OTHER_ARCHITECTURES[family] : undefined;
    if (architecture !== undefined) {
      const what =
        architecture === "arm64" ? "arm64 (AWS Graviton)" : architecture.endsWith("_mac") ? `${architecture} (a Mac on a dedicated host)` : architecture;
      return `an x86_64 instance type (${image}); ${family} is ${what}, e.g. use t3.micro`;
    }
    return `an x86_64 instance type EC2 knows (${image}); aws/ec2-instance-types.json, EC2's own list, has no family ${family}`;
  }
  return sizes.includes(size) ? undefined : `a size of ${family} that EC2 has: ${sizes.join(", ")}`;
}
