/**
 * The generator instance's user data: a cloud-config that installs the generator with the record
 * schema next to it and runs it as a systemd service configured by the stack. cloud-config is
 * YAML, and JSON is YAML, so it is rendered with JSON.stringify: no quoting bugs, whatever the
 * values. The whole document is gzipped (cloud-init unpacks it) to stay far below EC2's 16 KB.
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
  /** Most bytes of records packed into one Firehose record (0: one record each). */
  readonly packBytes: number;
  /** `s3://bucket/key` of a CSV to replay instead of synthesizing records. */
  readonly replayUrl?: string;
}

export const GENERATOR_INSTALL_DIR = "/usr/local/lib/lab-generator";
/** The record schema, shipped next to the generator, which reads it from there. */
const SCHEMA_FILE = join(__dirname, "..", "schemas", "loss-event.schema.json");

/** Renders the cloud-config text (the user data before compression). */
export function renderCloudConfig(config: GeneratorConfig): string {
  const file = (path: string) => readFileSync(path, "utf8");
  const env = [
    `LAB_STREAM=${config.streamName}`,
    `LAB_REGION=${config.region}`,
    `LAB_RATE=${config.rate}`,
    `LAB_PACK_BYTES=${config.packBytes}`,
    // Unbraced in the unit's ExecStart, so systemd splits it into words (none when empty).
    `LAB_REPLAY_ARGS=${config.replayUrl !== undefined ? `--replay ${config.replayUrl}` : ""}`,
  ].join("\n");
  const cloudConfig = {
    write_files: [
      { path: `${GENERATOR_INSTALL_DIR}/generator.py`, content: file(join(__dirname, "generator.py")), permissions: "0755" },
      { path: `${GENERATOR_INSTALL_DIR}/loss-event.schema.json`, content: file(SCHEMA_FILE), permissions: "0644" },
      { path: "/etc/systemd/system/lab-generator.service", content: file(join(__dirname, "lab-generator.service")), permissions: "0644" },
      { path: "/etc/lab-generator.env", content: `${env}\n`, permissions: "0644" },
    ],
    runcmd: [
      // boto3 from the distribution when it has it, else from PyPI.
      ["sh", "-c", "dnf install -y python3-boto3 || (dnf install -y python3-pip && pip3 install boto3)"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "lab-generator.service"],
    ],
  };
  return `#cloud-config\n${JSON.stringify(cloudConfig)}\n`;
}

/**
 * The user data EC2 receives (its 16 KB limit counts these bytes): the cloud-config gzipped. The
 * header's OS byte is fixed so the bytes, and so the plan, do not depend on the machine that synths.
 */
export function compressUserData(cloudConfig: string): Buffer {
  const gzip = gzipSync(Buffer.from(cloudConfig, "utf8"), { level: 9 });
  gzip[9] = 0xff; // "unknown" OS
  return gzip;
}
