// A tiny name registry: anyone may claim a free name; only its owner may release it.
// State: [names, count] where `names` is a HAMT from name (UTF-8 bytes) to owner actor ID.
import {
  Dispatcher, Params, METHOD_CONSTRUCTOR, returnCbor, returnNothing,
  CborReader, CborWriter, Hamt, Cid, putBlock, getBlock, DAG_CBOR, CBOR,
  root, setRoot, caller, valueReceived, emitEvent, EventEntry, FLAG_INDEXED_ALL,
  ExitCode, abortWith, require, utf8,
} from "../index";

// FRC-42 numbers: node --import tsx scripts/sdk-compile.ts --methods Register,Lookup,Release,Count
const METHOD_REGISTER: u64 = 2155413993;
const METHOD_LOOKUP: u64 = 3463861189;
const METHOD_RELEASE: u64 = 2866883080;
const METHOD_COUNT: u64 = 3683891907;

const INIT_ACTOR_ID: u64 = 1;
const MAX_NAME_BYTES = 64;

class State {
  constructor(public names: Cid, public count: u64) {}

  static load(): State {
    const r = new CborReader(getBlock(root()), "registry state");
    r.tuple(2, "registry state");
    const names = r.cid();
    const count = r.uint();
    r.done();
    return new State(names, count);
  }

  save(): void {
    const w = new CborWriter();
    w.array(2).cid(this.names).uint(this.count);
    setRoot(putBlock(DAG_CBOR, w.finish()));
  }
}

/** The name in the parameters: one CBOR text string of 1..64 bytes. */
function readName(p: Params): Uint8Array {
  const r = p.reader("name parameter");
  const name = utf8(r.text());
  r.done();
  require(name.length > 0 && name.length <= MAX_NAME_BYTES, ExitCode.USR_ILLEGAL_ARGUMENT, "a name must have 1 to 64 bytes");
  return name;
}

function ownerOf(names: Hamt, name: Uint8Array): u64 {
  const v = names.get(name);
  return v === null ? 0 : new CborReader(v, "owner").uint();
}

function constructor(p: Params): u32 {
  require(caller() == INIT_ACTOR_ID, ExitCode.USR_FORBIDDEN, "only the init actor constructs actors");
  p.expectNone();
  new State(Hamt.create().flush(), 0).save();
  return returnNothing();
}

function register(p: Params): u32 {
  require(valueReceived().isZero(), ExitCode.USR_NOT_PAYABLE, "Register does not accept funds");
  const name = readName(p);
  const st = State.load();
  const names = Hamt.load(st.names);
  const owner = ownerOf(names, name);
  const me = caller();
  if (owner == me) return returnNothing();
  if (owner != 0) abortWith(ExitCode.USR_FORBIDDEN, "name is owned by f0" + owner.toString());
  names.set(name, new CborWriter().uint(me).finish());
  st.names = names.flush();
  st.count++;
  st.save();
  emitEvent([
    new EventEntry(FLAG_INDEXED_ALL, "registered", CBOR, new CborWriter().bytes(name).finish()),
    new EventEntry(FLAG_INDEXED_ALL, "owner", CBOR, new CborWriter().uint(me).finish()),
  ]);
  return returnNothing();
}

function lookup(p: Params): u32 {
  const owner = ownerOf(Hamt.load(State.load().names), readName(p));
  const w = new CborWriter();
  if (owner == 0) w.null(); else w.uint(owner);
  return returnCbor(w);
}

function release(p: Params): u32 {
  const name = readName(p);
  const st = State.load();
  const names = Hamt.load(st.names);
  const owner = ownerOf(names, name);
  if (owner == 0) abortWith(ExitCode.USR_NOT_FOUND, "name is not registered");
  if (owner != caller()) abortWith(ExitCode.USR_FORBIDDEN, "only the owner f0" + owner.toString() + " may release the name");
  names.delete(name);
  st.names = names.flush();
  st.count--;
  st.save();
  emitEvent([new EventEntry(FLAG_INDEXED_ALL, "released", CBOR, new CborWriter().bytes(name).finish())]);
  return returnNothing();
}

function count(p: Params): u32 {
  p.expectNone();
  return returnCbor(new CborWriter().uint(State.load().count));
}

/** The FVM calls this once per message. */
export function invoke(params: u32): u32 {
  return new Dispatcher()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_REGISTER, register)
    .on(METHOD_LOOKUP, lookup)
    .on(METHOD_RELEASE, release)
    .on(METHOD_COUNT, count)
    .dispatch(params);
}
