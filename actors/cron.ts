// The cron actor (f03): at the end of every epoch the system actor calls EpochTick, which calls
// each registered entry with no parameters and no value, ignoring failures. State (the official
// layout): [entries], each entry [receiver (ID address), method_num].
//
// Methods (the official numbers):
//   1 Constructor([entries])   system actor only
//   2 EpochTick()              system actor only
import { Params, CborWriter, CborReader, Address, METHOD_CONSTRUCTOR, send } from "../sdk/index";
import { Methods, SYSTEM_ACTOR_ID, requireCaller, args, noArgs, loadState, createState } from "./lib/runtime";

const METHOD_EPOCH_TICK: u64 = 2;

class Entry {
  constructor(public receiver: Address, public method: u64) {}
}

/** Reads [[receiver, method], ...] (the constructor params and the state have the same shape). */
function readEntries(r: CborReader): Array<Entry> {
  const n = r.array();
  const out = new Array<Entry>(0);
  for (let i: u32 = 0; i < n; i++) {
    r.tuple(2, "cron entry");
    const receiver = r.address();
    const method = r.uint();
    out.push(new Entry(receiver, method));
  }
  return out;
}

function constructor(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  const r = args(p, "cron constructor params");
  r.tuple(1, "cron constructor params");
  const entries = readEntries(r);
  r.done();
  const w = new CborWriter().array(1).array(<u32>entries.length);
  for (let i = 0; i < entries.length; i++) w.array(2).address(entries[i].receiver).uint(entries[i].method);
  createState(w);
  return 0;
}

function epochTick(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  noArgs(p);
  const r = loadState("cron state");
  r.tuple(1, "cron state");
  const entries = readEntries(r);
  r.done();
  for (let i = 0; i < entries.length; i++) {
    // A failing entry must not stop the others: the result is deliberately ignored.
    send(entries[i].receiver, entries[i].method);
  }
  return 0;
}

export function invoke(params: u32): u32 {
  return new Methods()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_EPOCH_TICK, epochTick)
    .dispatch(params);
}
