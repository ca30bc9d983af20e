/**
 * The deploy lifecycle, for real, against the local AWS (moto's server over TLS, started by this
 * test): real Terraform and the real AWS provider apply the synthesized stack, records go from the
 * generator to destination/ through every hop, a second plan differs only where the emulator is
 * known to answer differently (local/emulator-differences.ts), the bucket's TLS-only policy denies
 * plain HTTP, a bad object ends in the failure queue, and destroy leaves an empty state and nothing
 * in the emulator. moto must be installed (`pip install 'moto[server]==5.2.1'`): without it this
 * test fails, saying so.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { EMULATOR_DIFFERENCES, PlanDifference } from "../local/emulator-differences";
import { LocalLab } from "../local/local-lab";
import { LOCAL_CREDENTIALS, localClientConfig } from "../local/local-aws";
import { PlannedChange, planChanges, readLocalState } from "../local/local-stack";
import { emulatorInventory, Inventory } from "./helpers/emulator-inventory";

const RECORDS = 2000;
const outdir = mkdtempSync(join(tmpdir(), "lab-local-lifecycle-"));
/** The lab's progress output, which no test reads: discarded. */
const stream = Object.assign(new Writable({ write: (_chunk, _encoding, done) => done() }), { isTTY: false });
/** No LAB_* or AWS_* variable of this machine: the stack as a fresh clone synthesizes it. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(LAB_|AWS_)/.test(key)));

let lab: LocalLab;
let emulatorBefore: Inventory;
/** The second plan, made while the first tests send records (it reads only what Terraform manages). */
let secondPlan: Promise<PlannedChange[]>;

beforeAll(async () => {
  lab = await LocalLab.start({ outdir, env, plainHttp: true, stream, lambda: { retryDelaysMs: [100, 200] } });
  emulatorBefore = await emulatorInventory(lab.aws, lab.settings.region);
  await lab.deploy();
  secondPlan = planChanges(lab.stack);
  secondPlan.catch(() => undefined); // its own test reports a failure
}, 400_000);

afterAll(async () => {
  // Unset when beforeAll failed before making it: then there is nothing to stop.
  const started = lab as LocalLab | undefined;
  await started?.stop();
  if (!started?.keptAfterFailure) rmSync(outdir, { recursive: true, force: true }); // else its logs say why
});

describe("the lab, deployed into the local AWS", () => {
  it(`moves ${RECORDS} records through every hop, and npm run verify passes`, async () => {
    const flow = await lab.flow({ records: RECORDS });
    const c = flow.counts;
    expect({ stalled: flow.stalled, generator: flow.generatorStatus, failed: c.failedObjects, notDelivered: c.notDelivered, givenUp: c.givenUp }).toEqual({
      stalled: undefined,
      generator: 0,
      failed: 0,
      notDelivered: 0,
      givenUp: 0,
    });
    expect({ generated: c.generated, source: c.source.records, processed: c.processedRecords, sent: c.rowsSent, destination: c.destination.records }).toEqual({
      generated: RECORDS,
      source: RECORDS,
      processed: RECORDS,
      sent: RECORDS,
      destination: RECORDS,
    });
    expect(c.processedObjects).toBe(c.source.objects);
    const verify = await lab.verify();
    expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: "" });
    expect(verify.stdout).toMatch(/^PASS: /m);
  }, 180_000);

  it("runs until it is stopped (Ctrl-C in npm start), then drains: every record generated reaches every hop", async () => {
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const flow = await lab.flow({ stop: stopped, onProgress: (counts) => counts.source.records > 0 && stop() });
    const c = flow.counts;
    expect({ complete: flow.complete, stalled: flow.stalled }).toEqual({ complete: true, stalled: undefined });
    expect(c.generated).toBeGreaterThan(0);
    expect([c.source.records, c.processedRecords, c.rowsSent, c.destination.records]).toEqual([c.generated, c.generated, c.generated, c.generated]);
  }, 180_000);

  it("plans again with changes only where the emulator answers differently from AWS, each listed with its cause", async () => {
    const expected = EMULATOR_DIFFERENCES.flatMap((d) => (d.planChange ? [d.planChange] : []));
    expect(sortDifferences((await secondPlan).map(differenceOf))).toEqual(sortDifferences(expected));
  }, 180_000);

  it("denies plain-HTTP object requests by the bucket's TLS-only policy, and allows HTTPS ones", async () => {
    const key = (await lab.s3.send(new ListObjectsV2Command({ Bucket: lab.bucket, Prefix: lab.settings.sourcePrefix }))).Contents![0].Key!;
    const overTls = await lab.s3.send(new GetObjectCommand({ Bucket: lab.bucket, Key: key }));
    expect(overTls.$metadata.httpStatusCode).toBe(200);
    const plain = new S3Client({ endpoint: lab.aws.plain, region: lab.settings.region, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
    const statusOf = (request: Promise<unknown>) =>
      request.then(
        () => 200,
        (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
      );
    expect(await statusOf(plain.send(new GetObjectCommand({ Bucket: lab.bucket, Key: key })))).toBe(403);
    expect(await statusOf(plain.send(new PutObjectCommand({ Bucket: lab.bucket, Key: `${lab.settings.sourcePrefix}plain`, Body: "{}\n" })))).toBe(403);
  });

  it("retries an object holding a record that is not a record, then sends its S3 event to the failure queue; none of its rows reach destination/", async () => {
    const destination = async () => (await lab.s3.send(new ListObjectsV2Command({ Bucket: lab.bucket, Prefix: lab.settings.destinationPrefix }))).KeyCount;
    const destinationBefore = await destination();
    const key = `${lab.settings.sourcePrefix}bad objects/one record+not JSON.json`;
    const good = (
      await lab.s3.send(
        new GetObjectCommand({
          Bucket: lab.bucket,
          Key: (await lab.s3.send(new ListObjectsV2Command({ Bucket: lab.bucket, Prefix: lab.settings.sourcePrefix }))).Contents![0].Key!,
        }),
      )
    ).Body!;
    const firstRecord = (await good.transformToString()).split("\n")[0];
    const service = lab.lambdaService();
    await lab.s3.send(new PutObjectCommand({ Bucket: lab.bucket, Key: key, Body: `${firstRecord}\nnot JSON\n` }));
    const deadline = Date.now() + 60_000;
    while (!service.outcomes.some((o) => o.status !== "succeeded") && Date.now() < deadline) {
      await service.step();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await service.stop();
    // S3 sends the key URL-encoded, '+' for a space; a literal '+' is %2B.
    const encodedKey = `${lab.settings.sourcePrefix}bad+objects/one+record%2Bnot+JSON.json`;
    expect(service.outcomes).toEqual([expect.objectContaining({ key: encodedKey, status: "sent-to-failure-destination", attempts: 3 })]);

    const queueUrl = String(readLocalState(lab.stack).resources.find((r) => r.type === "aws_sqs_queue")!.attributes.url);
    const sqs = new SQSClient(localClientConfig(lab.aws, lab.settings.region));
    const messages = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
    expect(messages).toHaveLength(1);
    const record = JSON.parse(messages[0].Body!);
    expect(record).toMatchObject({
      version: "1.0",
      requestContext: { condition: "RetriesExhausted", approximateInvokeCount: 3, functionArn: expect.stringMatching(/:function:StreamApplication:\$LATEST$/) },
      requestPayload: {
        Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: lab.bucket }, object: { key: encodedKey } } }],
      },
      responseContext: { functionError: "Unhandled" },
    });
    expect(record.responsePayload.errorMessage).toContain(`s3://${lab.bucket}/${key}`);
    expect(record.responsePayload.errorMessage).toMatch(/line 2/);
    expect(await destination()).toBe(destinationBefore);
  }, 120_000);

  it("refuses to destroy while the bucket holds data, naming the counts; --empty-bucket empties it, and destroy leaves an empty state and nothing in the emulator", async () => {
    const deployed = readLocalState(lab.stack).resources.length;
    await expect(lab.destroy({ emptyBucket: false })).rejects.toThrow(
      new RegExp(`^bucket ${lab.bucket} holds \\d+ object versions and 0 delete markers, so destroy would stop at BucketNotEmpty; nothing was destroyed`),
    );
    expect(readLocalState(lab.stack).resources).toHaveLength(deployed);
    await lab.destroy({ emptyBucket: true });
    expect(readLocalState(lab.stack).resources).toEqual([]);
    expect(await emulatorInventory(lab.aws, lab.settings.region)).toEqual(emulatorBefore);
  }, 300_000);
});

/** A planned change as the difference list describes one. */
function differenceOf(change: PlannedChange): PlanDifference {
  const { actions, before, after, replace_paths } = change.change as PlannedChange["change"] & { after_unknown?: Record<string, unknown> };
  const unknown = (change.change as { after_unknown?: Record<string, unknown> }).after_unknown ?? {};
  const attributes = actions.includes("delete")
    ? [...new Set((replace_paths ?? []).map((path) => String((path as unknown[])[0])))]
    : Object.keys({ ...(before as object), ...(after as object) }).filter(
        (k) => unknown[k] === true || JSON.stringify((before as Record<string, unknown>)[k]) !== JSON.stringify((after as Record<string, unknown>)[k]),
      );
  return { type: change.type, actions, attributes: attributes.sort() };
}

function sortDifferences(differences: readonly PlanDifference[]): PlanDifference[] {
  return [...differences].map((d) => ({ ...d, attributes: [...d.attributes].sort() })).sort((a, b) => a.type.localeCompare(b.type));
}
