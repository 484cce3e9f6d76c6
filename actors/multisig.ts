// The multisig actor: a wallet whose signers propose and approve transactions; a transaction
// runs as soon as enough signers approved it. State (the official layout):
//   [signers (ID addresses), num_approvals_threshold, next_tx_id, initial_balance, start_epoch,
//    unlock_duration, pending_txs]
// pending_txs is a HAMT (bit width 5) keyed by the transaction ID as a zigzag varint, holding
// [to, value, method, params, approved (ID addresses)].
//
// Methods (the official numbers; 1..9 are internal, so callers must be builtin actors such as
// accounts and other multisigs):
//   1 Constructor([signers, num_approvals_threshold, unlock_duration, start_epoch])  init only
//   2 Propose([to, value, method, params]) -> [txn_id, applied, code, ret]
//   3 Approve([txn_id, proposal_hash]) -> [applied, code, ret]
//   4 Cancel([txn_id, proposal_hash])                 the proposer only
//   5 AddSigner([signer, increase])                   6 RemoveSigner([signer, decrease])
//   7 SwapSigner([from, to])                          8 ChangeNumApprovalsThreshold([new_threshold])
//   9 LockBalance([start_epoch, unlock_duration, amount])      (5..9: the multisig itself only)
//   3726118371 Receive([type, payload]), the FRC-46 universal receiver hook; any other FRC-42
//   number is accepted with no return value.
import {
  Params, CborWriter, CborReader, Cid, Address, TokenAmount, Hamt, HamtEntry, METHOD_CONSTRUCTOR, ExitCode,
  abortWith, caller, receiver, valueReceived, currentBalance, currEpoch, send, hashBlake2b256, bytesEqual,
} from "../sdk/index";
import {
  Methods, INIT_ACTOR_ID, requireCaller, args, ret, loadState, saveState, createState, rawParams, sendFailureCode,
  resolveToActorId, acceptExportedMethods, divFloorU64, lastRemainder,
} from "./lib/runtime";

const METHOD_PROPOSE: u64 = 2;
const METHOD_APPROVE: u64 = 3;
const METHOD_CANCEL: u64 = 4;
const METHOD_ADD_SIGNER: u64 = 5;
const METHOD_REMOVE_SIGNER: u64 = 6;
const METHOD_SWAP_SIGNER: u64 = 7;
const METHOD_CHANGE_THRESHOLD: u64 = 8;
const METHOD_LOCK_BALANCE: u64 = 9;
/** FRC-42 number of "Receive". */
const METHOD_UNIVERSAL_RECEIVER_HOOK: u64 = 3726118371;
const SIGNERS_MAX: i32 = 256;

class MultisigState {
  constructor(
    public signers: Array<Address>,
    public threshold: u64,
    public nextTxId: i64,
    public initialBalance: TokenAmount,
    public startEpoch: i64,
    public unlockDuration: i64,
    public pending: Cid,
  ) {}

  static load(): MultisigState {
    const r = loadState("multisig state");
    r.tuple(7, "multisig state");
    const n = r.array();
    const signers = new Array<Address>(0);
    for (let i: u32 = 0; i < n; i++) signers.push(r.address());
    const threshold = r.uint();
    const next = r.int();
    const initial = r.tokenAmount();
    const start = r.int();
    const unlock = r.int();
    const pending = r.cid();
    r.done();
    return new MultisigState(signers, threshold, next, initial, start, unlock, pending);
  }

  encode(): CborWriter {
    const w = new CborWriter(128).array(7).array(<u32>this.signers.length);
    for (let i = 0; i < this.signers.length; i++) w.address(this.signers[i]);
    w.uint(this.threshold).int(this.nextTxId).tokenAmount(this.initialBalance);
    w.int(this.startEpoch).int(this.unlockDuration).cid(this.pending);
    return w;
  }

  save(): void {
    saveState(this.encode());
  }

  indexOf(a: Address): i32 {
    for (let i = 0; i < this.signers.length; i++) if (this.signers[i].equals(a)) return i;
    return -1;
  }

  isSigner(a: Address): bool { return this.indexOf(a) >= 0; }

  /** The balance still locked `elapsed` epochs after the start: ceil(initial * remaining / duration). */
  amountLocked(elapsed: i64): TokenAmount {
    if (elapsed >= this.unlockDuration) return TokenAmount.zero();
    if (elapsed <= 0) return this.initialBalance;
    const remaining = this.unlockDuration - elapsed;
    const q = divFloorU64(this.initialBalance.mulU64(<u64>remaining), <u64>this.unlockDuration);
    return lastRemainder == 0 ? q : q.add(TokenAmount.fromU64(1));
  }

  /** USR_INSUFFICIENT_FUNDS unless `amount` can be spent now without touching locked funds. */
  checkAvailable(balance: TokenAmount, amount: TokenAmount, epoch: i64): void {
    if (amount.isNegative()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "amount to spend " + amount.toString() + " less than zero");
    if (balance.lt(amount)) {
      abortWith(ExitCode.USR_INSUFFICIENT_FUNDS, "current balance " + balance.toString() + " less than amount to spend " + amount.toString());
    }
    // A transaction that sends nothing may always run, whatever the lockup.
    if (amount.isZero()) return;
    const remaining = balance.sub(amount);
    const locked = this.amountLocked(epoch - this.startEpoch);
    if (remaining.lt(locked)) {
      abortWith(
        ExitCode.USR_INSUFFICIENT_FUNDS,
        "actor balance " + remaining.toString() + " if spent " + amount.toString() + " would be less than required locked amount " + locked.toString(),
      );
    }
  }
}

class Transaction {
  constructor(
    public to: Address,
    public value: TokenAmount,
    public method: u64,
    public params: Uint8Array,
    public approved: Array<Address>,
  ) {}

  static decode(bytes: Uint8Array): Transaction {
    const r = new CborReader(bytes, "pending transaction");
    r.tuple(5, "pending transaction");
    const to = r.address();
    const value = r.tokenAmount();
    const method = r.uint();
    const params = r.bytes();
    const n = r.array();
    const approved = new Array<Address>(0);
    for (let i: u32 = 0; i < n; i++) approved.push(r.address());
    r.done();
    return new Transaction(to, value, method, params, approved);
  }

  encode(): Uint8Array {
    const w = new CborWriter(128).array(5).address(this.to).tokenAmount(this.value).uint(this.method).bytes(this.params);
    w.array(<u32>this.approved.length);
    for (let i = 0; i < this.approved.length; i++) w.address(this.approved[i]);
    return w.finish();
  }

  /** blake2b-256 of [requester, to, value, method, params]: what a proposal hash must equal. */
  proposalHash(): Uint8Array {
    const w = new CborWriter(128).array(5);
    if (this.approved.length > 0) w.address(this.approved[0]);
    else w.null();
    w.address(this.to).tokenAmount(this.value).uint(this.method).bytes(this.params);
    return hashBlake2b256(w.finish());
  }
}

/** The HAMT key of a transaction ID: its zigzag varint. */
function txnKey(id: i64): Uint8Array {
  let z: u64 = (<u64>id << 1) ^ <u64>(id >> 63);
  const out = new Array<u8>(0);
  while (z >= 0x80) {
    out.push(<u8>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push(<u8>z);
  const bytes = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) bytes[i] = out[i];
  return bytes;
}

/** What running a transaction gave: whether it ran, its exit code and return bytes. */
class Outcome {
  constructor(public applied: bool, public code: u32, public ret: Uint8Array) {}
}

function callerAddress(): Address {
  return Address.fromId(caller());
}

function requireSigner(st: MultisigState, who: Address): void {
  if (!st.isSigner(who)) abortWith(ExitCode.USR_FORBIDDEN, who.toString() + " is not a signer");
}

/** Runs the transaction if it has enough approvals: removes it, then sends it. */
function executeIfApproved(st: MultisigState, id: i64, txn: Transaction): Outcome {
  if (<u64>txn.approved.length < st.threshold) return new Outcome(false, 0, new Uint8Array(0));
  st.checkAvailable(currentBalance(), txn.value, currEpoch());
  // Remove it first: the call below may re-enter this actor.
  const fresh = MultisigState.load();
  const pending = Hamt.load(fresh.pending);
  pending.delete(txnKey(id));
  fresh.pending = pending.flush();
  fresh.save();
  const res = send(txn.to, txn.method, rawParams(txn.params), txn.value);
  let out = new Uint8Array(0);
  if (res.errno == 0 && res.ret !== null) out = res.ret!.data;
  const code = res.ok ? ExitCode.OK : sendFailureCode(res);
  return new Outcome(true, code, out);
}

/** Adds the caller's approval to the transaction, then runs it if that was enough. */
function approveTransaction(id: i64, txn: Transaction): Outcome {
  const me = callerAddress();
  for (let i = 0; i < txn.approved.length; i++) {
    if (txn.approved[i].equals(me)) abortWith(ExitCode.USR_FORBIDDEN, me.toString() + " already approved this message");
  }
  const st = MultisigState.load();
  const pending = Hamt.load(st.pending);
  txn.approved.push(me);
  pending.set(txnKey(id), txn.encode());
  st.pending = pending.flush();
  st.save();
  return executeIfApproved(st, id, txn);
}

/** Reads [txn_id, proposal_hash]. */
class TxnIdParams {
  constructor(public id: i64, public hash: Uint8Array) {}

  static read(p: Params, what: string): TxnIdParams {
    const r = args(p, what);
    r.tuple(2, what);
    const id = r.int();
    const hash = r.bytes();
    r.done();
    return new TxnIdParams(id, hash);
  }
}

function constructor(p: Params): u32 {
  requireCaller(INIT_ACTOR_ID);
  const r = args(p, "multisig constructor params");
  r.tuple(4, "multisig constructor params");
  const n = r.array();
  const given = new Array<Address>(0);
  for (let i: u32 = 0; i < n; i++) given.push(r.address());
  const threshold = r.uint();
  const unlockDuration = r.int();
  const startEpoch = r.int();
  r.done();
  if (given.length == 0) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "Must have at least one signer");
  if (given.length > SIGNERS_MAX) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "cannot add more than " + SIGNERS_MAX.toString() + " signers");
  const signers = new Array<Address>(0);
  for (let i = 0; i < given.length; i++) {
    const id = Address.fromId(resolveToActorId(given[i], true));
    for (let j = 0; j < signers.length; j++) {
      if (signers[j].equals(id)) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "duplicate signer not allowed: " + given[i].toString());
    }
    signers.push(id);
  }
  if (threshold > <u64>given.length) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "must not require more approvals than signers");
  if (threshold < 1) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "must require at least one approval");
  if (unlockDuration < 0) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "negative unlock duration disallowed");
  const st = new MultisigState(signers, threshold, 0, TokenAmount.zero(), 0, 0, Hamt.create().flush());
  if (unlockDuration != 0) {
    st.startEpoch = startEpoch;
    st.unlockDuration = unlockDuration;
    st.initialBalance = valueReceived();
  }
  createState(st.encode());
  return 0;
}

function propose(p: Params): u32 {
  const r = args(p, "propose params");
  r.tuple(4, "propose params");
  const to = r.address();
  const value = r.tokenAmount();
  const method = r.uint();
  const params = r.bytes();
  r.done();
  if (value.isNegative()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "proposed value must be non-negative, was " + value.toString());
  const st = MultisigState.load();
  requireSigner(st, callerAddress());
  const id = st.nextTxId++;
  const txn = new Transaction(to, value, method, params, new Array<Address>(0));
  const pending = Hamt.load(st.pending);
  pending.set(txnKey(id), txn.encode());
  st.pending = pending.flush();
  st.save();
  const out = approveTransaction(id, txn);
  return ret(new CborWriter().array(4).int(id).bool(out.applied).uint(out.code).bytes(out.ret));
}

/** The pending transaction `id`, checked against the proposal hash when one is given. */
function pendingTransaction(st: MultisigState, id: i64, hash: Uint8Array): Transaction {
  const bytes = Hamt.load(st.pending).get(txnKey(id));
  if (bytes === null) abortWith(ExitCode.USR_NOT_FOUND, "no such transaction " + id.toString() + " for approval");
  const txn = Transaction.decode(bytes!);
  if (hash.length > 0 && !bytesEqual(hash, txn.proposalHash())) {
    abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "hash does not match proposal params (ensure requester is an ID address)");
  }
  return txn;
}

function approve(p: Params): u32 {
  const q = TxnIdParams.read(p, "approve params");
  const st = MultisigState.load();
  requireSigner(st, callerAddress());
  const txn = pendingTransaction(st, q.id, q.hash);
  // The threshold may have dropped since the last approval: then it runs without this one.
  let out = executeIfApproved(st, q.id, txn);
  if (!out.applied) out = approveTransaction(q.id, txn);
  return ret(new CborWriter().array(3).bool(out.applied).uint(out.code).bytes(out.ret));
}

function cancel(p: Params): u32 {
  const q = TxnIdParams.read(p, "cancel params");
  const st = MultisigState.load();
  const me = callerAddress();
  requireSigner(st, me);
  const pending = Hamt.load(st.pending);
  const bytes = pending.delete(txnKey(q.id));
  if (bytes === null) abortWith(ExitCode.USR_NOT_FOUND, "no such transaction " + q.id.toString() + " to cancel");
  const txn = Transaction.decode(bytes!);
  if (txn.approved.length == 0 || !txn.approved[0].equals(me)) abortWith(ExitCode.USR_FORBIDDEN, "Cannot cancel another signers transaction");
  if (q.hash.length > 0 && !bytesEqual(q.hash, txn.proposalHash())) abortWith(ExitCode.USR_ILLEGAL_STATE, "hash does not match proposal params");
  st.pending = pending.flush();
  st.save();
  return 0;
}

/** Removes `signer`'s approvals; transactions left with none are dropped. */
function purgeApprovals(st: MultisigState, signer: Address): void {
  const pending = Hamt.load(st.pending);
  const all: Array<HamtEntry> = pending.entries();
  for (let i = 0; i < all.length; i++) {
    const txn = Transaction.decode(all[i].value);
    const kept = new Array<Address>(0);
    for (let j = 0; j < txn.approved.length; j++) if (!txn.approved[j].equals(signer)) kept.push(txn.approved[j]);
    if (kept.length == txn.approved.length) continue;
    txn.approved = kept;
    if (kept.length > 0) pending.set(all[i].key, txn.encode());
    else pending.delete(all[i].key);
  }
  st.pending = pending.flush();
}

function addSigner(p: Params): u32 {
  requireCaller(receiver());
  const r = args(p, "add signer params");
  r.tuple(2, "add signer params");
  const signer = r.address();
  const increase = r.bool();
  r.done();
  const id = Address.fromId(resolveToActorId(signer, true));
  const st = MultisigState.load();
  if (st.signers.length >= SIGNERS_MAX) abortWith(ExitCode.USR_FORBIDDEN, "cannot add more than " + SIGNERS_MAX.toString() + " signers");
  if (st.isSigner(id)) abortWith(ExitCode.USR_FORBIDDEN, id.toString() + " is already a signer");
  st.signers.push(id);
  if (increase) st.threshold++;
  st.save();
  return 0;
}

function removeSigner(p: Params): u32 {
  requireCaller(receiver());
  const r = args(p, "remove signer params");
  r.tuple(2, "remove signer params");
  const signer = r.address();
  const decrease = r.bool();
  r.done();
  const id = Address.fromId(resolveToActorId(signer, false));
  const st = MultisigState.load();
  const at = st.indexOf(id);
  if (at < 0) abortWith(ExitCode.USR_FORBIDDEN, id.toString() + " is not a signer");
  if (st.signers.length == 1) abortWith(ExitCode.USR_FORBIDDEN, "Cannot remove only signer");
  if (!decrease && <u64>(st.signers.length - 1) < st.threshold) {
    abortWith(
      ExitCode.USR_ILLEGAL_ARGUMENT,
      "can't reduce signers to " + st.signers.length.toString() + " below threshold " + st.threshold.toString() + " with decrease=false",
    );
  }
  if (decrease) {
    if (st.threshold < 2) {
      abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "can't decrease approvals from " + st.threshold.toString() + " to " + (st.threshold - 1).toString());
    }
    st.threshold--;
  }
  purgeApprovals(st, id);
  st.signers.splice(at, 1);
  st.save();
  return 0;
}

function swapSigner(p: Params): u32 {
  requireCaller(receiver());
  const r = args(p, "swap signer params");
  r.tuple(2, "swap signer params");
  const from = r.address();
  const to = r.address();
  r.done();
  const fromId = Address.fromId(resolveToActorId(from, false));
  const toId = Address.fromId(resolveToActorId(to, true));
  const st = MultisigState.load();
  const at = st.indexOf(fromId);
  if (at < 0) abortWith(ExitCode.USR_FORBIDDEN, fromId.toString() + " is not a signer");
  if (st.isSigner(toId)) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, toId.toString() + " is already a signer");
  st.signers.splice(at, 1);
  st.signers.push(toId);
  purgeApprovals(st, fromId);
  st.save();
  return 0;
}

function changeThreshold(p: Params): u32 {
  requireCaller(receiver());
  const r = args(p, "change threshold params");
  r.tuple(1, "change threshold params");
  const threshold = r.uint();
  r.done();
  const st = MultisigState.load();
  if (threshold == 0 || threshold > <u64>st.signers.length) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "New threshold value not supported");
  st.threshold = threshold;
  st.save();
  return 0;
}

function lockBalance(p: Params): u32 {
  requireCaller(receiver());
  const r = args(p, "lock balance params");
  r.tuple(3, "lock balance params");
  const start = r.int();
  const duration = r.int();
  const amount = r.tokenAmount();
  r.done();
  if (duration <= 0) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "unlock duration must be positive");
  if (amount.isNegative()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "amount to lock must be positive");
  const st = MultisigState.load();
  if (st.unlockDuration != 0) abortWith(ExitCode.USR_FORBIDDEN, "modification of unlock disallowed");
  st.startEpoch = start;
  st.unlockDuration = duration;
  st.initialBalance = amount;
  st.save();
  return 0;
}

function universalReceiverHook(p: Params): u32 {
  const r = args(p, "universal receiver params");
  r.tuple(2, "universal receiver params");
  r.u32();
  r.bytes();
  r.done();
  return 0;
}

export function invoke(params: u32): u32 {
  return new Methods()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_PROPOSE, propose)
    .on(METHOD_APPROVE, approve)
    .on(METHOD_CANCEL, cancel)
    .on(METHOD_ADD_SIGNER, addSigner)
    .on(METHOD_REMOVE_SIGNER, removeSigner)
    .on(METHOD_SWAP_SIGNER, swapSigner)
    .on(METHOD_CHANGE_THRESHOLD, changeThreshold)
    .on(METHOD_LOCK_BALANCE, lockBalance)
    .on(METHOD_UNIVERSAL_RECEIVER_HOOK, universalReceiverHook)
    .otherwise(acceptExportedMethods)
    .dispatch(params);
}
