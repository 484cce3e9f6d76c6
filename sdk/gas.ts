// Gas: what is left, and explicit charges (e.g. for work done outside the metered WASM).
import * as sys from "./sys/gas";
import { syscallFailed } from "./ipld";
import { scratch, utf8 } from "./mem";

/** Gas units left to this invocation. */
export function gasAvailable(): u64 {
  const p = scratch();
  const err = sys.available(p);
  if (err != 0) syscallFailed("gas.available", err);
  return load<u64>(p);
}

/** Charges `milligas` under `name` (the machine aborts the call with SYS_OUT_OF_GAS when it runs out). */
export function chargeGas(name: string, milligas: u64): void {
  const n = utf8(name);
  const err = sys.charge(n.dataStart, <u32>n.length, milligas);
  if (err != 0) syscallFailed("gas.charge", err);
}
