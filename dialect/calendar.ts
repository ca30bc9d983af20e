/**
 * Dates, times and timestamps as exact integers, never through JavaScript's Date: `Date.UTC` maps
 * the years 0-99 to 1900-1999, which once turned 0042-03-01 into 1942-03-01 on the way through.
 * Proleptic Gregorian calendar with a year 0, as ISO 8601, JSON Schema's `format: date` and DuckDB
 * count; days are counted from 1970-01-01, as DuckDB stores a DATE.
 */

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
/** HH:MM:SS with up to 6 fractional digits (DuckDB keeps microseconds). */
const TIME_TEXT = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const MICROS_PER_DAY = 86_400_000_000n;
/** The years `YYYY-MM-DD` can write. */
const FIRST_YEAR = 0;
const LAST_YEAR = 9999;

/** Days from 1970-01-01 of a calendar date (any year; month 1-12, day 1-31 unchecked). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil: eras of 400 years, March-based years so that leap days come last.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The calendar date of a day count from 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Days from 1970-01-01 of a `YYYY-MM-DD` that is on the calendar, else undefined. */
export function parseDate(text: string): number | undefined {
  const m = DATE_TEXT.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return undefined;
  const days = daysFromCivil(year, month, day);
  return civilFromDays(days).day === day ? days : undefined; // 02-30 would come back as 03-02
}

const pad = (n: number | bigint, width: number) => String(n).padStart(width, "0");

/** ISO 8601 text of any day count: `YYYY-MM-DD`, the year signed when it is before 0000 (2 BC is -0001). */
export function dateText(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${year < 0 ? "-" : ""}${pad(Math.abs(year), 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `YYYY-MM-DD` of a day count, or undefined outside the years 0000-9999. */
export function formatDate(days: number): string | undefined {
  const { year } = civilFromDays(days);
  return year < FIRST_YEAR || year > LAST_YEAR ? undefined : dateText(days);
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]`, else undefined. */
export function parseTime(text: string): bigint | undefined {
  const m = TIME_TEXT.exec(text);
  if (!m) return undefined;
  const [hours, minutes, seconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const fraction = m.at(4); // undefined without a fraction of a second
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return BigInt((hours * 60 + minutes) * 60 + seconds) * 1_000_000n + BigInt((fraction ?? "").padEnd(6, "0"));
}

/** `HH:MM:SS`, with the fraction of a second when there is one (trailing zeros dropped). */
export function formatTime(micros: bigint): string | undefined {
  if (micros < 0n || micros >= MICROS_PER_DAY) return undefined; // DuckDB's 24:00:00 included
  const seconds = micros / 1_000_000n;
  const fraction = pad(micros % 1_000_000n, 6).replace(/0+$/, "");
  return `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}${fraction ? `.${fraction}` : ""}`;
}

/** Microseconds since 1970-01-01 00:00:00 of `YYYY-MM-DD HH:MM:SS[.ffffff]` (or a `T` between), else undefined. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = /^(.{10})[ T](.+)$/.exec(text);
  const days = m ? parseDate(m[1]) : undefined;
  const time = m ? parseTime(m[2]) : undefined;
  return days === undefined || time === undefined ? undefined : BigInt(days) * MICROS_PER_DAY + time;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of microseconds since 1970-01-01, or undefined outside the years 0000-9999. */
export function formatTimestamp(micros: bigint): string | undefined {
  const days = timestampDays(micros);
  const date = formatDate(days);
  return date === undefined ? undefined : `${date} ${formatTime(micros - BigInt(days) * MICROS_PER_DAY)!}`; // the time of day: always within the day
}

/** Whole days since 1970-01-01 of a timestamp (rounded down). */
export function timestampDays(micros: bigint): number {
  return Number(micros >= 0n ? micros / MICROS_PER_DAY : -((-micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY));
}
