// A local chain: a state root and an epoch over a blockstore, to which signed messages are
// applied one block at a time. It is what the demo and the tests drive: no consensus, no
// networking, no block headers; a block is the machine at the next epoch applying the block's
// messages in order and flushing. Messages are checked as a node checks them before inclusion
// (a valid signature by the sender's key), their gas is estimated the way Lotus does it when
// not given (run once with the block gas limit, then 1.25 × the gas used), and their nonce is
// the sender's current sequence.
//
// Stack: every nested send nests native frames, so an execution may need far more stack than
// the ~1 MiB of Node's main thread (up to EXECUTION_STACK_MB for 1024 calls with full WASM
// stacks). Run a LocalChain on a thread with that much: the tsfvm CLI runs every command on one
// (src/cli/launch.ts); a program can use runOnLargeStack / runProgramOnLargeStack
// (src/executor/large-stack.ts), and `requireLargeStack` makes the constructor check. On a
// smaller stack a message that nests deeply fails with HostFaultError instead of its receipt:
// the block is not applied, the head does not move, and the chain stays usable.
import { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { encodeSignedMessage, signedMessageCid, type Message, type SignedMessage } from '../primitives/message.js';
import type { Address } from '../primitives/address.js';
import type { ActorState } from '../primitives/actor.js';
import { StateTree } from '../state/state-tree.js';
import { Manifest } from '../state/manifest.js';
import { SYSTEM_ACTOR_ID } from '../state/init-state.js';
import { getCbor } from '../ipld/blockstore.js';
import { Engine, engineConfigForNetworkVersion } from '../engine/engine.js';
import { Machine } from '../machine/machine.js';
import { StaticExterns } from '../machine/externs.js';
import { Executor, type ApplyRet } from '../executor/executor.js';
import { installActorCode, type InstalledActorCode } from '../actors/install.js';
import { EXECUTION_STACK_MB, hasLargeStack, threadStackSizeMb } from '../executor/large-stack.js';
import { BLOCK_GAS_LIMIT, MINIMUM_BASE_FEE } from '../gas/constants.js';
import { DEFAULT_KEY_SEED, type SecpKey, verifyMessageSignature } from './keys.js';

/** The network version a local chain runs at unless told otherwise (ref-fvm 4.x semantics). */
export const DEFAULT_NETWORK_VERSION = 28;
/** Filecoin's minimum base fee, in attoFIL per gas unit. */
export const DEFAULT_BASE_FEE = MINIMUM_BASE_FEE;
/** The chain ID of Filecoin local devnets (Lotus 2k networks and Hardhat-style tools use it). */
export const LOCAL_CHAIN_ID = 31415926n;
/** Unix time of epoch 0 (fixed, so that executions are reproducible). */
export const GENESIS_TIMESTAMP = 1_700_000_000n;
/** Seconds between epochs. */
export const BLOCK_DELAY_SECONDS = 30n;
/** Gas a block may use: the estimate runs with this limit. */
export { BLOCK_GAS_LIMIT };
/** Default fee cap and premium, in attoFIL per gas unit. */
export const DEFAULT_GAS_FEE_CAP = 10_000n;
export const DEFAULT_GAS_PREMIUM = 1_000n;

export class LocalChainError extends Error {
  override readonly name = 'LocalChainError';
}

export interface ChainHead {
  readonly stateRoot: CID;
  /** Epoch of the last block applied (0 for genesis). */
  readonly epoch: bigint;
}

export interface LocalChainOptions {
  /** The store holding the state and the actor code; flushed blocks are written here. */
  readonly blockstore: Blockstore;
  readonly head: ChainHead;
  readonly networkVersion?: number;
  readonly baseFee?: bigint;
  /** Seed of the keys that sign for the chain's accounts (recorded, not used to sign). */
  readonly keySeed?: string;
  /** Route actors' debug::log output here (enables actor debugging). */
  readonly debugLog?: (actorId: bigint, message: string) => void;
  /**
   * Refuse to be built on a thread whose stack cannot hold the deepest execution (see the
   * module comment), rather than fail with a host fault on the first deeply nested message.
   */
  readonly requireLargeStack?: boolean;
}

export interface MessageRequest {
  readonly from: SecpKey;
  readonly to: Address;
  readonly method?: bigint;
  /** DAG-CBOR parameters (raw bytes for method 0). */
  readonly params?: Uint8Array;
  readonly value?: bigint;
  /** Estimated when absent. */
  readonly gasLimit?: bigint;
  readonly gasFeeCap?: bigint;
  readonly gasPremium?: bigint;
}

export interface AppliedMessage {
  /** Epoch of the block that included the message. */
  readonly epoch: bigint;
  readonly signed: SignedMessage;
  /** The signed message's CID, as a chain names it. */
  readonly cid: CID;
  readonly ret: ApplyRet;
  /** State root after the block. */
  readonly stateRoot: CID;
}

export class LocalChain {
  readonly blockstore: Blockstore;
  readonly networkVersion: number;
  readonly baseFee: bigint;
  readonly keySeed: string;
  /** One engine for every block, so each actor's code is compiled once. */
  readonly engine: Engine;
  private current: ChainHead;
  private readonly debugLog: ((actorId: bigint, message: string) => void) | undefined;

  constructor(options: LocalChainOptions) {
    this.blockstore = options.blockstore;
    this.networkVersion = options.networkVersion ?? DEFAULT_NETWORK_VERSION;
    this.baseFee = options.baseFee ?? DEFAULT_BASE_FEE;
    this.keySeed = options.keySeed ?? DEFAULT_KEY_SEED;
    this.debugLog = options.debugLog;
    if (options.requireLargeStack === true && !hasLargeStack(EXECUTION_STACK_MB)) {
      const mb = threadStackSizeMb();
      throw new LocalChainError(
        `this thread's stack (${mb === undefined ? "the main thread's, about 1" : mb} MiB) cannot hold the deepest execution (${EXECUTION_STACK_MB} MiB): run the chain on a large-stack worker (see runOnLargeStack)`,
      );
    }
    if (options.head.epoch < 0n) throw new LocalChainError(`the head epoch must not be negative, got ${options.head.epoch}`);
    if (!this.blockstore.has(options.head.stateRoot)) {
      throw new LocalChainError(`the blockstore does not have the state root ${options.head.stateRoot.toString()}`);
    }
    this.current = options.head;
    this.engine = new Engine({ config: engineConfigForNetworkVersion(this.networkVersion), blockstore: this.blockstore });
  }

  get head(): ChainHead {
    return this.current;
  }

  /** The state tree at the head (read-only use: changes are never flushed). */
  state(): StateTree {
    return StateTree.load(this.blockstore, this.current.stateRoot);
  }

  /** The builtin-actor manifest the head state's system actor names. */
  manifest(): Manifest {
    const system = this.state().getActor(SYSTEM_ACTOR_ID);
    if (system === undefined) throw new LocalChainError('the head state has no system actor');
    const fields = getCbor<unknown>(this.blockstore, system.head, 'system actor state');
    const data = Array.isArray(fields) && fields.length === 1 ? CID.asCID(fields[0]) : null;
    if (data === null) throw new LocalChainError(`system actor state ${system.head.toString()} is not [manifest data CID]`);
    return Manifest.loadData(this.blockstore, data);
  }

  /** The actor at `address` in the head state, if any. */
  actor(address: Address): ActorState | undefined {
    const tree = this.state();
    const id = tree.lookupId(address);
    return id === undefined ? undefined : tree.getActor(id);
  }

  /** The actor ID of `address` in the head state, if any. */
  lookupId(address: Address): bigint | undefined {
    return this.state().lookupId(address);
  }

  /** The nonce the next message from `address` must carry (0 while it has no actor). */
  nextNonce(address: Address): bigint {
    return this.actor(address)?.sequence ?? 0n;
  }

  /** Installs user actor code (see src/actors/install.ts) for the chain's network version. */
  installCode(wasm: Uint8Array): InstalledActorCode {
    return installActorCode({ blockstore: this.blockstore, engine: this.engine, networkVersion: this.networkVersion }, wasm);
  }

  private machine(epoch: bigint): Machine {
    return new Machine({
      networkVersion: this.networkVersion,
      epoch,
      timestamp: GENESIS_TIMESTAMP + epoch * BLOCK_DELAY_SECONDS,
      baseFee: this.baseFee,
      chainId: LOCAL_CHAIN_ID,
      stateRoot: this.current.stateRoot,
      blockstore: this.blockstore,
      externs: new StaticExterns(),
      engine: this.engine,
      ...(this.debugLog !== undefined ? { actorDebugging: true, debugLog: this.debugLog } : {}),
    });
  }

  /** The unsigned message for `req`, with the sender's next nonce and, unless given, an estimated gas limit. */
  prepare(req: MessageRequest): Message {
    const base: Message = {
      version: 0n,
      from: req.from.address,
      to: req.to,
      sequence: this.nextNonce(req.from.address),
      value: req.value ?? 0n,
      gasLimit: req.gasLimit ?? BLOCK_GAS_LIMIT,
      gasFeeCap: req.gasFeeCap ?? DEFAULT_GAS_FEE_CAP,
      gasPremium: req.gasPremium ?? DEFAULT_GAS_PREMIUM,
      method: req.method ?? 0n,
      params: req.params ?? new Uint8Array(0),
    };
    if (req.gasLimit !== undefined) return base;
    return { ...base, gasLimit: this.estimateGas(req.from.sign(base)) };
  }

  /**
   * Lotus's estimate: the message applied at the next epoch with the block gas limit, on a
   * machine that is then dropped; 1.25 × the gas used (inclusion included), at most the block limit.
   */
  estimateGas(sm: SignedMessage): bigint {
    const probe: SignedMessage = { ...sm, message: { ...sm.message, gasLimit: BLOCK_GAS_LIMIT } };
    const ret = new Executor(this.machine(this.current.epoch + 1n)).applyMessage(
      probe.message,
      'explicit',
      encodeSignedMessage(probe).length,
    );
    const estimate = (ret.receipt.gasUsed * 125n + 99n) / 100n;
    if (estimate <= 0n) return BLOCK_GAS_LIMIT;
    return estimate < BLOCK_GAS_LIMIT ? estimate : BLOCK_GAS_LIMIT;
  }

  /** Signs, and applies in a block of its own, one message. */
  send(req: MessageRequest): AppliedMessage {
    return this.applyBlock([req.from.sign(this.prepare(req))])[0]!;
  }

  /**
   * Applies a block: checks every signature first (a block with a bad one is refused whole),
   * then applies the messages in order at the next epoch and flushes. Returns one entry per message.
   */
  applyBlock(messages: readonly SignedMessage[]): AppliedMessage[] {
    messages.forEach((sm, i) => {
      if (!verifyMessageSignature(sm)) {
        throw new LocalChainError(`message ${i} (from ${sm.message.from.toString()}, nonce ${sm.message.sequence}) is not signed by its sender's key`);
      }
    });
    const epoch = this.current.epoch + 1n;
    const machine = this.machine(epoch);
    const executor = new Executor(machine);
    const rets = messages.map((sm) => executor.applyMessage(sm.message, 'explicit', encodeSignedMessage(sm).length));
    const stateRoot = executor.flush();
    this.current = { stateRoot, epoch };
    return messages.map((sm, i) => ({ epoch, signed: sm, cid: signedMessageCid(sm), ret: rets[i]!, stateRoot }));
  }

  /**
   * Runs a message against the head state without including it (a query, like Lotus's
   * StateCall): no signature, nonce or fees; nothing is kept.
   */
  call(req: { from: Address; to: Address; method: bigint; params?: Uint8Array; value?: bigint }): ApplyRet {
    const msg: Message = {
      version: 0n,
      from: req.from,
      to: req.to,
      sequence: this.nextNonce(req.from),
      value: req.value ?? 0n,
      gasLimit: BLOCK_GAS_LIMIT,
      gasFeeCap: 0n,
      gasPremium: 0n,
      method: req.method,
      params: req.params ?? new Uint8Array(0),
    };
    return new Executor(this.machine(this.current.epoch + 1n)).applyMessage(msg, 'implicit', 0);
  }
}
