// The Machine: one network version and epoch, a state tree over a write-back buffer, the
// builtin-actors manifest named by the system actor, the engine that runs actor code, and the
// node's externs. Messages are applied to it by the Executor; `flush` yields the new root.
import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { BufferedBlockstore } from '../ipld/buffered-blockstore.js';
import { encodeCbor, cidOf, decodeCbor } from '../ipld/cbor.js';
import { StateTree } from '../state/state-tree.js';
import { Manifest } from '../state/manifest.js';
import { SYSTEM_ACTOR_ID } from '../state/init-state.js';
import { Engine, engineConfigForNetworkVersion } from '../engine/engine.js';
import { MemoryLimiter } from '../engine/limits.js';
import { networkVersionLabel } from '../primitives/network.js';
import type { Externs } from './externs.js';
import { type MachineContext, type MachineOptions, machineContext } from './context.js';

/** Builtin actors the machine itself needs (send to new addresses, sender checks, init). */
const REQUIRED_ACTORS = ['system', 'init', 'account', 'placeholder', 'eam', 'ethaccount'] as const;
/** ref-fvm 2.x (nv17) predates placeholders and Ethereum accounts. */
const REQUIRED_ACTORS_V2 = ['system', 'init', 'account'] as const;

export class MachineError extends Error {
  override readonly name = 'MachineError';
}

export interface MachineSetup extends MachineOptions {
  /** The base store holding the state (and the actor code); it receives blocks only on flush. */
  readonly blockstore: Blockstore;
  readonly externs: Externs;
  /** Share an engine (and its compiled modules) between machines of the same generation. */
  readonly engine?: Engine;
  /** Where debug::log output goes when actor debugging is on (default: stderr). */
  readonly debugLog?: (actorId: bigint, message: string) => void;
  /** Where debug::store_artifact data goes when actor debugging is on (default: dropped). */
  readonly storeArtifact?: (actorId: bigint, name: string, data: Uint8Array) => void;
}

export class Machine {
  readonly context: MachineContext;
  readonly externs: Externs;
  /** The write-back buffer every execution reads and writes through. */
  readonly blockstore: BufferedBlockstore;
  readonly stateTree: StateTree;
  readonly manifest: Manifest;
  readonly engine: Engine;
  private readonly logSink: (actorId: bigint, message: string) => void;
  private readonly artifactSink: ((actorId: bigint, name: string, data: Uint8Array) => void) | undefined;
  /** Set when a host fault escaped an execution: the state may be half-applied. */
  private poisonedBy: Error | undefined;

  constructor(setup: MachineSetup) {
    this.context = machineContext(setup);
    const root = setup.stateRoot;
    if (!setup.blockstore.has(root)) {
      throw new MachineError(`blockstore doesn't have the initial state-root ${root.toString()}`);
    }
    // Actors may rely on the empty array block (the default actor state) being present.
    const empty = encodeCbor([]);
    setup.blockstore.put(cidOf(empty), empty);

    this.blockstore = new BufferedBlockstore(setup.blockstore);
    this.stateTree = StateTree.load(this.blockstore, root);
    this.manifest = this.loadManifest();
    for (const name of this.context.profile.generation === 'v2' ? REQUIRED_ACTORS_V2 : REQUIRED_ACTORS) {
      if (!this.manifest.has(name)) throw new MachineError(`manifest missing ${name} actor`);
    }
    this.externs = setup.externs;
    this.engine =
      setup.engine ?? new Engine({ config: engineConfigForNetworkVersion(this.context.networkVersion), blockstore: this.blockstore });
    this.logSink = setup.debugLog ?? ((id, msg) => process.stderr.write(`[actor ${id}] ${msg}\n`));
    this.artifactSink = setup.storeArtifact;
  }

  private loadManifest(): Manifest {
    const override = this.context.builtinActorsOverride;
    if (override !== undefined) return Manifest.load(this.blockstore, override);
    const system = this.stateTree.getActor(SYSTEM_ACTOR_ID);
    if (system === undefined) throw new MachineError('system actor address could not be resolved');
    const state = this.blockstore.get(system.head);
    if (state === undefined) throw new MachineError(`system actor state ${system.head.toString()} not found`);
    const fields = decodeSystemState(state, system.head);
    return Manifest.loadData(this.blockstore, fields);
  }

  /** A fresh memory budget for one message's call stack. */
  newLimiter(): MemoryLimiter {
    return new MemoryLimiter(this.context.maxMemoryBytes);
  }

  /** Writes the state tree and the blocks reachable from it to the base store; returns the root. */
  flush(): CID {
    this.checkUsable();
    const root = this.stateTree.flush();
    this.blockstore.flush(root);
    return root;
  }

  debugLog(actorId: bigint, message: string): void {
    this.logSink(actorId, message);
  }

  storeArtifact(actorId: bigint, name: string, data: Uint8Array): void {
    this.artifactSink?.(actorId, name, data);
  }

  /** Marks the machine unusable after a host fault (as ref-fvm poisons its machine). */
  poison(cause: Error): void {
    this.poisonedBy ??= cause;
  }

  checkUsable(): void {
    if (this.poisonedBy !== undefined) {
      throw new MachineError(
        `machine at ${networkVersionLabel(this.context.networkVersion)} epoch ${this.context.epoch} is unusable after a host fault: ${this.poisonedBy.message}`,
        { cause: this.poisonedBy },
      );
    }
  }
}

/** The system actor's state is `[builtin_actors]`: the CID of the manifest data. */
function decodeSystemState(bytes: Uint8Array, head: CID): CID {
  let value: unknown;
  try {
    value = decodeCbor<unknown>(bytes, 'system actor state');
  } catch (err) {
    throw new MachineError(`system actor state ${head.toString()}: ${(err as Error).message}`);
  }
  if (!Array.isArray(value) || value.length !== 1) {
    throw new MachineError(`system actor state ${head.toString()} is not a [builtin_actors] tuple`);
  }
  const cid = (value[0] as { asCID?: CID } | null)?.asCID;
  if (cid === undefined) throw new MachineError(`system actor state ${head.toString()}: builtin_actors is not a CID`);
  return cid;
}
