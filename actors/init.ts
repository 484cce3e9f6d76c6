// The init actor (f01): hands out actor IDs and creates actors. State (the official layout):
// [address_map, next_id, network_name], where address_map is a HAMT (bit width 5) from address
// bytes (robust f2 and delegated f4 addresses) to the actor ID, as CBOR unsigned integers.
//
// Methods (the official numbers):
//   1 Constructor([network_name])                     system actor only
//   2 Exec([code_cid, constructor_params]) -> [id_address, robust_address]
//       multisig and payment channel code (miner code only from the power actor); as in the FVM's
//       M2 "native actors" path, code that is no builtin actor (user code) too
//   3 Exec4([code_cid, constructor_params, subaddress]) -> [id_address, robust_address]
//       EAM only; the new actor gets the f4 address f4<caller>f<subaddress>
import {
  Params, CborWriter, CborReader, Cid, Address, Hamt, METHOD_CONSTRUCTOR, ExitCode, abortWith,
  caller, valueReceived, send, nextActorAddress, createActor, getActorCodeCid,
  getCodeCidForType, getBuiltinActorType, BuiltinActorType, ErrorNumber, errorNumberName,
} from "../sdk/index";
import {
  Methods, SYSTEM_ACTOR_ID, EAM_ACTOR_ID, FIRST_NON_SINGLETON_ID, requireCaller, args, ret,
  loadState, saveState, createState, rawParams, abortWithSendFailure,
} from "./lib/runtime";

const METHOD_EXEC: u64 = 2;
const METHOD_EXEC4: u64 = 3;

class InitState {
  constructor(public addressMap: Cid, public nextId: u64, public networkName: string) {}

  static load(): InitState {
    const r = loadState("init state");
    r.tuple(3, "init state");
    const map = r.cid();
    const next = r.uint();
    const name = r.text();
    r.done();
    return new InitState(map, next, name);
  }

  encode(): CborWriter {
    return new CborWriter().array(3).cid(this.addressMap).uint(this.nextId).text(this.networkName);
  }

  save(): void {
    saveState(this.encode());
  }
}

class Allocation {
  constructor(public id: u64, public existing: bool) {}
}

/**
 * Maps the robust address (and the delegated one, if any) to an actor ID: a new ID, or the one
 * the delegated address already has. The robust address must be new.
 */
function mapAddresses(robust: Address, delegated: Address | null): Allocation {
  const st = InitState.load();
  const map = Hamt.load(st.addressMap);
  let id: u64 = 0;
  let existing = false;
  if (delegated !== null) {
    const known = map.get(delegated.bytes);
    if (known !== null) {
      id = new CborReader(known, "address map entry").uint();
      existing = true;
    } else {
      id = st.nextId++;
      map.set(delegated.bytes, new CborWriter().uint(id).finish());
    }
  } else {
    id = st.nextId++;
  }
  if (!map.setIfAbsent(robust.bytes, new CborWriter().uint(id).finish())) {
    abortWith(ExitCode.USR_FORBIDDEN, "robust address " + robust.toString() + " is already allocated in the address map");
  }
  st.addressMap = map.flush();
  st.save();
  return new Allocation(id, existing);
}

/** Creates actor `id` and runs its constructor with the value this message brought. */
function createAndConstruct(id: u64, code: Cid, delegated: Address | null, ctorParams: Uint8Array, robust: Address): u32 {
  const err = createActor(id, code, delegated);
  if (err == ErrorNumber.IllegalArgument) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "failed to create actor");
  else if (err == ErrorNumber.Forbidden) abortWith(ExitCode.USR_FORBIDDEN, "actor already exists");
  else if (err != 0) abortWith(ExitCode.USR_ASSERTION_FAILED, "create failed with unknown error: " + errorNumberName(err));
  const res = send(Address.fromId(id), METHOD_CONSTRUCTOR, rawParams(ctorParams), valueReceived());
  if (!res.ok) abortWithSendFailure(res, "constructor failed");
  return ret(new CborWriter().array(2).address(Address.fromId(id)).address(robust));
}

function constructor(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  const r = args(p, "init constructor params");
  r.tuple(1, "init constructor params");
  const name = r.text();
  r.done();
  createState(new InitState(Hamt.create().flush(), FIRST_NON_SINGLETON_ID, name).encode());
  return 0;
}

/** Whether an actor of type `callerType` may exec `code`. */
function canExec(callerType: i32, code: Cid): bool {
  const t = getBuiltinActorType(code);
  if (t == BuiltinActorType.MULTISIG || t == BuiltinActorType.PAYMENT_CHANNEL) return true;
  if (t == BuiltinActorType.MINER) return callerType == BuiltinActorType.POWER;
  // User code (the M2 path): anyone may create an actor from it.
  return t == BuiltinActorType.NONE;
}

function exec(p: Params): u32 {
  const r = args(p, "exec params");
  r.tuple(2, "exec params");
  const code = r.cid();
  const ctorParams = r.bytes();
  r.done();
  const from = caller();
  const callerCode = getActorCodeCid(from);
  if (callerCode === null) abortWith(ExitCode.USR_ILLEGAL_STATE, "no code for caller as f0" + from.toString());
  if (!canExec(getBuiltinActorType(callerCode!), code)) {
    abortWith(ExitCode.USR_FORBIDDEN, "called type " + callerCode!.toString() + " cannot exec actor type " + code.toString());
  }
  const robust = nextActorAddress();
  const alloc = mapAddresses(robust, null);
  if (alloc.existing) abortWith(ExitCode.USR_FORBIDDEN, "cannot exec over an existing actor " + alloc.id.toString());
  return createAndConstruct(alloc.id, code, null, ctorParams, robust);
}

function exec4(p: Params): u32 {
  requireCaller(EAM_ACTOR_ID);
  const r = args(p, "exec4 params");
  r.tuple(3, "exec4 params");
  const code = r.cid();
  const ctorParams = r.bytes();
  const subaddress = r.bytes();
  r.done();
  if (subaddress.length > 54) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid delegated address: subaddress longer than 54 bytes");
  const delegated = Address.delegated(caller(), subaddress);
  const robust = nextActorAddress();
  const alloc = mapAddresses(robust, delegated);
  if (alloc.existing) {
    // Only a placeholder (funds sent to the f4 address before deployment) may be replaced.
    const current = getActorCodeCid(alloc.id);
    if (current === null) abortWith(ExitCode.USR_FORBIDDEN, "cannot redeploy a deleted actor");
    const placeholder = getCodeCidForType(BuiltinActorType.PLACEHOLDER);
    if (!current!.equals(placeholder)) {
      abortWith(ExitCode.USR_FORBIDDEN, "cannot replace an existing non-placeholder actor with code: " + current!.toString());
    }
  }
  return createAndConstruct(alloc.id, code, delegated, ctorParams, robust);
}

export function invoke(params: u32): u32 {
  return new Methods()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_EXEC, exec)
    .on(METHOD_EXEC4, exec4)
    .dispatch(params);
}
