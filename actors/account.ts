// The account actor: an actor for a public key (an f1 secp256k1 or f3 BLS address). State:
// [address], the key address. The machine creates it (as the system actor) the first time an
// f1/f3 address receives a message.
//
// Methods (the official numbers):
//   1          Constructor(address)        system actor only; the address must be f1 or f3
//   2          PubkeyAddress() -> address   builtin callers
//   2643134072 AuthenticateMessage([signature, message]) -> true
//                                           USR_ILLEGAL_ARGUMENT if the signature is not valid
//   >= 2^24    anything else (the universal receiver hook among them) succeeds with no return.
import {
  Params, CborWriter, METHOD_CONSTRUCTOR, Address, ExitCode, abortWith,
  PROTOCOL_SECP256K1, PROTOCOL_BLS, SIG_TYPE_SECP256K1, SIG_TYPE_BLS, verifySignature,
} from "../sdk/index";
import {
  Methods, SYSTEM_ACTOR_ID, requireCaller, args, noArgs, ret, loadState, createState, acceptExportedMethods,
} from "./lib/runtime";

const METHOD_PUBKEY_ADDRESS: u64 = 2;
/** FRC-42 number of "AuthenticateMessage". */
const METHOD_AUTHENTICATE_MESSAGE: u64 = 2643134072;

function stateAddress(): Address {
  const r = loadState("account state");
  r.tuple(1, "account state");
  const a = r.address();
  r.done();
  return a;
}

function constructor(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  const r = args(p, "account constructor params");
  const address = r.address();
  r.done();
  const proto = address.protocol;
  if (proto != PROTOCOL_SECP256K1 && proto != PROTOCOL_BLS) {
    abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "address must use BLS or SECP protocol, got " + proto.toString());
  }
  createState(new CborWriter().array(1).address(address));
  return 0;
}

function pubkeyAddress(p: Params): u32 {
  noArgs(p);
  return ret(new CborWriter().address(stateAddress()));
}

function authenticateMessage(p: Params): u32 {
  const r = args(p, "authenticate message params");
  r.tuple(2, "authenticate message params");
  const signature = r.bytes();
  const message = r.bytes();
  r.done();
  const address = stateAddress();
  const proto = address.protocol;
  let sigType: u8 = 0;
  if (proto == PROTOCOL_SECP256K1) sigType = SIG_TYPE_SECP256K1;
  else if (proto == PROTOCOL_BLS) sigType = SIG_TYPE_BLS;
  else abortWith(ExitCode.USR_ILLEGAL_STATE, "account address must use BLS or SECP protocol, got " + proto.toString());
  if (!verifySignature(sigType, signature, address, message)) {
    abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "failed to authenticate message, signature invalid");
  }
  return ret(new CborWriter().bool(true));
}

export function invoke(params: u32): u32 {
  return new Methods()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_PUBKEY_ADDRESS, pubkeyAddress)
    .on(METHOD_AUTHENTICATE_MESSAGE, authenticateMessage)
    .otherwise(acceptExportedMethods)
    .dispatch(params);
}
