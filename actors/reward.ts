// The reward actor (f02): holds the block reward reserve and pays block producers; the executor
// also credits it with the miners' tips and penalties. State (the official layout, 11 fields):
//   [cumsum_baseline, cumsum_realized, effective_network_time, effective_baseline_power,
//    this_epoch_reward, this_epoch_reward_smoothed [position, velocity], this_epoch_baseline_power,
//    epoch, total_storage_power_reward, simple_total, baseline_total]
//
// The embedded bundle has no power actor, so the network's power stays zero and the reward
// schedule never advances: the state is the official actor's genesis state for zero power
// (epoch 0, this_epoch_reward = 36.266264293777134739 FIL per epoch for all winners), and only
// total_storage_power_reward changes.
//
// Methods (the official numbers):
//   1 Constructor(power)          system actor only; power must be 0 (null: USR_ILLEGAL_ARGUMENT)
//   2 AwardBlockReward([miner, penalty, gas_reward, win_count])   system actor only
//   3 ThisEpochReward() -> [this_epoch_reward_smoothed, this_epoch_baseline_power]
//   4 UpdateNetworkKPI            power actor only; USR_UNHANDLED_MESSAGE (no power actor here)
import {
  Params, CborWriter, CborReader, TokenAmount, Address, METHOD_CONSTRUCTOR, METHOD_SEND, ExitCode, abortWith,
  currentBalance, resolveAddress, NO_ACTOR, send, IpldBlock, BuiltinActorType, CBOR,
} from "../sdk/index";
import {
  Methods, SYSTEM_ACTOR_ID, STORAGE_POWER_ACTOR_ID, BURNT_FUNDS_ACTOR_ID, requireCaller, args, noArgs, ret,
  loadState, saveState, createState, divFloorU64, builtinTypeOf,
} from "./lib/runtime";

const METHOD_AWARD_BLOCK_REWARD: u64 = 2;
const METHOD_THIS_EPOCH_REWARD: u64 = 3;
const METHOD_UPDATE_NETWORK_KPI: u64 = 4;
/** The miner actor's ApplyRewards method. */
const MINER_APPLY_REWARDS: u64 = 14;
const EXPECTED_LEADERS_PER_EPOCH: u64 = 5;
const PENALTY_MULTIPLIER: u64 = 3;
const STATE_FIELDS: u32 = 11;
const FIELD_THIS_EPOCH_REWARD = 4;
const FIELD_SMOOTHED = 5;
const FIELD_BASELINE_POWER = 6;
const FIELD_TOTAL_REWARD = 8;

/** A big integer shifted left by 128 bits (Q.128), as Filecoin big-int bytes. */
function q128(v: TokenAmount): Uint8Array {
  const b = v.toBytes();
  if (b.length == 0) return b;
  const out = new Uint8Array(b.length + 16);
  out.set(b, 0);
  return out;
}

/** The official actor's state for zero network power at epoch 0. */
function genesisState(): CborWriter {
  const w = new CborWriter(256).array(STATE_FIELDS);
  w.bytes(new Uint8Array(0)); // cumsum_baseline
  w.bytes(new Uint8Array(0)); // cumsum_realized
  w.int(0); // effective_network_time
  w.tokenAmount(TokenAmount.fromU64(2_888_888_880_000_000_000)); // effective_baseline_power: BASELINE_INITIAL_VALUE
  // this_epoch_reward: floor(SIMPLE_TOTAL * (e^lambda - 1)), with e^lambda - 1 in Q.128.
  w.tokenAmount(new TokenAmount(17_819_520_220_067_583_123, 1));
  // this_epoch_reward_smoothed: the initial position and velocity estimates, in Q.128.
  w.array(2)
    .bytes(q128(new TokenAmount(17_819_516_234_486_427_717, 1))) // 36.266260308195979333 FIL
    .bytes(q128(TokenAmount.fromI64(-109_897_758_509)));
  // this_epoch_baseline_power: the initial baseline power grown by one epoch.
  w.tokenAmount(TokenAmount.fromU64(2_888_888_879_999_999_999));
  w.int(0); // epoch
  w.tokenAmount(TokenAmount.zero()); // total_storage_power_reward
  w.tokenAmount(TokenAmount.fromWholeFil(330_000_000)); // simple_total
  w.tokenAmount(TokenAmount.fromWholeFil(770_000_000)); // baseline_total
  return w;
}

/** The state's fields as encoded items, so the ones this actor never changes are kept as they are. */
function loadFields(): Array<Uint8Array> {
  const r = loadState("reward state");
  r.tuple(STATE_FIELDS, "reward state");
  const fields = new Array<Uint8Array>(0);
  for (let i: u32 = 0; i < STATE_FIELDS; i++) fields.push(r.raw());
  r.done();
  return fields;
}

function saveFields(fields: Array<Uint8Array>): void {
  const w = new CborWriter(256).array(STATE_FIELDS);
  for (let i = 0; i < fields.length; i++) w.raw(fields[i]);
  saveState(w);
}

function tokenField(fields: Array<Uint8Array>, i: i32, what: string): TokenAmount {
  const r = new CborReader(fields[i], what);
  const t = r.tokenAmount();
  r.done();
  return t;
}

function constructor(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  const r = args(p, "reward constructor params");
  if (r.isNull()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "argument should not be nil");
  const power = r.tokenAmount();
  r.done();
  if (!power.isZero()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "the embedded reward actor only starts from zero network power, got " + power.toString());
  createState(genesisState());
  return 0;
}

function awardBlockReward(p: Params): u32 {
  requireCaller(SYSTEM_ACTOR_ID);
  const r = args(p, "award block reward params");
  r.tuple(4, "award block reward params");
  const miner = r.address();
  const penalty = r.tokenAmount();
  const gasReward = r.tokenAmount();
  const winCount = r.int();
  r.done();
  const priorBalance = currentBalance();
  if (penalty.isNegative()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "negative penalty " + penalty.toString());
  if (gasReward.isNegative()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "negative gas reward " + gasReward.toString());
  if (priorBalance.lt(gasReward)) {
    abortWith(ExitCode.USR_ILLEGAL_STATE, "actor current balance " + priorBalance.toString() + " insufficient to pay gas reward " + gasReward.toString());
  }
  if (winCount <= 0) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid win count " + winCount.toString());
  const minerId = resolveAddress(miner);
  if (minerId == NO_ACTOR) abortWith(ExitCode.USR_NOT_FOUND, "failed to resolve given owner address");
  const burn = penalty.mulU64(PENALTY_MULTIPLIER);

  const fields = loadFields();
  const perEpoch = tokenField(fields, FIELD_THIS_EPOCH_REWARD, "this_epoch_reward");
  let blockReward = divFloorU64(perEpoch.mulU64(<u64>winCount), EXPECTED_LEADERS_PER_EPOCH);
  let total = gasReward.add(blockReward);
  const balance = currentBalance();
  if (total.gt(balance)) {
    // Pay out what is left.
    total = balance;
    blockReward = total.sub(gasReward);
    if (blockReward.isNegative()) abortWith(ExitCode.USR_ILLEGAL_STATE, "programming error, block reward " + blockReward.toString() + " below zero");
  }
  const paid = tokenField(fields, FIELD_TOTAL_REWARD, "total_storage_power_reward").add(blockReward);
  fields[FIELD_TOTAL_REWARD] = new CborWriter().tokenAmount(paid).finish();
  saveFields(fields);
  if (total.gt(priorBalance)) abortWith(ExitCode.USR_ILLEGAL_STATE, "reward " + total.toString() + " exceeds balance " + priorBalance.toString());

  const to = Address.fromId(minerId);
  if (builtinTypeOf(minerId) == BuiltinActorType.MINER) {
    // A storage miner takes the reward and the penalty through ApplyRewards, as on mainnet.
    const params = new CborWriter().array(2).tokenAmount(total).tokenAmount(burn).finish();
    if (!send(to, MINER_APPLY_REWARDS, new IpldBlock(CBOR, params), total).ok) burnFunds(total);
    return 0;
  }
  // Any other producer (an account on a devnet) gets the reward less the penalty, which is burnt.
  const burnt = burn.gt(total) ? total : burn;
  const pay = total.sub(burnt);
  if (burnt.isPositive()) burnFunds(burnt);
  if (pay.isPositive() && !send(to, METHOD_SEND, null, pay).ok) burnFunds(pay);
  return 0;
}

/** Sends `amount` to the burnt funds actor; a failure is ignored, as the official actor does. */
function burnFunds(amount: TokenAmount): void {
  send(Address.fromId(BURNT_FUNDS_ACTOR_ID), METHOD_SEND, null, amount);
}

function thisEpochReward(p: Params): u32 {
  noArgs(p);
  const fields = loadFields();
  return ret(new CborWriter().array(2).raw(fields[FIELD_SMOOTHED]).raw(fields[FIELD_BASELINE_POWER]));
}

function updateNetworkKpi(p: Params): u32 {
  requireCaller(STORAGE_POWER_ACTOR_ID);
  abortWith(ExitCode.USR_UNHANDLED_MESSAGE, "the embedded bundle does not implement UpdateNetworkKPI (it has no power actor)");
  return 0;
}

export function invoke(params: u32): u32 {
  return new Methods()
    .on(METHOD_CONSTRUCTOR, constructor)
    .on(METHOD_AWARD_BLOCK_REWARD, awardBlockReward)
    .on(METHOD_THIS_EPOCH_REWARD, thisEpochReward)
    .on(METHOD_UPDATE_NETWORK_KPI, updateNetworkKpi)
    .dispatch(params);
}
