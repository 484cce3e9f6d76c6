// Sending messages to other actors.
import * as sys from "./sys/send";
import { Address } from "./address";
import { TokenAmount } from "./token";
import { ErrorNumber } from "./errors";
import { IpldBlock, NO_BLOCK, blockCreate, readBlock } from "./ipld";
import { scratch } from "./mem";

/** Flag for send(): the callee (and everything it calls) may not change state. */
export const SEND_READ_ONLY: u64 = 1;

/** What a send produced. */
export class SendResult {
  constructor(
    /** 0 if the message was delivered (see exitCode); else the ErrorNumber of the send syscall. */
    public errno: u32,
    /** The callee's exit code (meaningful when errno is 0). */
    public exitCode: u32,
    /** The callee's return block (or the data of its abort), if any. */
    public ret: IpldBlock | null,
  ) {}

  /** Delivered and the callee exited with 0. */
  get ok(): bool { return this.errno == 0 && this.exitCode == 0; }
}

/**
 * Sends `value` attoFIL and an optional params block to `to`, calling method `method` (0 is a
 * plain transfer). gasLimit defaults to all remaining gas. A negative value fails with
 * InsufficientFunds, as in the Rust SDK.
 */
export function send(
  to: Address,
  method: u64,
  params: IpldBlock | null = null,
  value: TokenAmount = TokenAmount.zero(),
  gasLimit: u64 = u64.MAX_VALUE,
  flags: u64 = 0,
): SendResult {
  if (value.isNegative()) return new SendResult(ErrorNumber.InsufficientFunds, 0, null);
  let paramsId = NO_BLOCK;
  if (params !== null) paramsId = blockCreate(params.codec, params.data);
  const p = scratch();
  const err = sys.send(p, to.bytes.dataStart, <u32>to.bytes.length, method, paramsId, value.hi, value.lo, gasLimit, flags);
  if (err != 0) return new SendResult(err, 0, null);
  // Layout: exit code (u32), return block id (u32), codec (u64), size (u32).
  const exitCode = load<u32>(p);
  const retId = load<u32>(p, 4);
  let ret: IpldBlock | null = null;
  if (retId != NO_BLOCK) ret = readBlock(retId);
  return new SendResult(0, exitCode, ret);
}
