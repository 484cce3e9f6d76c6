// Results of a conformance run and their two renderings: one line per variant for people, and
// a JSON document for tools (per-message gas and timings).
import type { CID } from 'multiformats/cid';
import type { ExecutionTrace } from '../call/trace.js';
import { formatGas, MILLIGAS_PRECISION } from '../gas/gas.js';
import { describeErrorNumber } from '../primitives/errnum.js';
import { exitCodeName } from '../primitives/exitcode.js';

export type VariantStatus = 'pass' | 'fail' | 'skip';

export interface MessageResult {
  readonly index: number;
  readonly exitCodeExpected: number;
  readonly exitCode: number;
  readonly returnMatches: boolean;
  readonly gasExpected: bigint;
  readonly gasUsed: bigint;
  /** Sum of the compute parts of the message's charges, in milligas (when the trace was recorded). */
  readonly computeMilligas: bigint | undefined;
  /** Wall time of applying the message. */
  readonly execNs: number;
}

export interface VariantResult {
  /** `<vector id>/<variant id>`: what PASS/FAIL/SKIP lines and the ratchet list name. */
  readonly id: string;
  readonly vectorId: string;
  readonly variantId: string;
  readonly file: string;
  readonly status: VariantStatus;
  /** Why it failed or was skipped (one line). */
  readonly reason?: string;
  readonly messages: readonly MessageResult[];
  /** Preparing the machine: vector CAR import, state and manifest loading. */
  readonly setupNs: number;
  /** First-time compilation of actor code this variant needed (0 when all were cached). */
  readonly compileNs: number;
  readonly postRootExpected?: CID;
  readonly postRootActual?: CID;
}

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function variantId(vectorId: string, variant: string): string {
  return `${vectorId}/${variant}`;
}

export function summarize(results: Iterable<VariantResult>): Summary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.status === 'pass') passed++;
    else if (r.status === 'fail') failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `PASS <id>`, `FAIL <id>: <reason>` or `SKIP <id>: <reason>`. */
export function formatResultLine(r: VariantResult): string {
  if (r.status === 'pass') return `PASS ${r.id}`;
  const tag = r.status === 'fail' ? 'FAIL' : 'SKIP';
  return `${tag} ${r.id}: ${oneLine(r.reason ?? 'no reason given')}`;
}

export function formatSummaryLine(s: Summary): string {
  return `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
}

// ---- JSON ----

/** A bigint as a JSON number when exact, else as a decimal string. */
function num(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export interface JsonMessageResult {
  index: number;
  exit_code_expected: number;
  exit_code: number;
  return_matches: boolean;
  gas_expected: number | string;
  gas_used: number | string;
  /** Whole gas (milligas / 1000, possibly fractional); null when no trace was recorded. */
  compute_gas: number | null;
  compute_milligas: number | string | null;
  exec_ns: number;
}

export interface JsonVariantResult {
  id: string;
  vector: string;
  variant: string;
  file: string;
  status: VariantStatus;
  reason: string | null;
  setup_ns: number;
  compile_ns: number;
  post_root_expected: string | null;
  post_root_actual: string | null;
  messages: JsonMessageResult[];
}

export interface JsonReport {
  summary: Summary;
  total_ns: number;
  results: JsonVariantResult[];
}

export function messageToJson(m: MessageResult): JsonMessageResult {
  const mg = m.computeMilligas;
  return {
    index: m.index,
    exit_code_expected: m.exitCodeExpected,
    exit_code: m.exitCode,
    return_matches: m.returnMatches,
    gas_expected: num(m.gasExpected),
    gas_used: num(m.gasUsed),
    compute_gas: mg === undefined ? null : Number(mg) / Number(MILLIGAS_PRECISION),
    compute_milligas: mg === undefined ? null : num(mg),
    exec_ns: m.execNs,
  };
}

export function resultToJson(r: VariantResult): JsonVariantResult {
  return {
    id: r.id,
    vector: r.vectorId,
    variant: r.variantId,
    file: r.file,
    status: r.status,
    reason: r.reason ?? null,
    setup_ns: r.setupNs,
    compile_ns: r.compileNs,
    post_root_expected: r.postRootExpected?.toString() ?? null,
    post_root_actual: r.postRootActual?.toString() ?? null,
    messages: r.messages.map(messageToJson),
  };
}

export function reportToJson(results: readonly VariantResult[], totalNs: number): JsonReport {
  return { summary: summarize(results), total_ns: totalNs, results: results.map(resultToJson) };
}

// ---- receipts ----

function hex(bytes: Uint8Array, max = 48): string {
  if (bytes.length === 0) return '(empty)';
  const h = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `0x${h}…(${bytes.length} bytes)` : `0x${h}`;
}

export function formatExitCode(code: number): string {
  return `${code} (${exitCodeName(code)})`;
}

export function formatReturn(bytes: Uint8Array): string {
  return hex(bytes);
}

// ---- trace ----

export interface TraceFormatOptions {
  /** Names a code CID (builtin actor name) in invoke lines. */
  readonly codeName?: (code: CID) => string | undefined;
}

/**
 * The call tree of one message with its gas charges in execution order, indented by call
 * depth: `charge <name> <gas> (compute <c>, other <o>)` for each charge, `call`/`return`
 * lines for each send, and a per-name total at the end.
 */
export function formatExecutionTrace(trace: ExecutionTrace, options: TraceFormatOptions = {}): string {
  const lines: string[] = [];
  const totals = new Map<string, { count: number; total: bigint; compute: bigint }>();
  let depth = 0;
  const pad = (): string => '  '.repeat(depth);
  for (const ev of trace) {
    switch (ev.type) {
      case 'gas_charge': {
        const c = ev.charge;
        const oog = c.outOfGas ? ' OUT OF GAS' : '';
        lines.push(`${pad()}charge ${c.name} ${formatGas(c.total)} (compute ${formatGas(c.compute)}, other ${formatGas(c.other)})${oog}`);
        const t = totals.get(c.name) ?? { count: 0, total: 0n, compute: 0n };
        t.count++;
        t.total += c.total;
        t.compute += c.compute;
        totals.set(c.name, t);
        break;
      }
      case 'call': {
        const params = ev.params === undefined ? 'no params' : `params ${hex(ev.params.data, 32)}`;
        lines.push(
          `${pad()}call f0${ev.from} → ${ev.to.toString()} method ${ev.method} value ${ev.value} gas_limit ${ev.gasLimit}${ev.readOnly ? ' read-only' : ''}, ${params}`,
        );
        depth++;
        break;
      }
      case 'invoke_actor': {
        const name = options.codeName?.(ev.code);
        lines.push(`${pad()}invoke ${name !== undefined ? `${name} ` : ''}${ev.code.toString()}`);
        break;
      }
      case 'call_return': {
        depth = Math.max(0, depth - 1);
        const data = ev.data === undefined ? 'no return' : `return ${hex(ev.data.data, 32)}`;
        lines.push(`${pad()}return exit ${formatExitCode(ev.exitCode)}, ${data}`);
        break;
      }
      case 'call_error': {
        depth = Math.max(0, depth - 1);
        lines.push(`${pad()}error ${describeErrorNumber(ev.errno)}: ${ev.message}`);
        break;
      }
    }
  }
  if (totals.size > 0) {
    lines.push('', 'charges by name (count, total gas, compute gas):');
    const rows = [...totals.entries()].sort((a, b) => (a[1].total < b[1].total ? 1 : a[1].total > b[1].total ? -1 : 0));
    const width = Math.max(...rows.map(([n]) => n.length));
    for (const [name, t] of rows) {
      lines.push(`  ${name.padEnd(width)}  ${String(t.count).padStart(6)}  ${formatGas(t.total).padStart(16)}  ${formatGas(t.compute).padStart(16)}`);
    }
  }
  return lines.join('\n');
}
