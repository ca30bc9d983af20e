import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { firstInvalidUtf8, MAX_RECORD_BYTES, RecordSplitter, SplitItem } from "../verify/records";

const FIXTURES = join(__dirname, "fixtures", "verify");
const LINES = readFileSync(join(FIXTURES, "records.jsonl"), "utf8").trimEnd().split("\n");
const RECORDS = LINES.map((l) => JSON.parse(l) as Record<string, unknown>);

/** Splits `input` fed in chunks of `chunkSize` bytes (all at once by default). */
function split(input: string | Buffer, chunkSize = Infinity): SplitItem[] {
  const items: SplitItem[] = [];
  const splitter = new RecordSplitter((item) => items.push(item));
  const bytes = typeof input === "string" ? Buffer.from(input) : input;
  for (let i = 0; i < bytes.length; i += Math.min(chunkSize, bytes.length)) splitter.push(bytes.subarray(i, i + chunkSize));
  splitter.end();
  return items;
}

const values = (items: SplitItem[]) => items.filter((i) => i.kind === "record").map((i) => i.value);
const broken = (items: SplitItem[]) => items.filter((i) => i.kind === "broken");
/** What a person reads in a report: kind, ordinal, line and offset. */
const positions = (items: SplitItem[]) => items.map((i) => `${i.kind}#${i.position.index}@${i.position.line}:${i.position.offset}`);

describe("RecordSplitter", () => {
  it("reads one JSON object per line (the generator's format), with each record's line and byte offset", () => {
    const text = LINES.join("\n") + "\n";
    const items = split(text);
    expect(values(items)).toEqual(RECORDS);
    expect(broken(items)).toEqual([]);
    expect(items[2].position).toEqual({ index: 3, line: 3, offset: LINES[0].length + LINES[1].length + 2 });
  });

  it("reads objects concatenated with no delimiter (the lab's {...}{...} format, Python's default separators)", () => {
    const lab = RECORDS.map((r) => JSON.stringify(r).replace(/","/g, '", "').replace(/":/g, '": ')).join("");
    const items = split(lab);
    expect(values(items)).toEqual(RECORDS);
    expect(items.every((i) => i.position.line === 1)).toBe(true);
  });

  it("gives the same records however the bytes are chunked, one byte at a time included", () => {
    const text =
      RECORDS.slice(0, 6)
        .map((r) => JSON.stringify(r))
        .join("") +
      "\n" +
      LINES.slice(6, 12).join("\n");
    const whole = split(text);
    for (const size of [1, 2, 3, 7, 64]) expect(split(text, size)).toEqual(whole);
    expect(values(whole)).toEqual(RECORDS.slice(0, 12));
  });

  it("keeps braces, brackets, escaped quotes, backslashes and \\n escapes inside strings, and UTF-8 split across chunks", () => {
    const tricky = [
      { Name: 'a}{b"}{', Note: "[not an array]", Path: "C:\\dir\\", Text: "line\nbreak\ttab" },
      { Name: "Zürich €", Nested: { list: [1, { x: "}" }] } },
    ];
    const text = tricky.map((r) => JSON.stringify(r)).join("");
    expect(text).toContain('\\"}{'); // an escaped quote right before a brace
    for (const size of [1, 5, Infinity]) expect(values(split(text, size))).toEqual(tricky);
  });

  it("reports a broken record in the middle of a line-delimited object with its position; the rest still parses", () => {
    const text = [LINES[0], '{"Region": EMEA, "Business": "Retail Banking"}', LINES[1], '{"Region":"EM', LINES[2]].join("\n") + "\n";
    const items = split(text, 10);
    expect(values(items)).toEqual(RECORDS.slice(0, 3));
    expect(positions(items)).toEqual([
      "record#1@1:0",
      `broken#2@2:${LINES[0].length + 1}`,
      expect.stringMatching(/^record#3@3:/),
      expect.stringMatching(/^broken#4@4:/),
      expect.stringMatching(/^record#5@5:/),
    ]);
    const [notJson, cut] = broken(items);
    expect(notJson.reason).toMatch(/^not valid JSON: /);
    expect(notJson.excerpt).toBe('{"Region": EMEA, "Business": "Retail Banking"}');
    expect(cut.reason).toBe("a line break inside a string: the record is cut short");
  });

  it("recovers the next record when a record is cut short by it with no delimiter (lab format), counting one error", () => {
    const [a, b, c] = LINES;
    const truncated = b.slice(0, 40); // ends inside a string value
    const text = a + truncated + b + c;
    const items = split(text, 16);
    expect(values(items)).toEqual([RECORDS[0], RECORDS[1], RECORDS[2]]);
    expect(positions(items)).toEqual([
      "record#1@1:0",
      `broken#2@1:${a.length}`,
      `record#3@1:${a.length + truncated.length}`,
      `record#4@1:${a.length + truncated.length + b.length}`,
    ]);
  });

  it("counts a broken record once even when rescanning its inside finds more broken text", () => {
    const bad = '{"Name":"a{b", bad}';
    for (const text of [bad + LINES[0] + LINES[1], `${bad}\n${LINES[0]}\n${LINES[1]}`]) {
      const items = split(text);
      expect(values(items)).toEqual(RECORDS.slice(0, 2));
      expect(broken(items)).toEqual([expect.objectContaining({ excerpt: bad, position: { index: 1, line: 1, offset: 0 } })]);
    }
  });

  it("reports a truncated object: the last record is open when the bytes end", () => {
    const items = split(LINES[0] + "\n" + LINES[1].slice(0, 50));
    expect(values(items)).toEqual([RECORDS[0]]);
    expect(broken(items)).toEqual([
      {
        kind: "broken",
        reason: "the object ends inside this record (truncated)",
        excerpt: expect.stringMatching(/^\{"Region"/),
        position: { index: 2, line: 2, offset: LINES[0].length + 1 },
      },
    ]);
  });

  it("reports text between records that is not an object", () => {
    const items = split(`${LINES[0]} oops, ${LINES[1]}`);
    expect(values(items)).toEqual(RECORDS.slice(0, 2));
    expect(broken(items).map((i) => [i.reason, i.excerpt])).toEqual([["text between records that is not a JSON object", "oops,"]]);
  });

  it("refuses a record longer than Firehose's limit, closed or not, and reads on", () => {
    const long = `{"Name":"${"x".repeat(MAX_RECORD_BYTES)}"}`;
    const closed = split(long + LINES[0], 64 * 1024);
    expect(broken(closed).map((i) => i.reason)).toEqual([`longer than ${MAX_RECORD_BYTES} bytes, the Firehose record limit`]);
    expect(values(closed)).toEqual([RECORDS[0]]);

    const unclosed = split(`${long.slice(0, -2)}${"y".repeat(200_000)}\n${LINES[0]}`, 64 * 1024);
    expect(broken(unclosed).map((i) => i.reason)).toEqual([`longer than ${MAX_RECORD_BYTES} bytes without closing (the Firehose record limit)`]);
    expect(values(unclosed)).toEqual([RECORDS[0]]);
  });

  it("treats a record spread over several lines (pretty-printed) as broken: Firehose records never are", () => {
    const items = split('{\n  "Name": "x"\n}\n');
    expect(values(items)).toEqual([]);
    expect(items[0]).toMatchObject({ kind: "broken", reason: "not closed before the end of the line", position: { index: 1, line: 1 } });
  });

  it("finds nothing in an empty or blank object", () => {
    expect(split("")).toEqual([]);
    expect(split(" \r\n\n\t")).toEqual([]);
  });
});

/** Splits as a source object is read: one JSON object per line, as the analytics reads it. */
function splitSource(input: string | Buffer, chunkSize = Infinity): SplitItem[] {
  const items: SplitItem[] = [];
  const splitter = new RecordSplitter((item) => items.push(item), { oneRecordPerLine: true });
  const bytes = typeof input === "string" ? Buffer.from(input) : input;
  for (let i = 0; i < bytes.length; i += Math.min(chunkSize, bytes.length)) splitter.push(bytes.subarray(i, i + chunkSize));
  splitter.end();
  return items;
}
const reasons = (items: SplitItem[]) => items.map((i) => (i.kind === "broken" ? i.reason : "record"));
const CONCATENATED =
  "one of several JSON objects on this line with no newline between them (the lab's {...}{...} format): the analytics reads exactly one JSON object per line";
const SHARED_LINE = "shares its line with text that is not part of it: the analytics reads exactly one JSON object per line";
/** The lab's generator: Python's json.dumps, objects back to back. */
const labStyle = (records: readonly Record<string, unknown>[]) => records.map((r) => JSON.stringify(r).replace(/","/g, '", "').replace(/":/g, '": ')).join("");

describe("RecordSplitter, one JSON object per line (source objects, as the analytics reads them)", () => {
  it("reads the generator's lines, CRLF line ends, blank lines and spaces around a record as records", () => {
    const text = `${LINES[0]}\r\n\n  ${LINES[1]}\t\n${LINES[2]}`;
    const items = splitSource(text, 7);
    expect(values(items)).toEqual(RECORDS.slice(0, 3));
    expect(items.map((i) => i.position.line)).toEqual([1, 3, 4]);
  });

  it("reports each object of a {...}{...} line as an invalid record with its own position, naming the format", () => {
    const lab = labStyle(RECORDS.slice(0, 3));
    for (const size of [1, 5, 64, Infinity]) {
      const items = splitSource(`${LINES[5]}\n${lab}\n${LINES[6]}\n`, size);
      expect(values(items)).toEqual([RECORDS[5], RECORDS[6]]);
      expect(reasons(items)).toEqual(["record", CONCATENATED, CONCATENATED, CONCATENATED, "record"]);
      expect(positions(items)).toEqual([
        "record#1@1:0",
        `broken#2@2:${LINES[5].length + 1}`,
        expect.stringMatching(/^broken#3@2:/),
        expect.stringMatching(/^broken#4@2:/),
        expect.stringMatching(/^record#5@3:/),
      ]);
      const second = items[2];
      expect(second.kind === "broken" && second.excerpt).toBe(labStyle([RECORDS[1]]).slice(0, 60) + "…");
    }
  });

  it("reports a record that shares its line with other text, as the analytics refuses the whole line", () => {
    expect(reasons(splitSource(`${LINES[0]} oops\n${LINES[1]}\n`))).toEqual([SHARED_LINE, "text between records that is not a JSON object", "record"]);
    expect(reasons(splitSource(`[1] ${LINES[0]}\n`))).toEqual(["text between records that is not a JSON object", SHARED_LINE]);
    // A record cut short by the next ones (the lab's format): each still counts once, each refused.
    const cut = LINES[0].slice(0, 40) + LINES[1] + LINES[2];
    expect(reasons(splitSource(cut))).toEqual(["the object ends inside this record (truncated)", SHARED_LINE, CONCATENATED]);
  });

  it("agrees with the analytics' own reader on which lines are records", async () => {
    const { SqlRunner } = await import("../dialect/duckdb-runner");
    const { compileAnalyticsSql } = await import("../dialect/compiler");
    const { LAB_ANALYTICS } = await import("../sql/analytics");
    const runner = await SqlRunner.open(compileAnalyticsSql(readFileSync(LAB_ANALYTICS.sqlFile, "utf8"), LAB_ANALYTICS.streams, LAB_ANALYTICS.sqlFile), {
      threads: 1,
    });
    try {
      const lines = [
        LINES[0],
        labStyle(RECORDS.slice(1, 3)),
        `  ${LINES[3]}  `,
        `${LINES[4]}\r`,
        "",
        `${LINES[5]} trailing`,
        `${LINES[6]}${LINES[7]}`,
        LINES[8].slice(0, 50),
        `{"Region": EMEA}`,
        "[]",
        `\uFEFF${LINES[9]}`,
        LINES[10],
      ];
      const refusedByAnalytics = (await runner.run(lines)).problems.map((p) => p.line);
      const items = splitSource(lines.join("\n"));
      const acceptedByVerifier = new Set(items.filter((i) => i.kind === "record").map((i) => i.position.line));
      const refusedByVerifier = [...new Set(items.filter((i) => i.kind === "broken").map((i) => i.position.line))];
      expect(refusedByVerifier).toEqual(refusedByAnalytics);
      expect([...acceptedByVerifier]).toEqual([1, 3, 4, 12]);
    } finally {
      runner.close();
    }
  });

  it("finds, whatever the lines and chunks, exactly the records alone on their line (property)", () => {
    const record = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(fc.array(fc.array(record, { minLength: 1, maxLength: 3 }), { maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (lines, chunk) => {
        const text = lines.map((objects) => objects.map((o) => JSON.stringify(o)).join("")).join("\n");
        const items = splitSource(text, chunk);
        expect(values(items)).toEqual(lines.filter((objects) => objects.length === 1).map(([o]) => o));
        expect(reasons(items)).toEqual(lines.flatMap((objects) => objects.map(() => (objects.length === 1 ? "record" : CONCATENATED))));
        expect(items.map((i) => i.position.line)).toEqual(lines.flatMap((objects, line) => objects.map(() => line + 1)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("RecordSplitter and bytes that are not UTF-8", () => {
  const bad = (text: string, byte: number, at: number) => Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([byte]), Buffer.from(text.slice(at))]);

  it("reports a record holding a byte that is not UTF-8 with its line and the byte's offset, never as a record with U+FFFD", () => {
    const broken = bad(LINES[1], 0xff, 20); // inside the Business value
    const bytes = Buffer.concat([Buffer.from(`${LINES[0]}\n`), broken, Buffer.from(`\n${LINES[2]}\n`)]);
    for (const items of [split(bytes, 3), splitSource(bytes, 3)]) {
      expect(values(items)).toEqual([RECORDS[0], RECORDS[2]]);
      expect(broken.length).toBeGreaterThan(20);
      expect(items[1]).toEqual({
        kind: "broken",
        reason: `not valid UTF-8: byte 0xff at byte ${(LINES[0].length + 1 + 20).toLocaleString("en-US")} of the object begins no UTF-8 character`,
        excerpt: `${LINES[1].slice(0, 20)}\\xff${LINES[1].slice(20, 59)}…`, // 60 characters, the byte one of them
        position: { index: 2, line: 2, offset: LINES[0].length + 1 },
      });
    }
  });

  it.each([
    ["a lone continuation byte", [0x80]],
    ["an overlong '/'", [0xc0, 0xaf]],
    ["an overlong 3-byte form", [0xe0, 0x80, 0xaf]],
    ["a UTF-16 surrogate (U+D800)", [0xed, 0xa0, 0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["a sequence cut short", [0xe2, 0x82]],
  ])("refuses %s inside a string value", (_name, bytes) => {
    const record = Buffer.concat([Buffer.from('{"Name":"a'), Buffer.from(bytes), Buffer.from('b"}')]);
    const [item] = splitSource(record);
    expect(item).toMatchObject({ kind: "broken", reason: expect.stringMatching(/^not valid UTF-8: byte 0x[0-9a-f]{2} at byte 10 of the object/) });
  });

  it("finds the first byte that is not UTF-8 exactly where the platform's strict decoder fails (property)", () => {
    const strict = new TextDecoder("utf-8", { fatal: true });
    const valid = (bytes: Uint8Array) => {
      try {
        strict.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: "grapheme", maxLength: 6 }).map((s) => new Uint8Array(Buffer.from(s))),
    );
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 4 }), (parts) => {
        const all = Buffer.concat(parts);
        const at = firstInvalidUtf8(all);
        expect(at === -1).toBe(valid(all));
        if (at >= 0) {
          expect(valid(all.subarray(0, at))).toBe(true);
          expect(valid(all.subarray(0, at + 4))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
