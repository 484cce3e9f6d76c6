// The execution trace (ref-fvm's ExecutionEvent stream), recorded only when tracing is on.
import type { CID } from 'multiformats/cid';
import type { Address } from '../primitives/address.js';
import type { ActorState } from '../primitives/actor.js';
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
  | {
      readonly type: 'invoke_actor';
      readonly code: CID;
      /** nv21+ (ref-fvm 4.x) also names the actor and its state at invocation. */
      readonly id?: bigint;
      readonly state?: ActorState;
    }
  /** nv21+: an actor's debug::log message (when actor debugging is on). */
  | { readonly type: 'log'; readonly message: string }
  /** nv21+: a block opened ('get') or linked ('put') by an actor. */
  | { readonly type: 'ipld'; readonly op: 'get' | 'put'; readonly cid: CID; readonly size: number };

export type ExecutionTrace = ExecutionEvent[];
