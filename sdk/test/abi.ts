// Test module (never run): references every raw syscall import so that the test can read the
// import table of the compiled module and compare each signature with the FVM ABI, and every
// SDK method, which AssemblyScript compiles only when used.
import { vm, network, ipld, sself, actor, crypto, event, rand, gas, send, debug, v3 } from "../sys/index";
import {
  Cid, TokenAmount, Address, CborWriter, CborReader, MapBuilder, CborValue, Hamt, Amt, Params, Dispatcher,
  EventEntry, SendResult, messageContext, IpldBlock, decode,
} from "../index";

export function v4(x: u32): u32 {
  let s: u32 = 0;
  s += vm.message_context(x);
  s += network.total_fil_circ_supply(x) + network.tipset_cid(x, 1, x, x) + network.context(x);
  s += ipld.block_open(x, x) + ipld.block_create(x, 0x71, x, x) + ipld.block_read(x, x, x, x, x) + ipld.block_stat(x, x) + ipld.block_link(x, x, 0xb220, 32, x, x);
  s += sself.root(x, x, x) + sself.set_root(x) + sself.current_balance(x) + sself.self_destruct(x == 1);
  s += actor.resolve_address(x, x, x) + actor.lookup_delegated_address(x, 1, x, x) + actor.get_actor_code_cid(x, 1, x, x)
    + actor.get_builtin_actor_type(x, x) + actor.get_code_cid_for_type(x, <i32>x, x, x) + actor.next_actor_address(x, x, x)
    + actor.create_actor(1, x, x, x) + actor.upgrade_actor(x, x, x) + actor.install_actor(x) + actor.balance_of(x, 1);
  s += crypto.verify_signature(x, x, x, x, x, x, x, x) + crypto.verify_bls_aggregate(x, x, x, x, x, x)
    + crypto.recover_secp_public_key(x, x, x) + crypto.hash(x, 0x12, x, x, x, x)
    + crypto.compute_unsealed_sector_cid(x, 1, x, x, x, x) + crypto.verify_post(x, x, x)
    + crypto.verify_consensus_fault(x, x, x, x, x, x, x) + crypto.verify_aggregate_seals(x, x, x)
    + crypto.verify_replica_update(x, x, x) + crypto.batch_verify_seals(x, x, x);
  s += event.emit_event(x, x, x, x, x, x);
  s += rand.get_chain_randomness(x, 1) + rand.get_beacon_randomness(x, 1);
  s += gas.charge(x, x, 1) + gas.available(x);
  s += send.send(x, x, x, 1, x, 2, 3, 4, 5);
  s += debug.enabled(x) + debug.log(x, x) + debug.store_artifact(x, x, x, x);
  s += vm.exit(x, x, x, x);
  return s;
}

export function v3forms(x: u32): u32 {
  return v3.emit_event_v3(x, x) + v3.get_chain_randomness_v3(x, 1, 2, x, x) + v3.get_beacon_randomness_v3(x, 1, 2, x, x) + v3.self_destruct_v3(x, x);
}


let acc: u64 = 0;
function visitH(k: Uint8Array, v: Uint8Array): void { acc += <u64>k.length; }
function visitA(i: u64, v: Uint8Array): void { acc += i; }
function h(p: Params): u32 { return 0; }

/** Calls every class method of the SDK so that the compiler compiles (and checks) them all. */
export function sdk_surface(x: u32): u64 {
  const b = new Uint8Array(<i32>x);
  const c = Cid.v1(0x71, 0xb220, b);
  const c2 = Cid.fromBytes(b);
  acc += c.version + c.codec + c.hashCode + <u64>c.digest.length + (c.equals(c) ? 1 : 0) + <u64>c.toString().length + (c2 === null ? 0 : 1);
  const t = TokenAmount.fromI64(-5).add(TokenAmount.fromWholeFil(2)).sub(TokenAmount.fromU64(3)).mulU64(7).neg();
  acc += (t.equals(t) ? 1 : 0) + (t.lt(t) ? 1 : 0) + (t.gt(t) ? 1 : 0) + (t.isPositive() ? 1 : 0) + <u64>t.toString().length + <u64>TokenAmount.fromBytes(t.toBytes()).cmp(t);
  const a = Address.fromSecp256k1PublicKey(b);
  const d = Address.delegated(10, b);
  acc += <u64>Address.fromActorSeed(b).toString("t").length + <u64>Address.fromBlsPublicKey(b).payload().length + d.namespace() + <u64>d.subaddress().length + (a.equals(d) ? 1 : 0);
  const w = new CborWriter();
  w.uint(1).int(-1).negative(5).bool(true).null().bytes(b).text("x").array(1).map(0).cid(c).nullableCid(null).tokenAmount(t).address(a).raw(b).value(CborValue.int(-3));
  acc += <u64>w.length;
  const m = new MapBuilder();
  m.set("a", b);
  m.writeTo(w);
  acc += <u64>m.size;
  const r = new CborReader(w.finish(), "x");
  acc += r.uint() + <u64>r.int() + <u64>r.u32() + (r.bool() ? 1 : 0) + <u64>r.peekMajor() + (r.isNull() ? 1 : 0) + <u64>r.bytes().length + <u64>r.text().length;
  r.null(); r.tuple(1); r.map(); r.cid(); r.nullableCid(); r.tokenAmount(); r.address(); r.skip(); r.raw(); r.value(); r.done();
  acc += (r.isDone() ? 1 : 0);
  const v = CborValue.map(["k"], [CborValue.array([CborValue.bytes(b), CborValue.text("t"), CborValue.cid(c), CborValue.bool(false), CborValue.null(), CborValue.uint(1), CborValue.negative(2)])]);
  acc += <u64>decode(w.finish()).kind;
  v.encode(w);
  const hm = Hamt.create();
  hm.set(b, b); hm.setIfAbsent(b, b); hm.delete(b); acc += (hm.has(b) ? 1 : 0) + (hm.isEmpty() ? 1 : 0) + <u64>hm.entries().length;
  hm.forEach(visitH);
  const hm2 = Hamt.load(hm.flush(), 5);
  acc += <u64>hm2.bitWidth;
  const am = Amt.create();
  am.set(1, b); am.delete(1); acc += am.count + (am.has(1) ? 1 : 0) + <u64>am.entries().length + (am.get(2) === null ? 1 : 0);
  am.forEach(visitA);
  acc += Amt.load(am.flush()).count;
  const p = Params.load(x);
  p.expectNone();
  acc += (p.isEmpty ? 1 : 0);
  acc += <u64>new Dispatcher().on(5, h).onName("Foo", h).dispatch(x);
  acc += EventEntry.indexed("k", b).flags + (new SendResult(0, 0, new IpldBlock(0, b)).ok ? 1 : 0) + (messageContext().readOnly ? 1 : 0);
  return acc;
}
