// The Ethereum account actor: an externally owned account at an f410 address. It has no state.
//
// Methods (the official numbers):
//   1        Constructor()   system actor only; the actor must have an f4 address in the EAM's
//                            namespace (10)
//   >= 2^24  anything else succeeds with no return value (it receives tokens and hooks).
import { Params, METHOD_CONSTRUCTOR, ExitCode, abortWith, receiver, lookupDelegatedAddress, PROTOCOL_DELEGATED } from "../sdk/index";
import { Methods, SYSTEM_ACTOR_ID, EAM_ACTOR_ID, requireCaller, noArgs, acceptExportedMethods } from "./lib/runtime";

function constructor(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  noArgs(p);
  const f4 = lookupDelegatedAddress(receiver());
  if (f4 === null) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "receiver must have a predictable address");
  if (f4!.protocol != PROTOCOL_DELEGATED || f4!.namespace() != EAM_ACTOR_ID) {
    abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid target for EthAccount creation");
  }
  return 0;
}

export function invoke(params: u32): u32 {
  return new Methods()
    .on(METHOD_CONSTRUCTOR, constructor)
    .otherwise(acceptExportedMethods)
    .dispatch(params);
}
