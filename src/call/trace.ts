// The execution trace (ref-fvm's ExecutionEvent stream), recorded only when tracing is on.
import type { CID } from 'multiformats/cid';
import type { Address } from '../primitives/address.js';
import type { ErrorNumber } from '../primitives/errnum.js';
import type { GasTraceEntry } from '../gas/tracker.js';

export interface TracedBlock {
  readonly codec: bigint;
  readonly data: Uint8Array;
}

export type ExecutionEvent =
  | { readonly type: 'gas_charge'; readonly charge: GasTraceEntry }
  | {
      readonly type: 'call';
      readonly from: bigint;
      readonly to: Address;
      readonly method: bigint;
      readonly params: TracedBlock | undefined;
      readonly value: bigint;
      readonly gasLimit: bigint;
      readonly readOnly: boolean;
    }
  | { readonly type: 'call_return'; readonly exitCode: number; readonly data: TracedBlock | undefined }
  | { readonly type: 'call_error'; readonly errno: ErrorNumber; readonly message: string }
  | { readonly type: 'invoke_actor'; readonly code: CID };

export type ExecutionTrace = ExecutionEvent[];
