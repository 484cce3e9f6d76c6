// Other actors: address resolution, code CIDs, balances; and the init actor's privileged calls.
import * as sys from "./sys/actor";
import { Address } from "./address";
import { Cid } from "./cid";
import { TokenAmount } from "./token";
import { ErrorNumber } from "./errors";
import { syscallFailed } from "./ipld";
import { scratch, cidScratch, MAX_CID_LEN, copyOut } from "./mem";

/** resolveAddress's answer for an address that names no actor. */
export const NO_ACTOR: u64 = u64.MAX_VALUE;

/** Builtin actor types (positions in the bundle manifest); 0 is "not a builtin actor". */
export namespace BuiltinActorType {
  export const NONE: i32 = 0;
  export const SYSTEM: i32 = 1;
  export const INIT: i32 = 2;
  export const CRON: i32 = 3;
  export const ACCOUNT: i32 = 4;
  export const POWER: i32 = 5;
  export const MINER: i32 = 6;
  export const MARKET: i32 = 7;
  export const PAYMENT_CHANNEL: i32 = 8;
  export const MULTISIG: i32 = 9;
  export const REWARD: i32 = 10;
  export const VERIFIED_REGISTRY: i32 = 11;
  export const DATACAP: i32 = 12;
  export const PLACEHOLDER: i32 = 13;
  export const EVM: i32 = 14;
  export const EAM: i32 = 15;
  export const ETH_ACCOUNT: i32 = 16;
}

/** The actor ID an address points to, or NO_ACTOR. */
export function resolveAddress(addr: Address): u64 {
  if (addr.isId()) return addr.id();
  const p = scratch();
  const err = sys.resolve_address(p, addr.bytes.dataStart, <u32>addr.bytes.length);
  if (err == ErrorNumber.NotFound) return NO_ACTOR;
  if (err != 0) syscallFailed("actor.resolve_address", err);
  return load<u64>(p);
}

/** The f4 address of an actor, or null if it has none or does not exist. */
export function lookupDelegatedAddress(actorId: u64): Address | null {
  const p = scratch();
  const buf = new Uint8Array(128);
  const err = sys.lookup_delegated_address(p, actorId, buf.dataStart, <u32>buf.length);
  if (err == ErrorNumber.NotFound) return null;
  if (err != 0) syscallFailed("actor.lookup_delegated_address", err);
  const n = <i32>load<u32>(p);
  if (n == 0) return null;
  return new Address(buf.slice(0, n));
}

/** An actor's code CID, or null if it does not exist. */
export function getActorCodeCid(actorId: u64): Cid | null {
  const p = scratch();
  const buf = cidScratch();
  const err = sys.get_actor_code_cid(p, actorId, buf, MAX_CID_LEN);
  if (err == ErrorNumber.NotFound) return null;
  if (err != 0) syscallFailed("actor.get_actor_code_cid", err);
  return new Cid(copyOut(buf, <i32>load<u32>(p)));
}

/** The builtin actor type of a code CID (BuiltinActorType.NONE for other code). */
export function getBuiltinActorType(code: Cid): i32 {
  const p = scratch();
  const err = sys.get_builtin_actor_type(p, code.bytes.dataStart);
  if (err != 0) syscallFailed("actor.get_builtin_actor_type", err);
  return load<i32>(p);
}

/** The code CID the current bundle uses for a builtin actor type. */
export function getCodeCidForType(typ: i32): Cid {
  const p = scratch();
  const buf = cidScratch();
  const err = sys.get_code_cid_for_type(p, typ, buf, MAX_CID_LEN);
  if (err != 0) syscallFailed("actor.get_code_cid_for_type(" + typ.toString() + ")", err);
  return new Cid(copyOut(buf, <i32>load<u32>(p)));
}

/** An actor's balance, or null if it does not exist. */
export function balanceOf(actorId: u64): TokenAmount | null {
  const p = scratch();
  const err = sys.balance_of(p, actorId);
  if (err == ErrorNumber.NotFound) return null;
  if (err != 0) syscallFailed("actor.balance_of", err);
  return new TokenAmount(load<u64>(p), load<u64>(p, 8));
}

/** Init actor only: the next robust (f2) address. */
export function nextActorAddress(): Address {
  const p = scratch();
  const buf = new Uint8Array(64);
  const err = sys.next_actor_address(p, buf.dataStart, <u32>buf.length);
  if (err != 0) syscallFailed("actor.next_actor_address", err);
  return new Address(buf.slice(0, <i32>load<u32>(p)));
}

/** Init actor only: creates actor `actorId` running `code`; returns the ErrorNumber (0 on success). */
export function createActor(actorId: u64, code: Cid, delegated: Address | null = null): u32 {
  if (delegated === null) return sys.create_actor(actorId, code.bytes.dataStart, 0, 0);
  const d = <Address>delegated;
  return sys.create_actor(actorId, code.bytes.dataStart, d.bytes.dataStart, <u32>d.bytes.length);
}

/** Init actor only (ref-fvm "m2-native"): installs user WASM code; returns the ErrorNumber. */
export function installActor(code: Cid): u32 {
  return sys.install_actor(code.bytes.dataStart);
}
