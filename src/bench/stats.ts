// Small numeric helpers for benchmark figures: spread over repetitions, rates, table text.

/** Minimum, median and maximum of a non-empty series. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** Min / median / max; the median of an even count is the mean of the two middle values. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of an empty series');
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`spread of a series holding ${v}`);
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

/** `amount / ns` as a plain number, for bigint amounts (gas) over a duration. */
export function perNs(amount: bigint, ns: number): number {
  if (ns <= 0) return 0;
  // Split so amounts beyond 2^53 keep their precision in the quotient.
  const whole = Number(amount / 1_000_000n) * 1_000_000;
  const rest = Number(amount % 1_000_000n);
  return (whole + rest) / ns;
}

/** Operations per second from a count and a duration in nanoseconds. */
export function opsPerSecond(ops: number, ns: number): number {
  return ns <= 0 ? 0 : (ops * 1e9) / ns;
}

/** A number with `digits` significant digits, without exponent notation for table use. */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 10 ** digits) return Math.round(n).toLocaleString('en-US');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return n.toFixed(Math.min(decimals, 6));
}

/** `min / median / max` of a spread. */
export function fmtSpread(s: Spread, digits = 3): string {
  return `${fmt(s.min, digits)} / ${fmt(s.median, digits)} / ${fmt(s.max, digits)}`;
}

/** A plain-text table: the first row is the header; columns are left-aligned except numbers. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const cols: number[] = [];
  for (let c = 0; c < width; c++) cols.push(Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const numeric = (s: string): boolean => /^[-+]?[\d,.]+( ?[a-zA-Z/%µ]+)?$/.test(s);
  const line = (r: readonly string[], header: boolean): string =>
    cols
      .map((w, c) => {
        const cell = r[c] ?? '';
        return !header && numeric(cell) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!, true), cols.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r, false));
  return out.join('\n');
}
