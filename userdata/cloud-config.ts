/**
 * The generator instance's user data: a cloud-config that installs the generator and runs it as
 * a systemd service sending to the stream the stack names. cloud-config is YAML, and JSON is
 * YAML, so it is rendered with JSON.stringify: no quoting bugs, whatever the values.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface GeneratorConfig {
  /** Delivery stream the generator sends to. */
  readonly streamName: string;
  /** Region of that stream. */
  readonly region: string;
  /** Records per second. */
  readonly rate: number;
}

export const GENERATOR_INSTALL_DIR = "/opt/lab-generator";

function gzipBase64(text: string): string {
  return gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
}

/** Renders the cloud-config text (the user data before EC2's base64). */
export function renderCloudConfig(config: GeneratorConfig): string {
  const file = (name: string) => readFileSync(join(__dirname, name), "utf8");
  const env = [`LAB_STREAM=${config.streamName}`, `LAB_REGION=${config.region}`, `LAB_RATE=${config.rate}`].join("\n");
  const cloudConfig = {
    write_files: [
      {
        path: `${GENERATOR_INSTALL_DIR}/generator.py`,
        encoding: "gz+b64",
        content: gzipBase64(file("generator.py")),
        permissions: "0755",
      },
      { path: "/etc/systemd/system/lab-generator.service", content: file("lab-generator.service"), permissions: "0644" },
      { path: "/etc/lab-generator.env", content: `${env}\n`, permissions: "0644" },
    ],
    runcmd: [
      // boto3 from the distribution when it has it, else from PyPI.
      ["sh", "-c", "dnf install -y python3-boto3 || (dnf install -y python3-pip && pip3 install boto3)"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "lab-generator.service"],
    ],
  };
  return `#cloud-config\n${JSON.stringify(cloudConfig, null, 1)}\n`;
}
