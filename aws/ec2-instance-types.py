#!/usr/bin/env python3
"""Writes aws/ec2-instance-types.json: the EC2 instance types the generator's image can run on.

The generator's image is Amazon Linux 2023 for x86_64 (HVM, EBS root), launched on demand. The
source is EC2's own DescribeInstanceTypes answer as moto records it
(moto/ec2/resources/instance_types.json.gz, installed with moto[server]). A type is listed when
its processor supports x86_64 and it runs HVM from an EBS root on demand; the families of every
other type are kept with their architecture, so a refusal can say why (arm64 is Graviton).

  python3 aws/ec2-instance-types.py > aws/ec2-instance-types.json
"""
import gzip
import importlib.metadata
import json
import os
import re
import sys

import moto


def size_key(size):
    """Sizes in the order EC2 lists them: nano < micro < ... < xlarge < 2xlarge < ... < metal."""
    base = ["nano", "micro", "small", "medium", "large", "xlarge"]
    m = re.fullmatch(r"(\d*)(nano|micro|small|medium|large|xlarge)", size)
    if m:
        return (0, int(m.group(1) or 0) if m.group(2) == "xlarge" else 0, base.index(m.group(2)), size)
    return (1, 0, 0, size)  # metal, metal-24xl, ...


def main():
    path = os.path.join(os.path.dirname(moto.__file__), "ec2", "resources", "instance_types.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        types = json.load(f)
    x86, other = {}, {}
    for name, info in types.items():
        family, size = name.split(".", 1)
        architectures = info["ProcessorInfo"]["SupportedArchitectures"]
        runs_image = ("x86_64" in architectures and "hvm" in info.get("SupportedVirtualizationTypes", [])
                      and "ebs" in info.get("SupportedRootDeviceTypes", [])
                      and "on-demand" in info.get("SupportedUsageClasses", []))
        if runs_image:
            x86.setdefault(family, []).append(size)
        else:
            other[family] = "/".join(a for a in architectures if a != "i386") or "unknown"
    source = ("EC2 DescribeInstanceTypes as recorded in moto %s (moto/ec2/resources/instance_types.json.gz), "
              "filtered by aws/ec2-instance-types.py: x86_64, HVM, EBS root, on demand" % importlib.metadata.version("moto"))

    def line(key, value):  # one family per line, so a change of the data reads as a change of families
        return "  %s: %s" % (json.dumps(key), json.dumps(value))

    sys.stdout.write("{\n \"source\": %s,\n \"x86_64\": {\n%s\n },\n \"otherArchitectures\": {\n%s\n }\n}\n" % (
        json.dumps(source),
        ",\n".join(line(family, sorted(sizes, key=size_key)) for family, sizes in sorted(x86.items())),
        ",\n".join(line(family, arch) for family, arch in sorted(other.items()) if family not in x86)))

if __name__ == "__main__":
    main()
