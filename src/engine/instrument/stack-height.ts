// Static maximum height of a function's value stack, as the stack limiter of
// fvm-wasm-instrument computes it. Its model has quirks that decide the charged cost and must
// be kept: the count starts at 2 (an activation frame), heights are sampled before each
// instruction, `else` neither resets the height nor the unreachable flag, block results count
// as one value, and popping at a frame's base is an error unless the frame is unreachable.
import { WasmValidationError } from '../wasm/errors.js';
import { BLOCK_EMPTY, InstructionReader, MISC, opName } from '../wasm/instructions.js';
import type { FuncType } from '../wasm/types.js';

const ACTIVATION_FRAME_COST = 2;
const SPECIAL = -1;
const REJECT = -2;

// Stack effect of the plain instructions: first pop, second pop, push. SPECIAL marks the
// control and call instructions handled in the loop; REJECT those the limiter refuses.
const POP_A = new Int8Array(MISC + 32).fill(REJECT);
const POP_B = new Int8Array(MISC + 32);
const PUSH = new Int8Array(MISC + 32);

function effect(ops: readonly number[], popA: number, push: number, popB = 0): void {
  for (const op of ops) {
    POP_A[op] = popA;
    POP_B[op] = popB;
    PUSH[op] = push;
  }
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
effect([0x00, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11], SPECIAL, 0);
effect([0x01], 0, 0); // nop
effect([0x1a], 1, 0); // drop
effect([0x1b], 2, 1, 1); // select: pops two values, then the condition, pushes one
effect([0x20, 0x23], 0, 1); // local.get, global.get
effect([0x21, 0x24], 1, 0); // local.set, global.set
effect([0x22], 1, 1); // local.tee
effect(range(0x28, 0x35), 1, 1); // loads
effect(range(0x36, 0x3e), 2, 0); // stores
effect([0x3f], 0, 1); // memory.size
effect([0x40], 1, 1); // memory.grow
effect(range(0x41, 0x44), 0, 1); // constants
effect([0x45, 0x50], 1, 1); // eqz
effect([...range(0x46, 0x4f), ...range(0x51, 0x66)], 2, 1); // comparisons
effect([...range(0x67, 0x69), ...range(0x79, 0x7b), ...range(0x8b, 0x91), ...range(0x99, 0x9f)], 1, 1); // unary
effect([...range(0x6a, 0x78), ...range(0x7c, 0x8a), ...range(0x92, 0x98), ...range(0xa0, 0xa6)], 2, 1); // binary
effect(range(0xa7, 0xbf), 1, 1); // conversions
effect(range(0xc0, 0xc4), 1, 1); // sign extension
effect(range(MISC, MISC + 7), 1, 1); // saturating truncation
effect([MISC + 8, MISC + 10, MISC + 11, MISC + 12, MISC + 14, MISC + 17], 3, 0); // bulk memory/table
effect([MISC + 15], 2, 1); // table.grow
effect([MISC + 16], 0, 1); // table.size
effect([0x25], 1, 1); // table.get
effect([0x26], 2, 0); // table.set
effect([MISC + 9, MISC + 13], 0, 0); // data.drop, elem.drop

/** Call sites seen by the analysis: instruction start, end and callee, three ints each. */
export class CallSites {
  data = new Int32Array(3 * 1024);
  length = 0;

  push(start: number, end: number, callee: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = start;
    this.data[this.length++] = end;
    this.data[this.length++] = callee;
  }
}

/** Computes maximum stack heights; keeps its working arrays between functions. */
export class StackHeightAnalyzer {
  private polymorphic = new Uint8Array(64);
  private endArity = new Uint8Array(64);
  private branchArity = new Uint8Array(64);
  private startHeight = new Float64Array(64);
  private height = 0;
  private depth = 0;

  constructor(
    private readonly r: InstructionReader,
    private readonly types: readonly FuncType[],
    /** Type of each function in the function index space. */
    private readonly funcTypes: readonly (FuncType | undefined)[],
  ) {}

  private fail(reason: string): never {
    throw new WasmValidationError(`stack limiter: ${reason}`, this.r.start);
  }

  private grow(): void {
    const size = this.polymorphic.length * 2;
    const p = new Uint8Array(size); p.set(this.polymorphic); this.polymorphic = p;
    const e = new Uint8Array(size); e.set(this.endArity); this.endArity = e;
    const b = new Uint8Array(size); b.set(this.branchArity); this.branchArity = b;
    const h = new Float64Array(size); h.set(this.startHeight); this.startHeight = h;
  }

  private pop(n: number): void {
    if (n === 0) return;
    const top = this.depth - 1;
    if (this.height === this.startHeight[top]) {
      if (this.polymorphic[top]) return;
      this.fail('trying to pop more values than pushed');
    }
    this.height -= n;
    if (this.height < 0) this.fail('stack underflow');
  }

  private frame(rel: number): number {
    const idx = this.depth - 1 - rel;
    if (idx < 0) this.fail('control stack out-of-bounds');
    return idx;
  }

  /**
   * Maximum stack height of one function body, in values (without its locals). Calls are
   * appended to `calls` when given.
   */
  compute(code: Uint8Array, signature: FuncType, calls?: CallSites): number {
    const r = this.r;
    r.reset(code, 0, code.length);
    const funcArity = signature.results.length;
    this.height = ACTIVATION_FRAME_COST;
    this.depth = 1;
    this.polymorphic[0] = 0;
    this.endArity[0] = funcArity;
    this.branchArity[0] = funcArity;
    this.startHeight[0] = 0;
    let max = 0;

    while (r.pos < code.length) {
      const op = r.read();
      const depth = this.depth;
      if (depth === 0) this.fail('control stack is empty');
      if (this.height > max && !this.polymorphic[depth - 1]) max = this.height;
      const a = POP_A[op]!;
      if (a >= 0) {
        this.pop(a);
        this.pop(POP_B[op]!);
        this.height += PUSH[op]!;
        continue;
      }
      if (a === REJECT) this.fail(`instruction ${opName(op)} is not supported`);
      switch (op) {
        case 0x02: case 0x03: case 0x04: {
          const end = r.a === BLOCK_EMPTY ? 0 : 1;
          if (op === 0x04) this.pop(1);
          if (depth >= this.polymorphic.length) this.grow();
          this.polymorphic[depth] = 0;
          this.endArity[depth] = end;
          this.branchArity[depth] = op === 0x03 ? 0 : end;
          this.startHeight[depth] = this.height;
          this.depth = depth + 1;
          break;
        }
        case 0x05: // else: the frame pushed by `if` stays as it is
          break;
        case 0x0b:
          this.depth = depth - 1;
          this.height = this.startHeight[depth - 1]! + this.endArity[depth - 1]!;
          break;
        case 0x00:
          this.polymorphic[depth - 1] = 1;
          break;
        case 0x0c:
          this.pop(this.branchArity[this.frame(r.a)]!);
          this.polymorphic[depth - 1] = 1;
          break;
        case 0x0d: {
          const arity = this.branchArity[this.frame(r.a)]!;
          this.pop(arity);
          this.pop(1);
          this.height += arity;
          break;
        }
        case 0x0e: {
          const arity = this.branchArity[this.frame(r.b)]!;
          for (let i = 0; i < r.count; i++) {
            if (this.branchArity[this.frame(r.targets[i]!)] !== arity) this.fail('arity of all jump-targets must be equal');
          }
          this.pop(arity);
          this.polymorphic[depth - 1] = 1;
          break;
        }
        case 0x0f:
          this.pop(funcArity);
          this.polymorphic[depth - 1] = 1;
          break;
        case 0x10: {
          const t = this.funcTypes[r.a] ?? this.fail(`call to unknown function ${r.a}`);
          if (calls) calls.push(r.start, r.pos, r.a);
          this.pop(t.params.length);
          this.height += t.results.length;
          break;
        }
        case 0x11: {
          const t = this.types[r.a] ?? this.fail(`call_indirect with unknown type ${r.a}`);
          this.pop(1);
          this.pop(t.params.length);
          this.height += t.results.length;
          break;
        }
      }
    }
    return max;
  }
}
