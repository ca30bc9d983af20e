import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_RECORD_BYTES, RecordSplitter, SplitItem } from "../verify/records";

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

const values = (items: SplitItem[]) => items.filter((i) => i.kind === "record").map((i) => (i.kind === "record" ? i.value : undefined));
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
    const text = RECORDS.slice(0, 6).map((r) => JSON.stringify(r)).join("") + "\n" + LINES.slice(6, 12).join("\n");
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
    expect(notJson.kind === "broken" && notJson.reason).toMatch(/^not valid JSON: /);
    expect(notJson.kind === "broken" && notJson.excerpt).toBe('{"Region": EMEA, "Business": "Retail Banking"}');
    expect(cut.kind === "broken" && cut.reason).toBe("a line break inside a string: the record is cut short");
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
      { kind: "broken", reason: "the object ends inside this record (truncated)", excerpt: expect.stringMatching(/^\{"Region"/), position: { index: 2, line: 2, offset: LINES[0].length + 1 } },
    ]);
  });

  it("reports text between records that is not an object", () => {
    const items = split(`${LINES[0]} oops, ${LINES[1]}`);
    expect(values(items)).toEqual(RECORDS.slice(0, 2));
    expect(broken(items).map((i) => i.kind === "broken" && [i.reason, i.excerpt])).toEqual([
      ["text between records that is not a JSON object", "oops,"],
    ]);
  });

  it("refuses a record longer than Firehose's limit, closed or not, and reads on", () => {
    const long = `{"Name":"${"x".repeat(MAX_RECORD_BYTES)}"}`;
    const closed = split(long + LINES[0], 64 * 1024);
    expect(broken(closed).map((i) => i.kind === "broken" && i.reason)).toEqual([`longer than ${MAX_RECORD_BYTES} bytes, the Firehose record limit`]);
    expect(values(closed)).toEqual([RECORDS[0]]);

    const unclosed = split(`${long.slice(0, -2)}${"y".repeat(200_000)}\n${LINES[0]}`, 64 * 1024);
    expect(broken(unclosed).map((i) => i.kind === "broken" && i.reason)).toEqual([`longer than ${MAX_RECORD_BYTES} bytes without closing (the Firehose record limit)`]);
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
