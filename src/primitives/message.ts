// Messages: the unsigned VM message, its CBOR tuple and CID, and the signed wrapper.
import type { CID } from 'multiformats/cid';
import { cidOf, decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { type Address, addressFromCbor } from './address.js';
import { FieldError, I64_MAX, readBytes, readTuple, readU64, u64ToCbor } from './fields.js';
import { type Signature, SignatureType, encodeSignature, signatureFromCbor } from './signature.js';
import { type TokenAmount, encodeBigInt, tokenFromCbor } from './token.js';

/** Method number of an actor entry point. */
export type MethodNum = bigint;

/** Plain value transfer. */
export const METHOD_SEND: MethodNum = 0n;
/** Actor constructor. */
export const METHOD_CONSTRUCTOR: MethodNum = 1n;

export interface Message {
  version: bigint;
  to: Address;
  from: Address;
  /** The sender's nonce. */
  sequence: bigint;
  value: TokenAmount;
  gasLimit: bigint;
  gasFeeCap: TokenAmount;
  gasPremium: TokenAmount;
  method: MethodNum;
  params: Uint8Array;
}

export interface SignedMessage {
  message: Message;
  signature: Signature;
}

/** The message as a CBOR tuple (field order of the wire format). */
export function messageToCbor(msg: Message): unknown[] {
  return [
    u64ToCbor(msg.version, 'message.version'),
    msg.to.toBytes(),
    msg.from.toBytes(),
    u64ToCbor(msg.sequence, 'message.sequence'),
    encodeBigInt(msg.value, 'message.value'),
    u64ToCbor(msg.gasLimit, 'message.gasLimit'),
    encodeBigInt(msg.gasFeeCap, 'message.gasFeeCap'),
    encodeBigInt(msg.gasPremium, 'message.gasPremium'),
    u64ToCbor(msg.method, 'message.method'),
    msg.params,
  ];
}

/** Reads a message from an already decoded CBOR value. */
export function messageFromCbor(value: unknown, what = 'message'): Message {
  const f = readTuple(value, [10], what);
  return {
    version: readU64(f[0], `${what}.version`),
    to: addressFromCbor(f[1], `${what}.to`),
    from: addressFromCbor(f[2], `${what}.from`),
    sequence: readU64(f[3], `${what}.sequence`),
    value: tokenFromCbor(f[4], `${what}.value`),
    gasLimit: readU64(f[5], `${what}.gasLimit`),
    gasFeeCap: tokenFromCbor(f[6], `${what}.gasFeeCap`),
    gasPremium: tokenFromCbor(f[7], `${what}.gasPremium`),
    method: readU64(f[8], `${what}.method`),
    params: readBytes(f[9], `${what}.params`),
  };
}

export function encodeMessage(msg: Message): Uint8Array {
  return encodeCbor(messageToCbor(msg));
}

/** Decodes a DAG-CBOR message block; `what` names it in errors. */
export function decodeMessage(bytes: Uint8Array, what = 'message'): Message {
  return messageFromCbor(decodeCbor<unknown>(bytes, what), what);
}

/** The message's CID: blake2b-256 DAG-CBOR of its canonical encoding. */
export function messageCid(msg: Message): CID {
  return cidOf(encodeMessage(msg));
}

/**
 * The reference's basic sanity check before execution: a gas limit that is neither
 * zero nor above i64::MAX. Throws FieldError naming the problem.
 */
export function checkMessage(msg: Message, what = 'message'): void {
  if (msg.gasLimit === 0n) throw new FieldError(what, 'message has no gas limit set');
  if (msg.gasLimit > I64_MAX) throw new FieldError(what, `gas limit ${msg.gasLimit} exceeds i64 max`);
}

export function signedMessageToCbor(sm: SignedMessage): unknown[] {
  return [messageToCbor(sm.message), encodeSignature(sm.signature)];
}

export function signedMessageFromCbor(value: unknown, what = 'signed message'): SignedMessage {
  const f = readTuple(value, [2], what);
  return {
    message: messageFromCbor(f[0], `${what}.message`),
    signature: signatureFromCbor(f[1], `${what}.signature`),
  };
}

export function encodeSignedMessage(sm: SignedMessage): Uint8Array {
  return encodeCbor(signedMessageToCbor(sm));
}

export function decodeSignedMessage(bytes: Uint8Array, what = 'signed message'): SignedMessage {
  return signedMessageFromCbor(decodeCbor<unknown>(bytes, what), what);
}

/**
 * The CID a chain uses for a signed message: BLS signatures are aggregated per block,
 * so a BLS message is named by its unsigned CID; others by the signed encoding's CID.
 */
export function signedMessageCid(sm: SignedMessage): CID {
  if (sm.signature.type === SignatureType.BLS) return messageCid(sm.message);
  return cidOf(encodeSignedMessage(sm));
}
