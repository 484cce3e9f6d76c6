// A local chain (embedded bundle, LocalChain's default network version) with the deep test actor
// (test/machine/actors/deep.wat) installed, and a signed message that makes it send to itself
// `remaining` times, each level first recursing `recursion` WASM frames. large-stack.test.ts
// runs it the way the CLI runs (launch-entry.ts) and on the main thread.
import { Address } from '../../src/primitives/address.js';
import { encodeCbor, decodeCbor } from '../../src/ipld/cbor.js';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { INIT_ACTOR_ID } from '../../src/state/init-state.js';
import { createLocalGenesis } from '../../src/chain/genesis.js';
import { BLOCK_GAS_LIMIT, LocalChain } from '../../src/chain/local-chain.js';
import type { SecpKey } from '../../src/chain/keys.js';
import { describeFailure } from '../../src/executor/executor.js';
import { threadStackSizeMb } from '../../src/executor/large-stack.js';
import { compileWat, loadWat } from '../machine/harness.js';
import { ensureBundle } from '../actors/helpers.js';

export interface DeepChainOutcome {
  /** Stack of the thread it ran on (MiB), undefined on the main thread. */
  stackSizeMb: number | undefined;
  exitCode: number;
  gasUsed: bigint;
  failure: string;
  /** The error the deep message's block threw instead of a receipt, if any. */
  hostFault: string | undefined;
  /** Whether the head moved past the deep message's block (false when it threw). */
  headMoved: boolean;
  /** Exit code of a plain transfer applied next on the same chain. */
  nextExitCode: number;
}

/** Builds the chain and the deep actor, returning the chain, the sender and the actor's address. */
async function deepWorld(): Promise<{ chain: LocalChain; from: SecpKey; to: Address; deep: Address }> {
  await ensureBundle();
  const store = new MemoryBlockstore();
  const genesis = await createLocalGenesis(store, { accounts: 2 });
  const chain = new LocalChain({ blockstore: store, head: { stateRoot: genesis.stateRoot, epoch: 0n }, keySeed: genesis.keySeed });
  const from = genesis.accounts[0]!.key;
  const code = chain.installCode(compileWat(loadWat('deep.wat'), 'deep.wat'));
  const created = chain.send({
    from,
    to: Address.newId(INIT_ACTOR_ID),
    method: 2n, // init Exec
    params: encodeCbor([code.codeCid, new Uint8Array(0)]),
    gasLimit: BLOCK_GAS_LIMIT,
  });
  if (created.ret.receipt.exitCode !== 0) throw new Error(`creating the deep actor failed: ${describeFailure(created.ret.failureInfo)}`);
  const [id] = decodeCbor<[Uint8Array, Uint8Array]>(created.ret.receipt.returnData, 'Exec return');
  return { chain, from, to: genesis.accounts[1]!.key.address, deep: Address.fromBytes(id) };
}

/** Raw parameters of deep.wat: remaining | recursion | address length | address. */
function deepParams(remaining: number, recursion: number, self: Address): Uint8Array {
  const addr = self.toBytes();
  const params = new Uint8Array(12 + addr.length);
  const view = new DataView(params.buffer);
  view.setUint32(0, remaining, true);
  view.setUint32(4, recursion, true);
  view.setUint32(8, addr.length, true);
  params.set(addr, 12);
  return params;
}

export async function deepLocalChain(remaining: number, recursion: number): Promise<DeepChainOutcome> {
  const { chain, from, to, deep } = await deepWorld();
  const before = chain.head;
  let outcome: Pick<DeepChainOutcome, 'exitCode' | 'gasUsed' | 'failure' | 'hostFault'>;
  try {
    const applied = chain.send({ from, to: deep, method: 2n, params: deepParams(remaining, recursion, deep), gasLimit: BLOCK_GAS_LIMIT });
    const r = applied.ret.receipt;
    outcome = { exitCode: r.exitCode, gasUsed: r.gasUsed, failure: describeFailure(applied.ret.failureInfo), hostFault: undefined };
  } catch (err) {
    outcome = { exitCode: -1, gasUsed: 0n, failure: '', hostFault: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  const headMoved = chain.head.epoch !== before.epoch;
  const next = chain.send({ from, to, value: 1n });
  return { stackSizeMb: threadStackSizeMb(), ...outcome, headMoved, nextExitCode: next.ret.receipt.exitCode };
}

/**
 * A program in the shape of the CLI's entry (see src/cli/launch.ts): argv ends with
 * `remaining recursion`; prints the outcome as one JSON line; exit 0 for a receipt, 1 for a host fault.
 */
export async function deepChainMain(argv: readonly string[]): Promise<number> {
  const [remaining, recursion] = argv.slice(-2).map(Number) as [number, number];
  const outcome = await deepLocalChain(remaining, recursion);
  process.stdout.write(`${JSON.stringify(outcome, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  if (outcome.hostFault !== undefined) {
    process.stderr.write(`host fault: ${outcome.hostFault}\n`);
    return 1;
  }
  return 0;
}

/** Builds a LocalChain that requires a large stack; exit 0 when it could, 1 (with the error) when not. */
export async function strictLocalChain(): Promise<number> {
  await ensureBundle();
  const store = new MemoryBlockstore();
  const genesis = await createLocalGenesis(store, { accounts: 1 });
  try {
    new LocalChain({ blockstore: store, head: { stateRoot: genesis.stateRoot, epoch: 0n }, requireLargeStack: true });
    return 0;
  } catch (err) {
    process.stderr.write(`${String(err)}\n`);
    return 1;
  }
}
