// What every actor of the embedded bundle shares: the singleton actor IDs, the builtin
// actors' dispatch convention (internal methods restricted to builtin callers, CBOR-coded
// returns, "method expects arguments"), caller checks, state load/save, and the conversion of a
// failed send into the caller's own exit, as the builtin actors' runtime does it.
import {
  Params, CborReader, CborWriter, Address, Cid, TokenAmount, IpldBlock,
  ExitCode, abortWith, exit, errorNumberName, ErrorNumber,
  caller, methodNumber, root, setRoot, getBlock, putBlock, returnBytes,
  getActorCodeCid, getBuiltinActorType, BuiltinActorType, SendResult, send, resolveAddress, NO_ACTOR, METHOD_SEND,
  DAG_CBOR, CBOR, NO_BLOCK, FIRST_EXPORTED_METHOD_NUMBER,
} from "../../sdk/index";

export const SYSTEM_ACTOR_ID: u64 = 0;
export const INIT_ACTOR_ID: u64 = 1;
export const REWARD_ACTOR_ID: u64 = 2;
export const CRON_ACTOR_ID: u64 = 3;
export const STORAGE_POWER_ACTOR_ID: u64 = 4;
export const STORAGE_MARKET_ACTOR_ID: u64 = 5;
export const VERIFIED_REGISTRY_ACTOR_ID: u64 = 6;
export const DATACAP_TOKEN_ACTOR_ID: u64 = 7;
export const EAM_ACTOR_ID: u64 = 10;
export const BURNT_FUNDS_ACTOR_ID: u64 = 99;
/** The first ID the init actor hands out. */
export const FIRST_NON_SINGLETON_ID: u64 = 100;

// ------------------------------------------------------------------------------------------------
// Dispatch
// ------------------------------------------------------------------------------------------------

/** A handler for methods without an entry of their own (the builtin actors' `_ => fallback`). */
export type Fallback = (method: u64, params: Params) => u32;

/**
 * The builtin actors' method table: methods below the FRC-42 range may only be called by builtin
 * actors (any but EVM); an unknown method is USR_UNHANDLED_MESSAGE unless a fallback takes it.
 * Build it inside invoke(): AssemblyScript has no closures and the module no start function.
 */
export class Methods {
  private numbers: Array<u64> = [];
  private handlers: Array<(p: Params) => u32> = [];
  private fallback: Fallback | null = null;

  on(method: u64, handler: (p: Params) => u32): Methods {
    this.numbers.push(method);
    this.handlers.push(handler);
    return this;
  }

  otherwise(fallback: Fallback): Methods {
    this.fallback = fallback;
    return this;
  }

  dispatch(paramsId: u32): u32 {
    const method = methodNumber();
    restrictInternalApi(method);
    for (let i = 0; i < this.numbers.length; i++) {
      if (this.numbers[i] == method) {
        const h = this.handlers[i];
        return h(Params.load(paramsId));
      }
    }
    const fb = this.fallback;
    if (fb !== null) return fb(method, Params.load(paramsId));
    abortWith(ExitCode.USR_UNHANDLED_MESSAGE, "invalid method: " + method.toString());
    return NO_BLOCK;
  }
}

/** Methods below 2^24 are the builtin actors' internal API: only builtin callers (not EVM) may call them. */
export function restrictInternalApi(method: u64): void {
  if (method >= FIRST_EXPORTED_METHOD_NUMBER) return;
  const from = caller();
  const code = getActorCodeCid(from);
  if (code === null) {
    abortWith(ExitCode.USR_FORBIDDEN, "no code for caller f0" + from.toString() + " of method " + method.toString());
    return;
  }
  const t = getBuiltinActorType(code!);
  if (t == BuiltinActorType.NONE || t == BuiltinActorType.EVM) {
    abortWith(ExitCode.USR_FORBIDDEN, "caller f0" + from.toString() + " of method " + method.toString() + " must be built-in");
  }
}

/** The builtin actors' fallback for account-like actors: accept FRC-42 methods, refuse the rest. */
export function acceptExportedMethods(method: u64, p: Params): u32 {
  if (method >= FIRST_EXPORTED_METHOD_NUMBER) return NO_BLOCK;
  abortWith(ExitCode.USR_UNHANDLED_MESSAGE, "invalid method: " + method.toString());
  return NO_BLOCK;
}

// ------------------------------------------------------------------------------------------------
// Parameters and return values
// ------------------------------------------------------------------------------------------------

/** A reader over the method's parameters; USR_ILLEGAL_ARGUMENT if there are none. */
export function args(p: Params, what: string): CborReader {
  if (p.isEmpty) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "method expects arguments");
  return p.reader(what);
}

/** USR_ILLEGAL_ARGUMENT unless the method got no parameters. */
export function noArgs(p: Params): void {
  if (!p.isEmpty) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "method expects no arguments");
}

/** Returns the value written to `w`, with the CBOR codec the builtin actors return with. */
export function ret(w: CborWriter): u32 {
  return returnBytes(CBOR, w.finish());
}

/** An i64 field: the builtin actors' ChainEpoch and similar. */
export function readEpoch(r: CborReader): i64 {
  return r.int();
}

// ------------------------------------------------------------------------------------------------
// Callers
// ------------------------------------------------------------------------------------------------

/** USR_FORBIDDEN unless the immediate caller is actor `id`. */
export function requireCaller(id: u64): void {
  const from = caller();
  if (from != id) {
    abortWith(ExitCode.USR_FORBIDDEN, "caller f0" + from.toString() + " is not one of supported (f0" + id.toString() + ")");
  }
}

/** The builtin type of an actor's code (BuiltinActorType.NONE for user code or a missing actor). */
export function builtinTypeOf(actorId: u64): i32 {
  const code = getActorCodeCid(actorId);
  return code === null ? BuiltinActorType.NONE : getBuiltinActorType(code!);
}

// ------------------------------------------------------------------------------------------------
// State
// ------------------------------------------------------------------------------------------------

/** A reader over this actor's state block. */
export function loadState(what: string): CborReader {
  return new CborReader(getBlock(root()), what);
}

/** Stores `w` as this actor's new state. */
export function saveState(w: CborWriter): void {
  setRoot(putBlock(DAG_CBOR, w.finish()));
}

// The CID of the DAG-CBOR empty list (blake2b-256): the state of an actor not constructed yet.
const EMPTY_ARRAY_CID = memory.data<u8>([
  1, 113, 160, 228, 2, 32, 69, 176, 207, 194, 32, 206, 236, 91, 124, 28, 98, 196, 212, 25, 61, 56, 228, 235,
  164, 142, 136, 21, 114, 156, 231, 95, 156, 10, 176, 228, 193, 192,
]);
const EMPTY_ARRAY_CID_LENGTH: i32 = 38;

/** Stores `w` as the first state of a new actor; USR_ILLEGAL_STATE if it already has one. */
export function createState(w: CborWriter): void {
  const current = root();
  const b = current.bytes;
  if (b.length != EMPTY_ARRAY_CID_LENGTH || memory.compare(b.dataStart, EMPTY_ARRAY_CID, <usize>EMPTY_ARRAY_CID_LENGTH) != 0) {
    abortWith(ExitCode.USR_ILLEGAL_STATE, "failed to create state; expected empty array CID, got: " + current.toString());
  }
  saveState(w);
}

/** The CID of the DAG-CBOR empty list, stored (e.g. an empty registry). */
export function emptyListCid(): Cid {
  return putBlock(DAG_CBOR, new CborWriter().array(0).finish());
}

// ------------------------------------------------------------------------------------------------
// Sends
// ------------------------------------------------------------------------------------------------

/** Parameters as the builtin actors forward raw bytes: none when empty, else a CBOR block. */
export function rawParams(bytes: Uint8Array): IpldBlock | null {
  return bytes.length == 0 ? null : new IpldBlock(CBOR, bytes);
}

/**
 * The exit code a failed send becomes for the caller (the builtin actors' SendError and
 * ActorError::checked conversions): a syscall failure maps to a fixed user code, a callee's
 * system exit code to USR_UNSPECIFIED or USR_ASSERTION_FAILED, a user code passes through.
 */
export function sendFailureCode(res: SendResult): u32 {
  if (res.errno != 0) {
    if (res.errno == ErrorNumber.NotFound) return ExitCode.USR_UNSPECIFIED;
    if (res.errno == ErrorNumber.InsufficientFunds) return ExitCode.USR_INSUFFICIENT_FUNDS;
    if (res.errno == ErrorNumber.ReadOnly) return ExitCode.USR_READ_ONLY;
    return ExitCode.USR_ASSERTION_FAILED;
  }
  const code = res.exitCode;
  if (code == ExitCode.SYS_MISSING_RETURN || code == ExitCode.SYS_ILLEGAL_INSTRUCTION || code == ExitCode.SYS_ILLEGAL_EXIT_CODE) {
    return ExitCode.USR_UNSPECIFIED;
  }
  if (code < ExitCode.FIRST_USER_EXIT_CODE) return ExitCode.USR_ASSERTION_FAILED;
  return code;
}

/** Why a send failed, for messages. */
export function sendFailureText(res: SendResult): string {
  if (res.errno != 0) return "send failed: " + errorNumberName(res.errno);
  return "send aborted with code " + res.exitCode.toString();
}

/**
 * Ends this invocation with the failure of `res` (which must have failed), carrying the callee's
 * return data as the builtin actors do.
 */
export function abortWithSendFailure(res: SendResult, context: string): void {
  const data = res.errno == 0 && res.ret !== null ? res.ret!.data : null;
  const codec = res.errno == 0 && res.ret !== null ? res.ret!.codec : DAG_CBOR;
  exit(sendFailureCode(res), data, context + ": " + sendFailureText(res), codec);
}

// ------------------------------------------------------------------------------------------------
// Tokens
// ------------------------------------------------------------------------------------------------

/** The remainder of the last divFloorU64. */
export let lastRemainder: u64 = 0;

/** floor(a / d) for a non-negative amount (128-bit by 64-bit long division); see lastRemainder. */
export function divFloorU64(a: TokenAmount, d: u64): TokenAmount {
  if (d == 0) abortWith(ExitCode.USR_ASSERTION_FAILED, "division by zero");
  if (a.isNegative()) abortWith(ExitCode.USR_ASSERTION_FAILED, "divFloorU64 of a negative amount");
  // Shift-subtract over the 128 bits: the remainder stays below d, so 2*rem+1 fits in 65 bits;
  // track the carry bit explicitly.
  let rem: u64 = 0;
  let qhi: u64 = 0;
  let qlo: u64 = 0;
  for (let i = 127; i >= 0; i--) {
    const bit: u64 = i >= 64 ? (a.hi >> <u64>(i - 64)) & 1 : (a.lo >> <u64>i) & 1;
    const carry = rem >> 63;
    rem = (rem << 1) | bit;
    if (carry != 0 || rem >= d) {
      rem -= d;
      if (i >= 64) qhi |= <u64>1 << <u64>(i - 64);
      else qlo |= <u64>1 << <u64>i;
    }
  }
  lastRemainder = rem;
  return new TokenAmount(qlo, qhi, false);
}

/** The ID of an address the caller gave as an ID address, or USR_ILLEGAL_ARGUMENT. */
export function idOf(a: Address, what: string): u64 {
  if (!a.isId()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, what + " must be an ID address, got " + a.toString());
  return a.id();
}

/**
 * The actor ID behind `a`. An f1/f3/f4 address no actor has yet gets one first, by sending it
 * nothing (the machine creates the account or placeholder). With `mustExist`, an ID without an
 * actor is USR_NOT_FOUND.
 */
export function resolveToActorId(a: Address, mustExist: bool): u64 {
  let id = resolveAddress(a);
  if (id == NO_ACTOR) {
    const res = send(a, METHOD_SEND, null, TokenAmount.zero());
    if (!res.ok) abortWithSendFailure(res, "failed to send zero balance to address " + a.toString());
    id = resolveAddress(a);
  }
  if (id == NO_ACTOR) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "failed to resolve or initialize address " + a.toString());
  if (mustExist && getActorCodeCid(id) === null) abortWith(ExitCode.USR_NOT_FOUND, "no code for address " + a.toString());
  return id;
}
