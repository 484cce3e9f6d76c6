// Data access control, the seed use case of a user actor: an owner registers content CIDs and
// grants or revokes retrieval permission per address; anyone may ask whether an address may
// retrieve a CID. Every change emits an event. It is user code (not a builtin actor): the
// machine installs its WASM and the init actor's Exec creates instances of it.
//
// State: [owner, contents, grants, content_count, grant_count]
//   owner     the owner's actor ID
//   contents  HAMT: content CID bytes -> [registered_epoch, grant_count]
//   grants    HAMT: content CID bytes ++ uvarint(grantee actor ID) -> granted_epoch
// Content CIDs are kept as bytes, never as IPLD links: the content is not on chain, and a link
// to a block the actor cannot reach is refused by the machine (FVM 4.x reachability rules).
//
// Methods (FRC-42 numbers: node --import tsx scripts/sdk-compile.ts --methods RegisterContent,...)
//   1           Constructor([owner])               init actor only
//   1140518525  RegisterContent([cid]) -> bool     owner; true if newly registered
//   1149815161  Grant([cid, address]) -> bool      owner; true if newly granted
//   3248598412  Revoke([cid, address]) -> bool     owner; true if a grant was removed
//   2876876163  CanRetrieve([cid, address]) -> bool   anyone
//   3489999077  Info() -> [owner, content_count, grant_count]
//   2916000231  TransferOwnership([address])       owner
// Events (all entries indexed, CBOR values): "$type" is content-registered, access-granted,
// access-revoked or owner-changed; then "cid" (a CID), "grantee" / "owner" (an actor ID).
import {
  Dispatcher, Params, METHOD_CONSTRUCTOR, returnCbor, returnNothing,
  CborReader, CborWriter, Hamt, Cid, Address, putBlock, getBlock, DAG_CBOR, CBOR,
  root, setRoot, caller, valueReceived, currEpoch, resolveAddress, NO_ACTOR,
  emitEvent, EventEntry, FLAG_INDEXED_ALL, ExitCode, abortWith, require,
  varintLength, putVarint,
} from "../../sdk/index";

const METHOD_REGISTER_CONTENT: u64 = 1140518525;
const METHOD_GRANT: u64 = 1149815161;
const METHOD_REVOKE: u64 = 3248598412;
const METHOD_CAN_RETRIEVE: u64 = 2876876163;
const METHOD_INFO: u64 = 3489999077;
const METHOD_TRANSFER_OWNERSHIP: u64 = 2916000231;

const INIT_ACTOR_ID: u64 = 1;

class State {
  constructor(
    public owner: u64,
    public contents: Cid,
    public grants: Cid,
    public contentCount: u64,
    public grantCount: u64,
  ) {}

  static load(): State {
    const r = new CborReader(getBlock(root()), "access-control state");
    r.tuple(5, "access-control state");
    const owner = r.uint();
    const contents = r.cid();
    const grants = r.cid();
    const contentCount = r.uint();
    const grantCount = r.uint();
    r.done();
    return new State(owner, contents, grants, contentCount, grantCount);
  }

  save(): void {
    const w = new CborWriter();
    w.array(5).uint(this.owner).cid(this.contents).cid(this.grants).uint(this.contentCount).uint(this.grantCount);
    setRoot(putBlock(DAG_CBOR, w.finish()));
  }
}

/** A registered content's record: when it was registered and how many grants it has. */
class Content {
  constructor(public registeredAt: i64, public grants: u64) {}

  static decode(bytes: Uint8Array): Content {
    const r = new CborReader(bytes, "content record");
    r.tuple(2, "content record");
    const at = r.int();
    const grants = r.uint();
    r.done();
    return new Content(at, grants);
  }

  encode(): Uint8Array {
    return new CborWriter().array(2).int(this.registeredAt).uint(this.grants).finish();
  }
}

/** The grants key of (content, grantee): the CID bytes are self-delimiting, so no separator is needed. */
function grantKey(content: Cid, grantee: u64): Uint8Array {
  const c = content.bytes;
  const key = new Uint8Array(c.length + varintLength(grantee));
  key.set(c, 0);
  putVarint(key, c.length, grantee);
  return key;
}

// ---- parameters ------------------------------------------------------------------------------

/** [cid] */
function readCid(p: Params, what: string): Cid {
  const r = p.reader(what);
  r.tuple(1, what);
  const c = r.cid();
  r.done();
  return c;
}

class CidAndAddress {
  constructor(public cid: Cid, public address: Address) {}
}

/** [cid, address] */
function readCidAndAddress(p: Params, what: string): CidAndAddress {
  const r = p.reader(what);
  r.tuple(2, what);
  const c = r.cid();
  const a = r.address();
  r.done();
  return new CidAndAddress(c, a);
}

/** [address] */
function readAddress(p: Params, what: string): Address {
  const r = p.reader(what);
  r.tuple(1, what);
  const a = r.address();
  r.done();
  return a;
}

/** The actor ID behind `a`; aborts with USR_NOT_FOUND when no actor has that address. */
function requireActor(a: Address, role: string): u64 {
  const id = resolveAddress(a);
  if (id == NO_ACTOR) abortWith(ExitCode.USR_NOT_FOUND, role + " " + a.toString() + " is not an actor on chain");
  return id;
}

function requireNoValue(method: string): void {
  require(valueReceived().isZero(), ExitCode.USR_NOT_PAYABLE, method + " does not accept funds");
}

function requireOwner(st: State, method: string): void {
  const from = caller();
  if (from != st.owner) {
    abortWith(ExitCode.USR_FORBIDDEN, method + " is for the owner f0" + st.owner.toString() + " only, not f0" + from.toString());
  }
}

function requireContent(contents: Hamt, c: Cid): Content {
  const bytes = contents.get(c.bytes);
  if (bytes === null) abortWith(ExitCode.USR_NOT_FOUND, "content " + c.toString() + " is not registered");
  return Content.decode(bytes!);
}

function returnBool(b: bool): u32 {
  return returnCbor(new CborWriter().bool(b));
}

// ---- events ----------------------------------------------------------------------------------

function typeEntry(name: string): EventEntry {
  return new EventEntry(FLAG_INDEXED_ALL, "$type", CBOR, new CborWriter().text(name).finish());
}

function cidEntry(c: Cid): EventEntry {
  return new EventEntry(FLAG_INDEXED_ALL, "cid", CBOR, new CborWriter().cid(c).finish());
}

function actorEntry(key: string, id: u64): EventEntry {
  return new EventEntry(FLAG_INDEXED_ALL, key, CBOR, new CborWriter().uint(id).finish());
}

// ---- methods ---------------------------------------------------------------------------------

function constructor(p: Params): u32 {
  require(caller() == INIT_ACTOR_ID, ExitCode.USR_FORBIDDEN, "only the init actor constructs actors");
  const owner = requireActor(readAddress(p, "constructor params"), "owner");
  new State(owner, Hamt.create().flush(), Hamt.create().flush(), 0, 0).save();
  return returnNothing();
}

function registerContent(p: Params): u32 {
  requireNoValue("RegisterContent");
  const c = readCid(p, "RegisterContent params");
  const st = State.load();
  requireOwner(st, "RegisterContent");
  const contents = Hamt.load(st.contents);
  if (!contents.setIfAbsent(c.bytes, new Content(currEpoch(), 0).encode())) return returnBool(false);
  st.contents = contents.flush();
  st.contentCount++;
  st.save();
  emitEvent([typeEntry("content-registered"), cidEntry(c)]);
  return returnBool(true);
}

function grant(p: Params): u32 {
  requireNoValue("Grant");
  const q = readCidAndAddress(p, "Grant params");
  const st = State.load();
  requireOwner(st, "Grant");
  const contents = Hamt.load(st.contents);
  const content = requireContent(contents, q.cid);
  const grantee = requireActor(q.address, "grantee");
  const grants = Hamt.load(st.grants);
  if (!grants.setIfAbsent(grantKey(q.cid, grantee), new CborWriter().int(currEpoch()).finish())) return returnBool(false);
  content.grants++;
  contents.set(q.cid.bytes, content.encode());
  st.contents = contents.flush();
  st.grants = grants.flush();
  st.grantCount++;
  st.save();
  emitEvent([typeEntry("access-granted"), cidEntry(q.cid), actorEntry("grantee", grantee)]);
  return returnBool(true);
}

function revoke(p: Params): u32 {
  requireNoValue("Revoke");
  const q = readCidAndAddress(p, "Revoke params");
  const st = State.load();
  requireOwner(st, "Revoke");
  const contents = Hamt.load(st.contents);
  const content = requireContent(contents, q.cid);
  const grantee = resolveAddress(q.address);
  // An address without an actor cannot hold a grant: nothing to revoke.
  if (grantee == NO_ACTOR) return returnBool(false);
  const grants = Hamt.load(st.grants);
  if (grants.delete(grantKey(q.cid, grantee)) === null) return returnBool(false);
  content.grants--;
  contents.set(q.cid.bytes, content.encode());
  st.contents = contents.flush();
  st.grants = grants.flush();
  st.grantCount--;
  st.save();
  emitEvent([typeEntry("access-revoked"), cidEntry(q.cid), actorEntry("grantee", grantee)]);
  return returnBool(true);
}

function canRetrieve(p: Params): u32 {
  const q = readCidAndAddress(p, "CanRetrieve params");
  const st = State.load();
  if (!Hamt.load(st.contents).has(q.cid.bytes)) return returnBool(false);
  const who = resolveAddress(q.address);
  if (who == NO_ACTOR) return returnBool(false);
  if (who == st.owner) return returnBool(true);
  return returnBool(Hamt.load(st.grants).has(grantKey(q.cid, who)));
}

function info(p: Params): u32 {
  p.expectNone();
  const st = State.load();
  return returnCbor(new CborWriter().array(3).address(Address.fromId(st.owner)).uint(st.contentCount).uint(st.grantCount));
}

function transferOwnership(p: Params): u32 {
  requireNoValue("TransferOwnership");
  const next = readAddress(p, "TransferOwnership params");
  const st = State.load();
  requireOwner(st, "TransferOwnership");
  const id = requireActor(next, "new owner");
  if (id == st.owner) return returnNothing();
  st.owner = id;
  st.save();
  emitEvent([typeEntry("owner-changed"), actorEntry("owner", id)]);
  return returnNothing();
}

/** The FVM calls this once per message. */
export function invoke(params: u32): u32 {
  return new Dispatcher()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_REGISTER_CONTENT, registerContent)
    .on(METHOD_GRANT, grant)
    .on(METHOD_REVOKE, revoke)
    .on(METHOD_CAN_RETRIEVE, canRetrieve)
    .on(METHOD_INFO, info)
    .on(METHOD_TRANSFER_OWNERSHIP, transferOwnership)
    .dispatch(params);
}
