// The system actor (f00). Its state, [builtin_actors], names the manifest data block
// ([[name, code CID], ...]) the machine reads to know which code is which builtin actor. The
// constructor stores an empty registry; genesis writes the real one.
import { Params, CborWriter, METHOD_CONSTRUCTOR } from "../sdk/index";
import { Methods, SYSTEM_ACTOR_ID, requireCaller, noArgs, createState, emptyListCid } from "./lib/runtime";

function constructor(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  noArgs(p);
  createState(new CborWriter().array(1).cid(emptyListCid()));
  return 0;
}

export function invoke(params: u32): u32 {
  return new Methods().on(METHOD_CONSTRUCTOR, constructor).dispatch(params);
}
