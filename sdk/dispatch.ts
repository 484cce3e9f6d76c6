// Method numbers (FRC-0042) and dispatching an invocation to its handler.
//
// The FVM calls an actor's exported `invoke(params: u32): u32` once per message: `params` is the
// handle of the parameters block (0 = none) and the result is the handle of the return block
// (0 = none). The method number comes from the message context.
import { blake2b } from "./blake2b";
import { ExitCode } from "./errors";
import { abortWith } from "./vm";
import { CborReader, CborWriter } from "./cbor";
import { IpldBlock, NO_BLOCK, DAG_CBOR, CBOR, blockCreate, readBlock } from "./ipld";
import { messageContext } from "./context";
import { utf8 } from "./mem";

/** Method 0: a plain value transfer (actors accept it without being invoked by convention). */
export const METHOD_SEND: u64 = 0;
/** Method 1: the constructor, called once by the init actor. */
export const METHOD_CONSTRUCTOR: u64 = 1;
/** FRC-0042 numbers below this are reserved for builtin methods. */
export const FIRST_EXPORTED_METHOD_NUMBER: u64 = 1 << 24;

/** Whether `name` is a valid FRC-0042 method name: [A-Z_][A-Za-z0-9_]*. */
export function isValidMethodName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    const digit = c >= 48 && c <= 57;
    const under = c == 95;
    if (i == 0 && !(upper || under)) return false;
    if (!(upper || lower || digit || under)) return false;
  }
  return true;
}

/**
 * The FRC-0042 method number of `name`: "Constructor" is 1; otherwise the first 4-byte
 * big-endian chunk of blake2b-512("1|" + name) that is at least 2^24. Aborts
 * (USR_ILLEGAL_ARGUMENT) for an invalid name. Costs WASM gas on each call: actors usually
 * dispatch on constants (the sdk-compile script prints them).
 */
export function frc42MethodNumber(name: string): u64 {
  if (!isValidMethodName(name)) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid FRC-0042 method name '" + name + "'");
  if (name == "Constructor") return METHOD_CONSTRUCTOR;
  const digest = blake2b(utf8("1|" + name), 64);
  for (let i = 0; i + 4 <= digest.length; i += 4) {
    const v = (<u64>digest[i] << 24) | (<u64>digest[i + 1] << 16) | (<u64>digest[i + 2] << 8) | <u64>digest[i + 3];
    if (v >= FIRST_EXPORTED_METHOD_NUMBER) return v;
  }
  abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "method name '" + name + "' has no FRC-0042 number");
  return 0;
}

/** The parameters of the current invocation. */
export class Params {
  constructor(public readonly id: u32, public readonly block: IpldBlock | null) {}

  /** Reads the parameters block (handle 0 gives empty parameters). */
  static load(id: u32): Params {
    return new Params(id, id == NO_BLOCK ? null : readBlock(id));
  }

  get isEmpty(): bool { return this.block === null; }

  /** A CBOR reader over the parameters; aborts (USR_SERIALIZATION) if there are none or they are not (DAG-)CBOR. */
  reader(what: string = "method parameters"): CborReader {
    const b = this.block;
    if (b === null) {
      abortWith(ExitCode.USR_SERIALIZATION, "missing " + what);
      unreachable();
    }
    if (b!.codec != DAG_CBOR && b!.codec != CBOR) abortWith(ExitCode.USR_SERIALIZATION, what + ": codec 0x" + b!.codec.toString(16) + ", expected DAG-CBOR");
    return new CborReader(b!.data, what);
  }

  /** Aborts (USR_ILLEGAL_ARGUMENT) unless there are no parameters. */
  expectNone(): void {
    if (this.block !== null) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "method takes no parameters");
  }
}

/** invoke()'s result for "no return value". */
export function returnNothing(): u32 { return NO_BLOCK; }

/** Returns the DAG-CBOR bytes written to `w` as the method's return value. */
export function returnCbor(w: CborWriter): u32 {
  return blockCreate(DAG_CBOR, w.finish());
}

/** Returns `data` (already encoded with `codec`) as the method's return value. */
export function returnBytes(codec: u64, data: Uint8Array): u32 {
  return blockCreate(codec, data);
}

/** A method handler: gets the parameters, returns a block handle (see returnCbor/returnNothing). */
export type Handler = (params: Params) => u32;

/**
 * A method table. Build it inside invoke() (not at module level, so the module needs no start
 * function) and call dispatch():
 *
 *   export function invoke(params: u32): u32 {
 *     return new Dispatcher().on(METHOD_CONSTRUCTOR, construct).on(INCREMENT, increment).dispatch(params);
 *   }
 */
export class Dispatcher {
  private methods: Array<u64> = [];
  private handlers: Array<Handler> = [];

  on(method: u64, handler: Handler): Dispatcher {
    for (let i = 0; i < this.methods.length; i++) {
      if (this.methods[i] == method) abortWith(ExitCode.USR_ASSERTION_FAILED, "method " + method.toString() + " registered twice");
    }
    this.methods.push(method);
    this.handlers.push(handler);
    return this;
  }

  /** Registers a handler under the FRC-0042 number of `name` (hashes the name: costs gas). */
  onName(name: string, handler: Handler): Dispatcher {
    return this.on(frc42MethodNumber(name), handler);
  }

  /** Runs the handler of the message's method; USR_UNHANDLED_MESSAGE if there is none. */
  dispatch(paramsId: u32): u32 {
    const method = messageContext().methodNumber;
    for (let i = 0; i < this.methods.length; i++) {
      if (this.methods[i] == method) {
        const h = this.handlers[i];
        return h(Params.load(paramsId));
      }
    }
    abortWith(ExitCode.USR_UNHANDLED_MESSAGE, "unhandled method " + method.toString());
    return NO_BLOCK;
  }
}

/** One-call form of Dispatcher for parallel arrays of method numbers and handlers. */
export function dispatch(paramsId: u32, methods: Array<u64>, handlers: Array<Handler>): u32 {
  const d = new Dispatcher();
  for (let i = 0; i < methods.length; i++) d.on(methods[i], handlers[i]);
  return d.dispatch(paramsId);
}
