// The stack limiter of fvm-wasm-instrument: a mutable i32 global counts the stack height of
// the active call chain. Every call to a defined function adds the callee's static cost
// (its local declarations plus its maximum stack height) before the call, traps when the sum
// exceeds the limit, and subtracts it after. Exported, table and start functions are reached
// through thunks that do the same, so the host's entry calls are counted too.
import { SectionId, functionTypeIndices, sameFuncType, type ElementSegment, type Export, type FunctionBody, type Global, type WasmModule } from '../wasm/types.js';
import { WasmValidationError } from '../wasm/errors.js';
import { InstructionReader } from '../wasm/instructions.js';
import { withChanges, type ModuleChanges } from '../wasm/encode.js';
import { ByteWriter } from '../wasm/writer.js';
import { CallSites, StackHeightAnalyzer } from './stack-height.js';

/** Which release of fvm-wasm-instrument to reproduce. */
export type InstrumenterVersion = '0.2' | '0.4';

const PERMISSIVE = { signExtension: true, saturatingFloatToInt: true, referenceTypes: true } as const;

/** Writes the checked call: raise the height, trap above the limit, call, lower the height. */
function writeGuardedCall(w: ByteWriter, global: number, cost: number, limit: number, call: Uint8Array, start: number, end: number): void {
  w.u8(0x23).u32(global).u8(0x41).s32(cost).u8(0x6a).u8(0x24).u32(global); // height += cost
  w.u8(0x23).u32(global).u8(0x41).s32(limit | 0).u8(0x4b); // height > limit (unsigned)
  w.u8(0x04).u8(0x40).u8(0x00).u8(0x0b); // if unreachable end
  w.bytes(call, start, end);
  w.u8(0x23).u32(global).u8(0x41).s32(cost).u8(0x6b).u8(0x24).u32(global); // height -= cost
}

/**
 * Static stack cost of every function in the index space (0 for imports). When `calls` is
 * given, the call sites of every body are recorded there, function by function, and
 * `callsFrom[i]` is where body i's start (callsFrom[bodies] = the end).
 */
export function functionStackCosts(
  m: WasmModule,
  version: InstrumenterVersion,
  calls?: CallSites,
  callsFrom?: number[],
): number[] {
  const typeIdx = functionTypeIndices(m);
  const imported = typeIdx.length - m.functions.length;
  const funcTypes = typeIdx.map((t) => m.types[t]);
  const analyzer = new StackHeightAnalyzer(new InstructionReader(PERMISSIVE), m.types, funcTypes);
  const costs: number[] = new Array(typeIdx.length).fill(0);
  for (let i = 0; i < m.code.length; i++) {
    const body = m.code[i]!;
    const sig = m.types[m.functions[i]!];
    if (!sig) throw new WasmValidationError(`function ${imported + i} has an unknown type`);
    let locals = 0;
    // 0.4 counts local declaration entries, 0.2 counts the locals themselves.
    if (version === '0.4') locals = body.locals.length;
    else for (const g of body.locals) locals += g.count;
    callsFrom?.push(calls ? calls.length : 0);
    let height: number;
    try {
      height = analyzer.compute(body.code, sig, calls);
    } catch (err) {
      if (err instanceof WasmValidationError) throw new WasmValidationError(`function ${imported + i}: ${err.message}`);
      throw err;
    }
    const cost = locals + height;
    if (cost > 0xffffffff) throw new WasmValidationError(`function ${imported + i}: stack cost overflows`);
    costs[imported + i] = cost;
  }
  callsFrom?.push(calls ? calls.length : 0);
  return costs;
}

/** Instruments `m` with a stack height limit of `limit` values. */
export function injectStackLimiter(m: WasmModule, limit: number, version: InstrumenterVersion = '0.4'): WasmModule {
  if (!Number.isInteger(limit) || limit < 0 || limit > 0xffffffff) throw new RangeError(`stack limit ${limit} is not a u32`);
  if (version === '0.4') {
    const ids = new Set(m.sections.map((s) => s.id));
    if (!ids.has(SectionId.code) || !ids.has(SectionId.function)) {
      throw new WasmValidationError('module has no code section: the stack limiter needs one');
    }
  }
  // The height global is appended to the defined globals; its index counts those only (the
  // reference does not add the imported globals: kept, since it decides which global is used).
  const heightGlobal = m.globals.length;
  const globals: Global[] = [...m.globals, { type: { type: 0x7f, mutable: true }, init: new Uint8Array([0x41, 0x00, 0x0b]) }];
  const calls = new CallSites();
  const callsFrom: number[] = [];
  const costs = functionStackCosts(m, version, calls, callsFrom);

  const w = new ByteWriter(64 * 1024);
  const code: FunctionBody[] = [];
  const sites = calls.data;
  for (let fi = 0; fi < m.code.length; fi++) {
    const body = m.code[fi]!;
    const src = body.code;
    w.reset();
    let copied = 0;
    let changed = false;
    for (let k = callsFrom[fi]!; k < callsFrom[fi + 1]!; k += 3) {
      const cost = costs[sites[k + 2]!];
      if (cost === undefined || cost === 0) continue;
      const callStart = sites[k]!;
      const callEnd = sites[k + 1]!;
      w.bytes(src, copied, callStart);
      writeGuardedCall(w, heightGlobal, cost, limit, src, callStart, callEnd);
      copied = callEnd;
      changed = true;
    }
    if (!changed) {
      code.push(body);
      continue;
    }
    w.bytes(src, copied, src.length);
    code.push({ locals: body.locals, code: w.finish(), raw: undefined });
  }

  // Thunks for the functions the host or the table can call directly.
  const entry: number[] = [];
  for (const e of m.exports) if (e.kind === 0) entry.push(e.index);
  for (const seg of m.elements) if (seg.functions) entry.push(...seg.functions);
  if (m.start !== undefined) entry.push(m.start);
  const thunkOf = new Map<number, number>();
  for (const f of entry) {
    const cost = costs[f];
    if (cost === undefined) throw new WasmValidationError(`function index ${f} isn't found`);
    if (cost !== 0) thunkOf.set(f, 0);
  }
  const typeIdx = functionTypeIndices(m);
  const functions = [...m.functions];
  let next = typeIdx.length;
  for (const f of [...thunkOf.keys()].sort((x, y) => x - y)) {
    const sig = m.types[typeIdx[f]!]!;
    const t = m.types.findIndex((ty) => sameFuncType(ty, sig));
    w.reset();
    for (let p = 0; p < sig.params.length; p++) w.u8(0x20).u32(p);
    const call = new ByteWriter(8).u8(0x10).u32(f).finish();
    writeGuardedCall(w, heightGlobal, costs[f]!, limit, call, 0, call.length);
    w.u8(0x0b);
    functions.push(t);
    code.push({ locals: [], code: w.finish(), raw: undefined });
    thunkOf.set(f, next++);
  }

  const changes: ModuleChanges = { globals, code };
  if (thunkOf.size > 0) {
    const redirect = (f: number): number => thunkOf.get(f) ?? f;
    changes.functions = functions;
    changes.exports = m.exports.map((e): Export => (e.kind === 0 ? { ...e, index: redirect(e.index) } : e));
    changes.elements = m.elements.map((s): ElementSegment => (s.functions ? { ...s, functions: s.functions.map(redirect) } : s));
    if (m.start !== undefined) changes.start = redirect(m.start);
  }
  return withChanges(m, changes);
}
