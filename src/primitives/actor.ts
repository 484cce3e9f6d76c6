// The state-tree entry of an actor. State-tree v5 (nv18+) added the delegated address
// as a fifth field; earlier trees hold four.
import type { CID } from 'multiformats/cid';
import { cidOf, decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { type Address, addressFromCbor } from './address.js';
import { FieldError, readCid, readTuple, readU64, u64ToCbor } from './fields.js';
import { StateTreeVersion } from './network.js';
import { type TokenAmount, encodeBigInt, tokenFromCbor } from './token.js';

export interface ActorState {
  /** CID of the actor's code. */
  code: CID;
  /** Root of the actor's own state. */
  head: CID;
  /** Nonce: the number of messages this actor has sent. */
  sequence: bigint;
  balance: TokenAmount;
  /** The f4 address assigned at creation, if any (state-tree v5 only). */
  delegatedAddress: Address | null;
}

/** CID of the DAG-CBOR empty array, the head of an actor with no state. */
export const EMPTY_ARRAY_CID: CID = cidOf(encodeCbor([]));

/** A fresh actor: empty state, nonce 0, no balance. */
export function newEmptyActor(code: CID, delegatedAddress: Address | null = null): ActorState {
  return { code, head: EMPTY_ARRAY_CID, sequence: 0n, balance: 0n, delegatedAddress };
}

function hasDelegatedField(version: StateTreeVersion): boolean {
  return version >= StateTreeVersion.V5;
}

export function actorStateToCbor(actor: ActorState, version: StateTreeVersion = StateTreeVersion.V5): unknown[] {
  const what = 'actor state';
  if (actor.sequence < 0n) throw new FieldError(`${what}.sequence`, `${actor.sequence} is negative`);
  const fields: unknown[] = [
    actor.code,
    actor.head,
    u64ToCbor(actor.sequence, `${what}.sequence`),
    encodeBigInt(actor.balance, `${what}.balance`),
  ];
  if (hasDelegatedField(version)) {
    fields.push(actor.delegatedAddress === null ? null : actor.delegatedAddress.toBytes());
  } else if (actor.delegatedAddress !== null) {
    throw new FieldError(what, `state-tree v${version} has no delegated address field`);
  }
  return fields;
}

/**
 * Reads an actor state from a decoded CBOR value. With `version`, exactly that tree's
 * layout is accepted; without, the layout is taken from the tuple length.
 */
export function actorStateFromCbor(value: unknown, what = 'actor state', version?: StateTreeVersion): ActorState {
  const lengths = version === undefined ? [4, 5] : hasDelegatedField(version) ? [5] : [4];
  const f = readTuple(value, lengths, what);
  const delegated = f.length === 5 && f[4] !== null ? addressFromCbor(f[4], `${what}.delegatedAddress`) : null;
  return {
    code: readCid(f[0], `${what}.code`),
    head: readCid(f[1], `${what}.head`),
    sequence: readU64(f[2], `${what}.sequence`),
    balance: tokenFromCbor(f[3], `${what}.balance`),
    delegatedAddress: delegated,
  };
}

export function encodeActorState(actor: ActorState, version: StateTreeVersion = StateTreeVersion.V5): Uint8Array {
  return encodeCbor(actorStateToCbor(actor, version));
}

export function decodeActorState(bytes: Uint8Array, what = 'actor state', version?: StateTreeVersion): ActorState {
  return actorStateFromCbor(decodeCbor<unknown>(bytes, what), what, version);
}
