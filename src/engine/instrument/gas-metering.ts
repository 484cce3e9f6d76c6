// Gas metering equal in effect to fvm-wasm-instrument's. A mutable i64 global `gas_counter` is
// imported from the gas module. Each function body is cut into metered blocks (straight-line
// runs that, barring traps, execute entirely or not at all, merged across nested blocks when
// possible), and each block starts with a charge of its cost: the counter is decreased and the
// code traps when it goes negative (see gas-charge.ts for how that is written). Linearly priced
// instructions (memory.grow/copy/fill/init, table.*) whose operand is not a constant just
// before them are charged at run time for `operand × price per unit`.
//
// Optionally, the result of float operations is canonicalised when a NaN (see nan.ts). That
// code is inserted here, after the costs are computed, so it is never metered.
import { WasmValidationError } from '../wasm/errors.js';
import { InstructionReader } from '../wasm/instructions.js';
import { withChanges, type ModuleChanges } from '../wasm/encode.js';
import { ByteWriter } from '../wasm/writer.js';
import { WasmLimits } from '../wasm/decode.js';
import {
  indexSpaces,
  sameFuncType,
  type ConstExpr,
  type Export,
  type FuncType,
  type FunctionBody,
  type Import,
  type LocalGroup,
  type WasmModule,
} from '../wasm/types.js';
import { costTable, type CostTable, type WasmGasPrices } from './prices.js';
import { NAN_RESULT, writeCanonicalize } from './nan.js';
import { GAS_HELPER_TYPE, writeFixedCharge, writeHelperBody, writeOperandCharge, type ChargeTarget, type GasChargeForm } from './gas-charge.js';
import type { InstrumenterVersion } from './stack-limiter.js';

export const GAS_COUNTER_NAME = 'gas_counter';

export interface GasMeteringOptions {
  /** Which release of fvm-wasm-instrument to reproduce (default: from the prices' rule set). */
  readonly version?: InstrumenterVersion;
  /** Insert NaN canonicalisation after float operations (not metered). */
  readonly canonicalizeNaN?: boolean;
  /**
   * How charges are written (default 'inline'); 'helper' gives the reference instrumenter's
   * exact output, a call of an appended charging function at each charge.
   */
  readonly chargeForm?: GasChargeForm;
}

const PERMISSIVE = { signExtension: true, saturatingFloatToInt: true, referenceTypes: true } as const;
/** Whether a constant expression is exactly `i32.const n; end` (opcode, 1–5 LEB bytes, end). */
function isI32ConstEnd(e: ConstExpr): boolean {
  if (e.length < 3 || e.length > 7 || e[0] !== 0x41 || e[e.length - 1] !== 0x0b) return false;
  // The LEB between them must end exactly before the final `end`.
  for (let i = 1; i < e.length - 2; i++) if (!(e[i]! & 0x80)) return false;
  return !(e[e.length - 2]! & 0x80);
}

/** Growable working arrays of the block analysis, reused across functions. */
class Scratch {
  offsets = new Int32Array(1024);
  // Control stack.
  lowest = new Int32Array(64);
  activeStart = new Int32Array(64);
  activeCost = new Float64Array(64);
  isLoop = new Uint8Array(64);
  // Finalized metered blocks.
  blockStart = new Int32Array(256);
  blockCost = new Float64Array(256);
  blockCount = 0;
  // Run-time charged (linear) instructions.
  dynPos = new Int32Array(64);
  dynUnit = new Float64Array(64);
  dynCount = 0;
  /** Whether the body has f32 / f64 results to canonicalise. */
  nanF32 = false;
  nanF64 = false;

  /** The offsets array, grown (keeping its contents) to hold at least n entries. */
  offsetsFor(n: number): Int32Array {
    if (n > this.offsets.length) {
      const next = new Int32Array(Math.max(n, this.offsets.length * 2));
      next.set(this.offsets);
      this.offsets = next;
    }
    return this.offsets;
  }

  controlFor(n: number): void {
    if (n <= this.lowest.length) return;
    const size = Math.max(n, this.lowest.length * 2);
    const l = new Int32Array(size); l.set(this.lowest); this.lowest = l;
    const s = new Int32Array(size); s.set(this.activeStart); this.activeStart = s;
    const c = new Float64Array(size); c.set(this.activeCost); this.activeCost = c;
    const p = new Uint8Array(size); p.set(this.isLoop); this.isLoop = p;
  }

  pushBlock(start: number, cost: number): void {
    if (this.blockCount >= this.blockStart.length) {
      const s = new Int32Array(this.blockStart.length * 2); s.set(this.blockStart); this.blockStart = s;
      const c = new Float64Array(this.blockCost.length * 2); c.set(this.blockCost); this.blockCost = c;
    }
    this.blockStart[this.blockCount] = start;
    this.blockCost[this.blockCount++] = cost;
  }

  pushDynamic(pos: number, unit: number): void {
    if (this.dynCount >= this.dynPos.length) {
      const p = new Int32Array(this.dynPos.length * 2); p.set(this.dynPos); this.dynPos = p;
      const u = new Float64Array(this.dynUnit.length * 2); u.set(this.dynUnit); this.dynUnit = u;
    }
    this.dynPos[this.dynCount] = pos;
    this.dynUnit[this.dynCount++] = unit;
  }
}

/**
 * Finds the metered blocks of one body (into blockStart/blockCost, sorted by start) and the
 * run-time charged instructions (into dynPos/dynUnit). Returns the number of instructions;
 * their offsets are left in `offsets` (plus the end offset after the last one).
 */
class BlockAnalyzer extends Scratch {
  private depth = 0;

  constructor(
    private readonly r: InstructionReader,
    private readonly costs: CostTable,
    private readonly version: InstrumenterVersion,
  ) {
    super();
  }

  private fail(reason: string): never {
    throw new WasmValidationError(`gas metering: ${reason}`, this.r.start);
  }

  private begin(cursor: number, loop: boolean): void {
    const d = this.depth;
    this.controlFor(d + 1);
    this.lowest[d] = d;
    this.activeStart[d] = cursor;
    this.activeCost[d] = 0;
    this.isLoop[d] = loop ? 1 : 0;
    this.depth = d + 1;
  }

  private finalizeMetered(cursor: number): void {
    if (this.depth === 0) this.fail('stack not found');
    const top = this.depth - 1;
    const start = this.activeStart[top]!;
    const cost = this.activeCost[top]!;
    this.activeStart[top] = cursor + 1;
    this.activeCost[top] = 0;
    // A block opened by `block` shares its start with the enclosing metered block: merge.
    if (top > 0 && start === this.activeStart[top - 1]) {
      this.activeCost[top - 1] += cost;
      return;
    }
    if (cost > 0) this.pushBlock(start, cost);
  }

  private finalizeControl(cursor: number): void {
    this.finalizeMetered(cursor);
    const d = --this.depth;
    const closingLowest = this.lowest[d]!;
    if (d === 0) return;
    if (closingLowest < this.lowest[d - 1]!) this.lowest[d - 1] = closingLowest;
    // The enclosing block may have been left by a branch: its metered block ends here too.
    if (closingLowest < d) this.finalizeMetered(cursor);
  }

  private target(label: number): number {
    const t = this.depth - 1 - label;
    if (t < 0) this.fail('index not found');
    return t;
  }

  /** Records a forward branch to control stack index t (branches to loops go backwards). */
  private branchTo(t: number): void {
    if (this.isLoop[t]) return;
    const top = this.depth - 1;
    if (t < this.lowest[top]!) this.lowest[top] = t;
  }

  private increment(cost: number): void {
    if (this.depth === 0) this.fail('stack not exit');
    this.activeCost[this.depth - 1] += cost;
  }

  analyse(code: Uint8Array): number {
    const r = this.r;
    r.reset(code, 0, code.length);
    const { fixed, perUnit, unsupported } = this.costs;
    const linearOk = this.version === '0.4';
    const withDefault = this.version === '0.2';
    this.blockCount = 0;
    this.dynCount = 0;
    this.nanF32 = false;
    this.nanF64 = false;
    this.depth = 0;
    let offsets = this.offsetsFor(Math.max(16, code.length >> 2));
    let lastConst: number | undefined;

    this.begin(0, false);
    let i = 0;
    for (; r.pos < code.length; i++) {
      if (i >= offsets.length - 1) offsets = this.offsetsFor(offsets.length * 2);
      offsets[i] = r.pos;
      const op = r.read();
      const why = unsupported[op];
      if (why !== undefined) this.fail(why);
      if (op < 256) {
        const nan = NAN_RESULT[op];
        if (nan === 1) this.nanF32 = true;
        else if (nan === 2) this.nanF64 = true;
      }
      let cost = fixed[op]!;
      const unit = perUnit[op]!;
      if (unit > 0 && linearOk) {
        if (unit >= 0x80000000) this.fail('cost per unit exceeds the 0x80000000 limit');
        if (lastConst !== undefined) {
          if (lastConst < 0) this.fail('linearly priced instructions are illegal with negative arguments');
          cost += lastConst * unit;
        } else {
          this.pushDynamic(i, unit);
        }
      }
      switch (op) {
        case 0x02: // block: merged into the enclosing metered block until a branch splits it
          this.increment(cost);
          this.begin(this.activeStart[this.depth - 1]!, false);
          break;
        case 0x04: // if
          this.increment(cost);
          this.begin(i + 1, false);
          break;
        case 0x03: // loop
          this.increment(cost);
          this.begin(i + 1, true);
          break;
        case 0x0b:
          this.finalizeControl(i);
          break;
        case 0x05:
          this.finalizeMetered(i);
          break;
        case 0x0c: case 0x0d: {
          this.increment(cost);
          const t = this.target(r.a);
          this.finalizeMetered(i);
          this.branchTo(t);
          break;
        }
        case 0x0e: {
          this.increment(cost);
          // 0.4 leaves the default label out of the branch targets; 0.2 includes it.
          const n = r.count;
          const targets = r.targets;
          const def = withDefault ? this.target(r.b) : -1;
          for (let k = 0; k < n; k++) this.target(targets[k]!);
          this.finalizeMetered(i);
          if (def >= 0) this.branchTo(def);
          for (let k = 0; k < n; k++) this.branchTo(this.depth - 1 - targets[k]!);
          break;
        }
        case 0x0f:
          this.increment(cost);
          this.finalizeMetered(i);
          this.branchTo(0);
          break;
        case 0x41:
          this.increment(cost);
          lastConst = r.a;
          continue;
        default:
          this.increment(cost);
      }
      lastConst = undefined;
    }
    offsets[i] = code.length;
    // Sort the finalized blocks by start; two with the same start cannot both be placed.
    const n = this.blockCount;
    let sorted = true;
    for (let k = 1; k < n; k++) if (this.blockStart[k - 1]! >= this.blockStart[k]!) sorted = false;
    if (!sorted) {
      const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => this.blockStart[x]! - this.blockStart[y]!);
      const starts = order.map((k) => this.blockStart[k]!);
      const costs = order.map((k) => this.blockCost[k]!);
      for (let k = 0; k < n; k++) {
        this.blockStart[k] = starts[k]!;
        this.blockCost[k] = costs[k]!;
        if (k > 0 && starts[k] === starts[k - 1]) this.fail('metered blocks should be all consumed');
      }
    }
    return i;
  }
}

function emptyLocalIndex(sig: FuncType, locals: readonly LocalGroup[]): number {
  let n = sig.params.length;
  for (const g of locals) n += g.count;
  return n;
}

/** Instruments `m` with gas metering priced by `prices`, importing the counter from `gasModule`. */
export function injectGasMetering(m: WasmModule, prices: WasmGasPrices, gasModule: string, options: GasMeteringOptions = {}): WasmModule {
  const costs = costTable(prices);
  const version: InstrumenterVersion = options.version ?? (costs.rules === 'fvm-v2' ? '0.2' : '0.4');
  const canonicalize = options.canonicalizeNaN ?? false;
  const form = options.chargeForm ?? 'inline';
  const sp = indexSpaces(m);

  // The counter is imported after every other import, so it is the last imported global.
  for (const imp of m.imports) {
    if (imp.desc.kind !== 3) continue;
    if (imp.module === gasModule && imp.name === GAS_COUNTER_NAME) {
      throw new WasmValidationError('expected 1 gas global: the module already imports the gas counter');
    }
    // 0.2 refuses other imported globals (its check compares module and name with a `&&`).
    if (version === '0.2' && imp.module !== gasModule && imp.name !== GAS_COUNTER_NAME) {
      throw new WasmValidationError(`gas metering: imported global ${imp.module}.${imp.name} is not allowed`);
    }
  }
  const gasGlobal = sp.importedGlobals;
  const imports: Import[] = [...m.imports, { module: gasModule, name: GAS_COUNTER_NAME, desc: { kind: 3, global: { type: 0x7e, mutable: true } } }];
  // The charging function, when one is used, is appended after every other function.
  const helperTarget: ChargeTarget = { form: 'helper', counter: gasGlobal, helper: sp.functions, scratch: -1 };
  let helperUsed = form === 'helper';

  // Only `i32.const` offsets are accepted (0.4 checks data offsets and expression-form
  // element items, 0.2 data and element offsets).
  m.data.forEach((d, i) => {
    if (d.mode.kind === 'active' && !isI32ConstEnd(d.mode.offset)) throw new WasmValidationError(`gas metering: offset of data segment ${i} is not an i32.const`);
  });
  m.elements.forEach((e, i) => {
    if (version === '0.4') {
      for (const x of e.exprs ?? []) {
        if (!isI32ConstEnd(x)) throw new WasmValidationError(`gas metering: element segment ${i} uses expressions, which are not supported`);
      }
    } else if (e.mode.kind === 'active' && !isI32ConstEnd(e.mode.offset)) {
      throw new WasmValidationError(`gas metering: offset of element segment ${i} is not an i32.const`);
    }
  });

  const r = new InstructionReader(PERMISSIVE);
  const s = new BlockAnalyzer(new InstructionReader(PERMISSIVE), costs, version);
  const w = new ByteWriter(64 * 1024);
  const code: FunctionBody[] = [];
  for (let fi = 0; fi < m.code.length; fi++) {
    const body = m.code[fi]!;
    const sig = m.types[m.functions[fi]!]!;
    const src = body.code;
    let count: number;
    try {
      count = s.analyse(src);
    } catch (err) {
      if (err instanceof WasmValidationError) throw new WasmValidationError(`function ${sp.importedFunctions + fi}: ${err.message}`);
      throw err;
    }
    const offsets = s.offsets;
    const extra: LocalGroup[] = [];
    let next = emptyLocalIndex(sig, body.locals);
    const tmpI32 = s.dynCount > 0 ? next++ : -1;
    if (tmpI32 >= 0) extra.push({ count: 1, type: 0x7f });
    const tmpF32 = canonicalize && s.nanF32 ? next++ : -1;
    if (tmpF32 >= 0) extra.push({ count: 1, type: 0x7d });
    const tmpF64 = canonicalize && s.nanF64 ? next++ : -1;
    if (tmpF64 >= 0) extra.push({ count: 1, type: 0x7c });

    const emit = (t: ChargeTarget): Uint8Array<ArrayBuffer> => {
      w.reset();
      let copied = 0;
      let block = 0;
      let dyn = 0;
      for (let i = 0; i < count; i++) {
        const at = offsets[i]!;
        if (block < s.blockCount && s.blockStart[block] === i) {
          w.bytes(src, copied, at);
          copied = at;
          writeFixedCharge(w, t, s.blockCost[block]!);
          block++;
        }
        if (dyn < s.dynCount && s.dynPos[dyn] === i) {
          w.bytes(src, copied, at);
          copied = at;
          writeOperandCharge(w, t, tmpI32, s.dynUnit[dyn]!);
          dyn++;
        }
        const op = src[at]!;
        if (op === 0x23 || op === 0x24) {
          // The counter import shifts the defined globals up by one. 0.4 shifts every index
          // (imported globals included), 0.2 only those at or above the counter.
          r.reset(src, at + 1, offsets[i + 1]!);
          const g = r.u32();
          w.bytes(src, copied, at);
          w.u8(op).u32(version === '0.4' || g >= gasGlobal ? g + 1 : g);
          copied = offsets[i + 1]!;
        } else if (canonicalize && NAN_RESULT[op]) {
          const end = offsets[i + 1]!;
          w.bytes(src, copied, end);
          copied = end;
          const kind = NAN_RESULT[op]!;
          writeCanonicalize(w, kind, kind === 1 ? tmpF32 : tmpF64);
        }
      }
      if (block !== s.blockCount) throw new WasmValidationError(`function ${sp.importedFunctions + fi}: gas metering: metered blocks should be all consumed`);
      w.bytes(src, copied, src.length);
      return w.finish();
    };

    let out: Uint8Array<ArrayBuffer> | undefined;
    if (form === 'inline') {
      // One more local for the check, unless it would cross the engines' locals limit (the
      // count includes the parameters: conservative whichever way an engine counts).
      const scratch = s.blockCount + s.dynCount > 0 && next < WasmLimits.functionLocals ? next : -1;
      out = emit({ form, counter: gasGlobal, helper: -1, scratch });
      // Written in place, the charges take more bytes than calls: a body the engines would
      // refuse for its size falls back to the calls, which are what the reference compiles.
      if (out.length > WasmLimits.functionBodyBytes) out = undefined;
      else if (scratch >= 0) extra.push({ count: 1, type: 0x7e });
    }
    if (out === undefined) {
      out = emit(helperTarget);
      helperUsed = true;
    }
    code.push({ locals: extra.length ? [...body.locals, ...extra] : body.locals, code: out, raw: undefined });
  }

  const changes: ModuleChanges = { imports, code };
  if (helperUsed) {
    let types = m.types;
    let gasType = types.findIndex((t) => sameFuncType(t, GAS_HELPER_TYPE));
    if (gasType < 0) {
      types = [...types, GAS_HELPER_TYPE];
      gasType = types.length - 1;
    }
    const fw = new ByteWriter(64);
    writeHelperBody(fw, gasGlobal);
    code.push({ locals: [], code: fw.finish(), raw: undefined });
    changes.functions = [...m.functions, gasType];
    if (types !== m.types) changes.types = types;
  }
  if (version === '0.2') {
    // 0.2 also moves exported globals; 0.4 leaves the export section as it was.
    changes.exports = m.exports.map((e): Export => (e.kind === 3 && e.index >= gasGlobal ? { ...e, index: e.index + 1 } : e));
  }
  return withChanges(m, changes);
}
