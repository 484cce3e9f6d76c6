// Test module (not an actor): each export takes a parameters block handle and returns a result
// block handle, like invoke(), so the JS tests drive the SDK's CBOR, HAMT, AMT, hashes, token
// amounts and addresses through the same ipld syscalls an actor uses.
import {
  CborReader, CborWriter, CborValue, MapBuilder, decode, encode, Cid, Params, returnCbor, returnNothing,
  Hamt, Amt, sha256, blake2b, frc42MethodNumber, TokenAmount, Address, MAJOR_TAG, DAG_CBOR, IPLD_RAW, returnBytes,
} from "../index";

function params(id: u32, what: string): CborReader {
  return Params.load(id).reader(what);
}

/** Decodes any DAG-CBOR value and encodes it again. */
export function cbor_roundtrip(id: u32): u32 {
  const p = Params.load(id);
  const v = decode(p.block!.data, "round-trip input");
  return returnBytes(DAG_CBOR, encode(v));
}

/** Values written with the typed writer, for comparison with @ipld/dag-cbor. */
export function cbor_samples(id: u32): u32 {
  const w = new CborWriter(8);
  w.array(16);
  w.uint(0).uint(23).uint(24).uint(255).uint(256).uint(65536).uint(u64.MAX_VALUE);
  w.int(-1).int(i64.MIN_VALUE);
  w.negative(u64.MAX_VALUE);
  w.bytes(new Uint8Array(0));
  w.text("héllo ✓ 🚀");
  w.bool(true).null();
  const c = Cid.fromBytes(params(id, "sample params").bytes())!;
  w.cid(c);
  // Keys given out of order: the builder sorts them (length first, then bytes).
  const m = new MapBuilder();
  m.set("zz", encode(CborValue.uint(1)));
  m.set("a", encode(CborValue.bool(false)));
  m.set("bb", encode(CborValue.text("x")));
  m.set("b", encode(CborValue.null()));
  m.writeTo(w);
  return returnCbor(w);
}

/** Strict decoding only: aborts on malformed input. */
export function cbor_check(id: u32): u32 {
  const p = Params.load(id);
  decode(p.block!.data, "checked input");
  return returnNothing();
}

/** Typed reads: [u64, i64, bytes, text, bool, null, cid, [..]] -> the same values written back. */
export function cbor_typed(id: u32): u32 {
  const r = params(id, "typed input");
  r.tuple(8, "typed input");
  const u = r.uint();
  const i = r.int();
  const b = r.bytes();
  const t = r.text();
  const bo = r.bool();
  r.null();
  const c = r.cid();
  const rawItem = r.raw();
  r.done();
  const w = new CborWriter();
  w.array(8).uint(u).int(i).bytes(b).text(t).bool(bo).null().cid(c).raw(rawItem);
  return returnCbor(w);
}

/**
 * [root | null, bitWidth, [[op, key, value?], ...]] with op 0 = set, 1 = delete, 2 = get,
 * 3 = setIfAbsent -> [root, [result, ...]] (result: previous/removed/found value or null; a bool for op 3).
 */
export function hamt_apply(id: u32): u32 {
  const r = params(id, "hamt ops");
  r.tuple(3, "hamt ops");
  const root = r.nullableCid();
  const bw = <i32>r.uint();
  const h = root === null ? Hamt.create(bw) : Hamt.load(root, bw);
  const n = r.array();
  const results = new Array<Uint8Array | null>(0);
  for (let i: u32 = 0; i < n; i++) {
    const len = r.array();
    const op = r.uint();
    const key = r.bytes();
    if (op == 0) { results.push(h.set(key, r.raw())); }
    else if (op == 1) { results.push(h.delete(key)); }
    else if (op == 2) { results.push(h.get(key)); }
    else { results.push(encode(CborValue.bool(h.setIfAbsent(key, r.raw())))); }
    if ((op == 0 || op == 3) ? len != 3 : len != 2) abort("bad op arity");
  }
  r.done();
  const w = new CborWriter();
  w.array(2).cid(h.flush());
  writeResults(w, results);
  return returnCbor(w);
}

/** [root, bitWidth] -> [[key, value], ...] in iteration order. */
export function hamt_entries(id: u32): u32 {
  const r = params(id, "hamt root");
  r.tuple(2, "hamt root");
  const h = Hamt.load(r.cid(), <i32>r.uint());
  const all = h.entries();
  const w = new CborWriter();
  w.array(<u32>all.length);
  for (let i = 0; i < all.length; i++) w.array(2).bytes(all[i].key).raw(all[i].value);
  return returnCbor(w);
}

/** [root | null, bitWidth, [[op, index, value?], ...]] (op 0 set, 1 delete, 2 get) -> [root, count, [result, ...]]. */
export function amt_apply(id: u32): u32 {
  const r = params(id, "amt ops");
  r.tuple(3, "amt ops");
  const root = r.nullableCid();
  const bw = <i32>r.uint();
  const a = root === null ? Amt.create(bw) : Amt.load(root);
  const n = r.array();
  const results = new Array<Uint8Array | null>(0);
  for (let i: u32 = 0; i < n; i++) {
    r.array();
    const op = r.uint();
    const index = r.uint();
    if (op == 0) results.push(a.set(index, r.raw()));
    else if (op == 1) results.push(a.delete(index));
    else results.push(a.get(index));
  }
  r.done();
  const w = new CborWriter();
  w.array(3).cid(a.flush()).uint(a.count);
  writeResults(w, results);
  return returnCbor(w);
}

/** root -> [[index, value], ...] in index order. */
export function amt_entries(id: u32): u32 {
  const r = params(id, "amt root");
  const a = Amt.load(r.cid());
  r.done();
  const all = a.entries();
  const w = new CborWriter();
  w.array(<u32>all.length);
  for (let i = 0; i < all.length; i++) w.array(2).uint(all[i].index).raw(all[i].value);
  return returnCbor(w);
}

function writeResults(w: CborWriter, results: Array<Uint8Array | null>): void {
  w.array(<u32>results.length);
  for (let i = 0; i < results.length; i++) {
    const v = results[i];
    if (v === null) w.null(); else w.raw(v);
  }
}

/** Raw block -> raw block holding sha256 of it. */
export function sha256_of(id: u32): u32 {
  return returnBytes(IPLD_RAW, sha256(Params.load(id).block!.data));
}

/** [outLen, bytes] -> raw blake2b digest. */
export function blake2b_of(id: u32): u32 {
  const r = params(id, "blake2b input");
  r.tuple(2);
  const n = <i32>r.uint();
  const d = r.bytes();
  return returnBytes(IPLD_RAW, blake2b(d, n));
}

/** name (text) -> FRC-42 method number. */
export function method_number(id: u32): u32 {
  const r = params(id, "method name");
  const n = frc42MethodNumber(r.text());
  return returnCbor(new CborWriter().uint(n));
}

/** [a, b, k] (a, b big-int bytes; k u64) -> [a+b, a-b, a*k, cmp(a, b), decimal a]. */
export function token_ops(id: u32): u32 {
  const r = params(id, "token ops");
  r.tuple(3);
  const a = r.tokenAmount();
  const b = r.tokenAmount();
  const k = r.uint();
  const w = new CborWriter();
  w.array(5).tokenAmount(a.add(b)).tokenAmount(a.sub(b)).tokenAmount(a.mulU64(k)).int(<i64>a.cmp(b)).text(a.toString());
  return returnCbor(w);
}

/** Address bytes -> null if invalid, else [protocol, "f..." text, id or null]. */
export function address_info(id: u32): u32 {
  const r = params(id, "address");
  const a = Address.fromBytes(r.bytes());
  const w = new CborWriter();
  if (a === null) return returnCbor(w.null());
  w.array(3).uint(<u64>a.protocol).text(a.toString());
  if (a.isId()) w.uint(a.id()); else w.null();
  return returnCbor(w);
}

/** Fails AssemblyScript's way: the build routes abort() to vm.exit. */
export function as_abort(id: u32): u32 {
  const arr = new Array<i32>(1);
  const k = <i32>Params.load(id).block!.data.length;
  assert(k < 3, "input too long");
  return <u32>arr[k]; // k = 2 is out of range: abort() from the runtime
}
