// Test actor for the SDK's syscall wrappers (message and network context, send, hashing,
// events, exit, balance, debug/trace): invoke() dispatches on the method number.
import {
  Dispatcher, Params, returnCbor, returnNothing, CborWriter, messageContext, networkContext,
  send, Address, TokenAmount, IpldBlock, hashSha256, hashBlake2b256, hashBlake2b512, hashKeccak256,
  hashRipemd160, tryEmitEvent, EventEntry, exit, currentBalance, log, verifySignature,
  resolveAddress, getActorCodeCid, balanceOf, lookupDelegatedAddress, getBuiltinActorType, NO_ACTOR,
  gasAvailable, chargeGas, totalFilCircSupply, getChainRandomness, tipsetCid,
} from "../index";

function contextInfo(p: Params): u32 {
  const m = messageContext();
  const n = networkContext();
  const w = new CborWriter();
  w.array(13).uint(m.origin).uint(m.nonce).uint(m.caller).uint(m.receiver).uint(m.methodNumber)
    .tokenAmount(m.valueReceived).tokenAmount(m.gasPremium).bool(m.readOnly)
    .int(n.epoch).uint(n.timestamp).tokenAmount(n.baseFee).uint(n.chainId).uint(<u64>n.networkVersion);
  return returnCbor(w);
}

/** [to, method, value, params | null] -> [errno, exit code, return bytes | null, return codec]. */
function sendEcho(p: Params): u32 {
  const r = p.reader();
  r.tuple(4);
  const to = r.address();
  const method = r.uint();
  const value = r.tokenAmount();
  let params: IpldBlock | null = null;
  if (r.isNull()) r.null(); else params = new IpldBlock(0x71, r.raw());
  r.done();
  const res = send(to, method, params, value);
  const w = new CborWriter();
  w.array(4).uint(<u64>res.errno).uint(<u64>res.exitCode);
  const ret = res.ret;
  if (ret === null) w.null().uint(0); else w.bytes(ret.data).uint(ret.codec);
  return returnCbor(w);
}

function hashes(p: Params): u32 {
  const d = p.reader().bytes();
  const w = new CborWriter();
  w.array(5).bytes(hashSha256(d)).bytes(hashBlake2b256(d)).bytes(hashBlake2b512(d)).bytes(hashKeccak256(d)).bytes(hashRipemd160(d));
  return returnCbor(w);
}

/** [[flags, key, codec, value], ...] -> errno of emit_event. */
function emit(p: Params): u32 {
  const r = p.reader();
  const n = r.array();
  const entries = new Array<EventEntry>(0);
  for (let i: u32 = 0; i < n; i++) {
    r.tuple(4);
    entries.push(new EventEntry(r.uint(), r.text(), r.uint(), r.bytes()));
  }
  return returnCbor(new CborWriter().uint(<u64>tryEmitEvent(entries)));
}

/** [code, message, data | null]: exits with them. */
function exitWith(p: Params): u32 {
  const r = p.reader();
  r.tuple(3);
  const code = r.u32();
  const message = r.text();
  let data: Uint8Array | null = null;
  if (r.isNull()) r.null(); else data = r.raw();
  exit(code, data, message);
  return returnNothing();
}

function balance(p: Params): u32 {
  return returnCbor(new CborWriter().tokenAmount(currentBalance()));
}

// Needs code to initialize: the build runs it on the first call of an export (no start function).
const LOG_TEXT: string = ["from", "log()"].join(" ");

function logs(p: Params): u32 {
  log(LOG_TEXT);
  trace("from trace()", 2, 1.5, 2);
  return returnNothing();
}

function random(p: Params): u32 {
  return <u32>(Math.random() * 10);
}

/** [sigType, signature, signer, plaintext] -> bool. */
function verify(p: Params): u32 {
  const r = p.reader();
  r.tuple(4);
  const ok = verifySignature(<u8>r.uint(), r.bytes(), r.address(), r.bytes());
  return returnCbor(new CborWriter().bool(ok));
}

/** address -> [id | null, code CID bytes | null, balance | null, delegated | null, builtin type]. */
function actorInfo(p: Params): u32 {
  const a = p.reader().address();
  const id = resolveAddress(a);
  const w = new CborWriter();
  w.array(5);
  if (id == NO_ACTOR) return returnCbor(w.null().null().null().null().int(0));
  w.uint(id);
  // CIDs go back as bytes: a link in a return block must be reachable, and these are not.
  const code = getActorCodeCid(id);
  if (code === null) w.null(); else w.bytes(code.bytes);
  const bal = balanceOf(id);
  if (bal === null) w.null(); else w.tokenAmount(bal);
  const d = lookupDelegatedAddress(id);
  if (d === null) w.null(); else w.address(d);
  w.int(code === null ? -1 : <i64>getBuiltinActorType(code));
  return returnCbor(w);
}

/** epoch -> [gas available, circulating supply, chain randomness | null, tipset CID bytes | null]. */
function misc(p: Params): u32 {
  const epoch = p.reader().int();
  chargeGas("sdk-test", 1234);
  const w = new CborWriter();
  w.array(4).uint(gasAvailable()).tokenAmount(totalFilCircSupply());
  const rnd = getChainRandomness(epoch);
  if (rnd === null) w.null(); else w.bytes(rnd);
  const ts = tipsetCid(epoch);
  if (ts === null) w.null(); else w.bytes(ts.bytes);
  return returnCbor(w);
}

function methodByName(p: Params): u32 {
  return returnCbor(new CborWriter().text("named"));
}

export function invoke(params: u32): u32 {
  return new Dispatcher()
    .on(2, contextInfo)
    .on(3, sendEcho)
    .on(4, hashes)
    .on(5, emit)
    .on(6, exitWith)
    .on(7, balance)
    .on(8, logs)
    .on(9, random)
    .on(10, verify)
    .on(11, actorInfo)
    .on(12, misc)
    .onName("ByName", methodByName)
    .dispatch(params);
}
