// How the fee of an applied message is split (EIP-1559-style, Filecoin flavour):
// base fee burnt for gas used, miner tip on the whole gas limit, a burn for over-estimating
// the gas limit, a penalty when the fee cap is below the base fee, and the refund of the rest.
// Token amounts are attoFIL bigints; gas amounts are whole gas units.
import { toU64 } from './gas.js';

export interface GasOutputs {
  /** Burnt: base fee (capped at the fee cap) times gas used. */
  readonly baseFeeBurn: bigint;
  /** Burnt: base fee (capped) times the over-estimated gas that is not refunded. */
  readonly overEstimationBurn: bigint;
  /** Charged to the block miner when the fee cap is below the base fee. */
  readonly minerPenalty: bigint;
  /** Paid to the block miner: effective premium times the gas limit. */
  readonly minerTip: bigint;
  /** Returned to the sender: fee cap times gas limit, less everything above. */
  readonly refund: bigint;
  /** Gas units refunded. */
  readonly gasRefund: bigint;
  /** Gas units burnt for over-estimation. */
  readonly gasBurned: bigint;
}

// A gas limit may exceed gas used by 10% before any of the remainder is burnt.
const GAS_OVERUSE_NUM = 11n;
const GAS_OVERUSE_DENOM = 10n;

/**
 * Splits unused gas (limit - used) into refunded and burnt parts. The burnt fraction of the
 * remainder is (limit - 1.1*used)/used, clamped to [0, 1]; nothing used burns everything.
 */
export function computeGasOverestimationBurn(
  gasUsed: bigint,
  gasLimit: bigint,
): { readonly gasRefund: bigint; readonly gasBurned: bigint } {
  const used = toU64(gasUsed, 'gas used');
  const limit = toU64(gasLimit, 'gas limit');
  if (used === 0n) return { gasRefund: 0n, gasBurned: limit };
  const allowed = (GAS_OVERUSE_NUM * used) / GAS_OVERUSE_DENOM;
  let over = limit > allowed ? limit - allowed : 0n;
  if (over > used) over = used;
  // Used above the limit cannot happen in practice; treat it as nothing remaining.
  const remaining = limit > used ? limit - used : 0n;
  const burned = (remaining * over) / used;
  const refund = remaining > burned ? remaining - burned : 0n;
  return { gasRefund: refund, gasBurned: burned };
}

/**
 * The fee split of one message. `gasUsed` and `gasLimit` are whole gas; `baseFee`,
 * `feeCap` and `gasPremium` are attoFIL per gas.
 */
export function computeGasOutputs(
  gasUsed: bigint,
  gasLimit: bigint,
  baseFee: bigint,
  feeCap: bigint,
  gasPremium: bigint,
): GasOutputs {
  let baseFeeToPay = baseFee;
  let minerPenalty = 0n;
  if (baseFee > feeCap) {
    baseFeeToPay = feeCap;
    minerPenalty = (baseFee - feeCap) * gasUsed;
  }
  const baseFeeBurn = baseFeeToPay * gasUsed;

  // The premium is capped so that base fee plus premium never exceeds the fee cap.
  const tipPerGas = baseFeeToPay + gasPremium > feeCap ? feeCap - baseFeeToPay : gasPremium;
  const minerTip = tipPerGas * gasLimit;

  const { gasRefund, gasBurned } = computeGasOverestimationBurn(gasUsed, gasLimit);
  let overEstimationBurn = 0n;
  if (gasBurned !== 0n) {
    overEstimationBurn = baseFeeToPay * gasBurned;
    minerPenalty += (baseFee - baseFeeToPay) * gasBurned;
  }
  const refund = feeCap * gasLimit - baseFeeBurn - minerTip - overEstimationBurn;
  return { baseFeeBurn, overEstimationBurn, minerPenalty, minerTip, refund, gasRefund, gasBurned };
}
