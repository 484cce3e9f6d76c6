// The actor for the manifest entries the embedded bundle does not implement (storagepower,
// storageminer, storagemarket, paymentchannel, verifiedregistry, datacap, evm, eam): every method
// fails with USR_UNHANDLED_MESSAGE and says which actor is missing. Value sent with method 0
// still arrives (the machine does not run actor code for plain transfers).
//
// One source serves every entry: the build compiles it once and writes the entry's name over
// NAME_SLOT in each copy, so each actor type gets its own code CID.
import { ExitCode, abortWith, methodNumber } from "../sdk/index";

/** Length of the name slot: names are shorter, the rest is zero padding. */
const NAME_SLOT_LENGTH: i32 = 32;
// "<tsfvm:unimplemented-actor-name>": the marker the build looks for and overwrites.
const NAME_SLOT: usize = memory.data<u8>([
  0x3c, 0x74, 0x73, 0x66, 0x76, 0x6d, 0x3a, 0x75, 0x6e, 0x69, 0x6d, 0x70, 0x6c, 0x65, 0x6d, 0x65,
  0x6e, 0x74, 0x65, 0x64, 0x2d, 0x61, 0x63, 0x74, 0x6f, 0x72, 0x2d, 0x6e, 0x61, 0x6d, 0x65, 0x3e,
]);

function actorName(): string {
  let n = 0;
  while (n < NAME_SLOT_LENGTH && load<u8>(NAME_SLOT + <usize>n) != 0) n++;
  return String.UTF8.decodeUnsafe(NAME_SLOT, <usize>n);
}

export function invoke(params: u32): u32 {
  abortWith(
    ExitCode.USR_UNHANDLED_MESSAGE,
    "the embedded actor bundle does not implement the " + actorName() + " actor (method " + methodNumber().toString() + ")",
  );
  return 0;
}
