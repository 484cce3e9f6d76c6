// What the actor knows about the message being processed and the network it runs on.
import * as vmSys from "./sys/vm";
import * as netSys from "./sys/network";
import { TokenAmount } from "./token";
import { Address } from "./address";
import { Cid } from "./cid";
import { syscallFailed } from "./ipld";
import { scratch, cidScratch, MAX_CID_LEN, copyOut } from "./mem";

export class MessageContext {
  constructor(
    /** The account that signed the top-level message. */
    public origin: u64,
    /** Its nonce. */
    public nonce: u64,
    /** The immediate caller's actor ID. */
    public caller: u64,
    /** This actor's ID. */
    public receiver: u64,
    public methodNumber: u64,
    public valueReceived: TokenAmount,
    public gasPremium: TokenAmount,
    /** Bit 0: read-only (state changes, sends with value and events are refused). */
    public flags: u64,
  ) {}

  get readOnly(): bool { return (this.flags & 1) != 0; }
}

let messageCache: MessageContext | null = null;

/** The message context (read once per invocation, then cached). */
export function messageContext(): MessageContext {
  let c = messageCache;
  if (c === null) {
    const p = scratch();
    const err = vmSys.message_context(p);
    if (err != 0) syscallFailed("vm.message_context", err);
    // Packed layout: origin, nonce, caller, receiver, method (u64 each), value received and gas
    // premium as {lo, hi}, flags.
    c = new MessageContext(
      load<u64>(p, 0), load<u64>(p, 8), load<u64>(p, 16), load<u64>(p, 24), load<u64>(p, 32),
      new TokenAmount(load<u64>(p, 40), load<u64>(p, 48)),
      new TokenAmount(load<u64>(p, 56), load<u64>(p, 64)),
      load<u64>(p, 72),
    );
    messageCache = c;
  }
  return c!;
}

export function caller(): u64 { return messageContext().caller; }
export function callerAddress(): Address { return Address.fromId(messageContext().caller); }
export function origin(): u64 { return messageContext().origin; }
export function receiver(): u64 { return messageContext().receiver; }
export function receiverAddress(): Address { return Address.fromId(messageContext().receiver); }
export function methodNumber(): u64 { return messageContext().methodNumber; }
export function valueReceived(): TokenAmount { return messageContext().valueReceived; }
export function gasPremium(): TokenAmount { return messageContext().gasPremium; }
export function nonce(): u64 { return messageContext().nonce; }
export function readOnly(): bool { return messageContext().readOnly; }

export class NetworkContext {
  constructor(
    public epoch: i64,
    public timestamp: u64,
    public baseFee: TokenAmount,
    public chainId: u64,
    public networkVersion: u32,
  ) {}
}

let networkCache: NetworkContext | null = null;

/** The network context (read once per invocation, then cached). */
export function networkContext(): NetworkContext {
  let c = networkCache;
  if (c === null) {
    const p = scratch();
    const err = netSys.context(p);
    if (err != 0) syscallFailed("network.context", err);
    // Packed layout: epoch, timestamp, base fee {lo, hi}, chain ID, network version (u32).
    c = new NetworkContext(load<i64>(p, 0), load<u64>(p, 8), new TokenAmount(load<u64>(p, 16), load<u64>(p, 24)), load<u64>(p, 32), load<u32>(p, 40));
    networkCache = c;
  }
  return c!;
}

export function currEpoch(): i64 { return networkContext().epoch; }
export function timestamp(): u64 { return networkContext().timestamp; }
export function baseFee(): TokenAmount { return networkContext().baseFee; }
export function chainId(): u64 { return networkContext().chainId; }
export function networkVersion(): u32 { return networkContext().networkVersion; }

export function totalFilCircSupply(): TokenAmount {
  const p = scratch();
  const err = netSys.total_fil_circ_supply(p);
  if (err != 0) syscallFailed("network.total_fil_circ_supply", err);
  return new TokenAmount(load<u64>(p), load<u64>(p, 8));
}

/** CID of the tipset at `epoch` (within finality, before the current epoch); null otherwise. */
export function tipsetCid(epoch: i64): Cid | null {
  const p = scratch();
  const buf = cidScratch();
  const err = netSys.tipset_cid(p, epoch, buf, MAX_CID_LEN);
  if (err == 1 || err == 3) return null; // IllegalArgument / LimitExceeded: out of range
  if (err != 0) syscallFailed("network.tipset_cid", err);
  return new Cid(copyOut(buf, <i32>load<u32>(p)));
}
