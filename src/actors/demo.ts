// The demo scenario behind `tsfvm demo`, as a library function: a local chain on the embedded
// actor bundle, no network, no download. It moves FIL between accounts, creates a multisig
// through the init actor and passes a proposal, installs the access-control user actor and
// creates one, then registers content, grants, checks, revokes and checks again. Every message
// is signed, gas-estimated and applied in a block of its own; the result lists each receipt
// (exit code, decoded return value, gas used, events) so the CLI prints and the tests check the
// same thing.
//
// With a database directory the chain persists (LMDB plus a metadata record, src/chain/chain-db.ts)
// and a second run continues from the first one's head: new nonces, new actors, new content.
import { sha256 } from '@noble/hashes/sha2.js';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { blake2b256 } from '../crypto/blake2b.js';
import { type Blockstore, MemoryBlockstore } from '../ipld/blockstore.js';
import { decodeCbor, encodeCbor, RAW } from '../ipld/cbor.js';
import { Address } from '../primitives/address.js';
import { exitCodeName, ExitCode } from '../primitives/exitcode.js';
import { encodeBigInt, formatFil, fromWholeFil } from '../primitives/token.js';
import type { ApplyRet } from '../executor/executor.js';
import type { StampedEvent } from '../kernel/events.js';
import { INIT_ACTOR_ID } from '../state/init-state.js';
import { versionProfile } from '../machine/context.js';
import { ChainDb, ChainDbError, type ChainMeta } from '../chain/chain-db.js';
import { createLocalGenesis } from '../chain/genesis.js';
import { SecpKey } from '../chain/keys.js';
import { type AppliedMessage, type ChainHead, DEFAULT_NETWORK_VERSION, LocalChain } from '../chain/local-chain.js';
import {
  AccessControlMethod, constructorParams, contentParams, loadAccessControlWasm, permissionParams,
} from './access-control.js';

const METHOD_SEND = 0n;
const INIT_EXEC = 2n;
const MULTISIG_PROPOSE = 2n;
const MULTISIG_APPROVE = 3n;
const DEMO_ACCOUNTS = ['alice', 'bob', 'carol'] as const;

export class DemoError extends Error {
  override readonly name = 'DemoError';
}

export interface DemoOptions {
  /** Keep the chain in this directory and continue from it if it holds one. */
  readonly db?: string;
  /** The access-control actor's WASM (default: the one the build put in dist/). */
  readonly accessControlWasm?: Uint8Array;
  /** Network version of a new chain (default DEFAULT_NETWORK_VERSION; a kept chain keeps its own). */
  readonly networkVersion?: number;
}

export interface DemoEvent {
  /** The emitting actor (ID address). */
  readonly emitter: string;
  /** Each entry's key and its value decoded for display. */
  readonly entries: ReadonlyArray<{ readonly key: string; readonly value: string }>;
}

export interface DemoStep {
  readonly index: number;
  readonly description: string;
  /** 'install' is installing code on the node: no message, no receipt. */
  readonly kind: 'message' | 'install';
  readonly from?: string;
  readonly to?: string;
  readonly method?: bigint;
  readonly nonce?: bigint;
  readonly epoch?: bigint;
  readonly cid?: CID;
  readonly exitCode: number;
  readonly exitName: string;
  /** The return value decoded (CBOR as JS values, addresses and CIDs as strings). */
  readonly returnValue: unknown;
  /** The return value in words. */
  readonly returnText: string;
  readonly gasUsed: bigint;
  readonly gasLimit: bigint;
  readonly events: readonly DemoEvent[];
  /** Why a failed message failed (the actor's abort message). */
  readonly error?: string;
}

export interface DemoAccount {
  readonly name: string;
  readonly address: string;
  readonly id: bigint;
}

export interface DemoResult {
  /** 1 for a new chain; n for the n-th run on a kept one. */
  readonly run: number;
  readonly networkName: string;
  readonly networkVersion: number;
  readonly db: string | undefined;
  /** Root of the genesis, when this run created the chain. */
  readonly genesisRoot: CID | undefined;
  readonly startHead: ChainHead;
  readonly finalHead: ChainHead;
  readonly accounts: readonly DemoAccount[];
  readonly steps: readonly DemoStep[];
  readonly multisig: string;
  readonly accessControl: string;
  readonly accessControlCode: CID;
  readonly content: CID;
  readonly millis: number;
}

/** A raw-codec, sha2-256 CID, as IPFS names a small file: the demo's "content". */
export function demoContentCid(run: number): CID {
  const bytes = new TextEncoder().encode(`tsfvm demo content, run ${run}\n`);
  return CID.createV1(RAW, createDigest(0x12, sha256(bytes)));
}

/** Renders decoded CBOR for people: bytes as hex, CIDs as text, big integers as digits. */
function display(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return v.length === 0 ? "''" : `0x${Buffer.from(v).toString('hex')}`;
  const cid = CID.asCID(v);
  if (cid !== null) return cid.toString();
  if (Array.isArray(v)) return `[${v.map(display).join(', ')}]`;
  return JSON.stringify(v);
}

function addressText(bytes: unknown): string {
  if (!(bytes instanceof Uint8Array)) return display(bytes);
  try {
    return Address.fromBytes(bytes).toString();
  } catch {
    return display(bytes);
  }
}

/** What a return value is, and how to say it. */
interface Decoded {
  readonly value: unknown;
  readonly text: string;
}

type Decoder = (bytes: Uint8Array) => Decoded;

const noReturn: Decoder = (bytes) => (bytes.length === 0 ? { value: null, text: 'none' } : genericReturn(bytes));

function genericReturn(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { value: null, text: 'none' };
  try {
    const v = decodeCbor<unknown>(bytes, 'return value');
    return { value: v, text: display(v) };
  } catch {
    return { value: bytes, text: display(bytes) };
  }
}

const execReturn: Decoder = (bytes) => {
  const v = decodeCbor<unknown>(bytes, 'Exec return');
  if (!Array.isArray(v) || v.length !== 2) return genericReturn(bytes);
  const id = addressText(v[0]);
  const robust = addressText(v[1]);
  return { value: { idAddress: id, robustAddress: robust }, text: `new actor ${id} (robust address ${robust})` };
};

const proposeReturn: Decoder = (bytes) => {
  const v = decodeCbor<unknown>(bytes, 'Propose return');
  if (!Array.isArray(v) || v.length !== 4) return genericReturn(bytes);
  const [txnId, applied, code] = v as [unknown, unknown, unknown];
  return {
    value: { txnId, applied, code },
    text: `transaction ${display(txnId)}, applied: ${display(applied)}${applied === true ? `, exit ${display(code)}` : ' (waiting for approvals)'}`,
  };
};

const approveReturn: Decoder = (bytes) => {
  const v = decodeCbor<unknown>(bytes, 'Approve return');
  if (!Array.isArray(v) || v.length !== 3) return genericReturn(bytes);
  const [applied, code] = v as [unknown, unknown];
  return {
    value: { applied, code },
    text: `applied: ${display(applied)}${applied === true ? `, exit ${display(code)} (${exitCodeName(Number(code))})` : ''}`,
  };
};

const boolReturn: Decoder = (bytes) => {
  const v = decodeCbor<unknown>(bytes, 'return value');
  return typeof v === 'boolean' ? { value: v, text: String(v) } : genericReturn(bytes);
};

function eventValue(key: string, codec: bigint, value: Uint8Array): string {
  if (codec !== 0x51n) return display(value);
  try {
    const v = decodeCbor<unknown>(value, `event entry ${key}`);
    if ((key === 'grantee' || key === 'owner') && (typeof v === 'number' || typeof v === 'bigint')) return `f0${v}`;
    return typeof v === 'string' ? v : display(v);
  } catch {
    return display(value);
  }
}

function demoEvents(events: readonly StampedEvent[]): DemoEvent[] {
  return events.map((e) => ({
    emitter: `f0${e.emitter}`,
    entries: e.entries.map((en) => ({ key: en.key, value: eventValue(en.key, en.codec, en.value) })),
  }));
}

/** The innermost abort message of a failed message. */
function failureMessage(ret: ApplyRet): string | undefined {
  const f = ret.failureInfo;
  if (f === undefined) return undefined;
  if (f.kind === 'prevalidation') return f.message;
  const frame = f.backtrace.frames[0];
  if (frame !== undefined) return frame.message;
  return f.backtrace.cause?.message;
}

class Scenario {
  readonly steps: DemoStep[] = [];
  private readonly names = new Map<string, string>();

  constructor(readonly chain: LocalChain) {}

  name(address: Address, name: string): void {
    this.names.set(address.toString(), name);
  }

  private who(address: Address): string {
    return this.names.get(address.toString()) ?? address.toString();
  }

  send(
    description: string,
    req: { from: SecpKey; to: Address; method?: bigint; params?: Uint8Array; value?: bigint },
    decode: Decoder = genericReturn,
  ): { applied: AppliedMessage; decoded: Decoded } {
    const applied = this.chain.send(req);
    const { receipt } = applied.ret;
    const ok = receipt.exitCode === ExitCode.OK;
    const decoded = ok ? decode(receipt.returnData) : genericReturn(receipt.returnData);
    const error = ok ? undefined : failureMessage(applied.ret);
    this.steps.push({
      index: this.steps.length + 1,
      description,
      kind: 'message',
      from: this.who(req.from.address),
      to: this.who(req.to),
      method: req.method ?? METHOD_SEND,
      nonce: applied.signed.message.sequence,
      epoch: applied.epoch,
      cid: applied.cid,
      exitCode: receipt.exitCode,
      exitName: exitCodeName(receipt.exitCode),
      returnValue: decoded.value,
      returnText: decoded.text,
      gasUsed: receipt.gasUsed,
      gasLimit: applied.signed.message.gasLimit,
      events: demoEvents(applied.ret.events),
      ...(error !== undefined ? { error } : {}),
    });
    return { applied, decoded };
  }

  install(description: string, wasm: Uint8Array): CID {
    const installed = this.chain.installCode(wasm);
    this.steps.push({
      index: this.steps.length + 1,
      description,
      kind: 'install',
      exitCode: ExitCode.OK,
      exitName: exitCodeName(ExitCode.OK),
      returnValue: { codeCid: installed.codeCid.toString(), size: installed.size, alreadyInstalled: installed.alreadyInstalled },
      returnText: `code ${installed.codeCid.toString()} (${installed.size} bytes${installed.alreadyInstalled ? ', already installed' : ''})`,
      gasUsed: 0n,
      gasLimit: 0n,
      events: [],
    });
    return installed.codeCid;
  }
}

/** The new actor's ID address from an Exec return value. */
function execAddress(step: { applied: AppliedMessage; decoded: Decoded }, what: string): Address {
  const r = step.applied.ret.receipt;
  if (r.exitCode !== ExitCode.OK) {
    throw new DemoError(`creating the ${what} failed with exit ${r.exitCode} (${exitCodeName(r.exitCode)}): ${failureMessage(step.applied.ret) ?? ''}`);
  }
  const v = step.decoded.value as { idAddress?: string } | null;
  if (v === null || typeof v.idAddress !== 'string') throw new DemoError(`creating the ${what} returned no address`);
  return Address.fromString(v.idAddress);
}

/** The message a multisig's Propose/Approve hash covers: [requester, to, value, method, params]. */
function proposalHash(requester: Address, to: Address, value: bigint, method: bigint, params: Uint8Array): Uint8Array {
  return blake2b256(encodeCbor([requester.toBytes(), to.toBytes(), encodeBigInt(value), Number(method), params]));
}

function runScenario(chain: LocalChain, keys: readonly SecpKey[], run: number, wasm: Uint8Array): {
  steps: DemoStep[];
  multisig: Address;
  accessControl: Address;
  code: CID;
  content: CID;
} {
  const [alice, bob, carol] = keys as [SecpKey, SecpKey, SecpKey];
  const s = new Scenario(chain);
  DEMO_ACCOUNTS.forEach((n, i) => s.name(keys[i]!.address, n));
  const init = Address.newId(INIT_ACTOR_ID);
  s.name(init, 'init (f01)');
  const fil = (n: number): bigint => fromWholeFil(n);

  // 1. Plain transfers: to a known account, and to a key address that has no actor yet (the
  //    machine creates its account actor on the way).
  s.send(`alice sends ${formatFil(fil(100))} to bob`, { from: alice, to: bob.address, value: fil(100) }, noReturn);
  const newcomer = SecpKey.derive(chain.keySeed, DEMO_ACCOUNTS.length + run - 1);
  s.name(newcomer.address, `a new address ${newcomer.address.toString()}`);
  s.send(`alice sends ${formatFil(fil(5))} to a new address (its account actor is created)`, { from: alice, to: newcomer.address, value: fil(5) }, noReturn);

  // 2. A 2-of-2 multisig of alice and bob, created through the init actor, pays carol.
  const manifest = chain.manifest();
  const msigCreate = s.send(
    `alice creates a 2-of-2 multisig wallet {alice, bob} with ${formatFil(fil(50))} (init Exec)`,
    {
      from: alice,
      to: init,
      method: INIT_EXEC,
      params: encodeCbor([manifest.multisig, encodeCbor([[alice.address.toBytes(), bob.address.toBytes()], 2, 0, 0])]),
      value: fil(50),
    },
    execReturn,
  );
  const msig = execAddress(msigCreate, 'multisig');
  s.name(msig, `multisig ${msig.toString()}`);
  const payment = fil(10);
  const propose = s.send(
    `alice proposes: the multisig pays ${formatFil(payment)} to carol`,
    { from: alice, to: msig, method: MULTISIG_PROPOSE, params: encodeCbor([carol.address.toBytes(), encodeBigInt(payment), 0, new Uint8Array(0)]) },
    proposeReturn,
  );
  const txnId = (propose.decoded.value as { txnId?: unknown } | null)?.txnId ?? 0;
  const aliceId = Address.newId(chain.lookupId(alice.address) ?? 0n);
  s.send(
    'bob approves the proposal (2 of 2: it runs)',
    {
      from: bob,
      to: msig,
      method: MULTISIG_APPROVE,
      params: encodeCbor([txnId, proposalHash(aliceId, carol.address, payment, 0n, new Uint8Array(0))]),
    },
    approveReturn,
  );

  // 3. The access-control user actor: install its code, create an instance owned by alice.
  const code = s.install('install the access-control actor code (user WASM)', wasm);
  const acCreate = s.send(
    'alice creates an access-control actor she owns (init Exec of the user code)',
    { from: alice, to: init, method: INIT_EXEC, params: encodeCbor([code, constructorParams(alice.address)]) },
    execReturn,
  );
  const ac = execAddress(acCreate, 'access-control actor');
  s.name(ac, `access-control ${ac.toString()}`);
  const content = demoContentCid(run);
  const M = AccessControlMethod;
  s.send(`alice registers content ${content.toString()}`, { from: alice, to: ac, method: M.RegisterContent, params: contentParams(content) }, boolReturn);
  s.send('alice grants bob retrieval of the content', { from: alice, to: ac, method: M.Grant, params: permissionParams(content, bob.address) }, boolReturn);
  s.send('carol asks: may bob retrieve it?', { from: carol, to: ac, method: M.CanRetrieve, params: permissionParams(content, bob.address) }, boolReturn);
  s.send('bob tries to grant carol access (only the owner may)', { from: bob, to: ac, method: M.Grant, params: permissionParams(content, carol.address) }, boolReturn);
  s.send("alice revokes bob's permission", { from: alice, to: ac, method: M.Revoke, params: permissionParams(content, bob.address) }, boolReturn);
  s.send('carol asks again: may bob retrieve it?', { from: carol, to: ac, method: M.CanRetrieve, params: permissionParams(content, bob.address) }, boolReturn);
  return { steps: s.steps, multisig: msig, accessControl: ac, code, content };
}

interface OpenedChain {
  readonly chain: LocalChain;
  readonly keys: readonly SecpKey[];
  readonly networkName: string;
  readonly run: number;
  readonly genesisRoot: CID | undefined;
  readonly db: ChainDb | undefined;
}

async function openChain(options: DemoOptions): Promise<OpenedChain> {
  let store: Blockstore = new MemoryBlockstore();
  let db: ChainDb | undefined;
  if (options.db !== undefined) {
    db = ChainDb.open(options.db);
    store = db.blockstore;
  }
  try {
    const meta = db?.meta;
    if (meta === undefined) {
      const networkVersion = options.networkVersion ?? DEFAULT_NETWORK_VERSION;
      if (versionProfile(networkVersion).generation !== 'v4') {
        throw new DemoError(`the embedded actors use the FVM 4.x syscalls (nv21 and later): nv${networkVersion} cannot run them`);
      }
      const genesis = await createLocalGenesis(store, { accounts: DEMO_ACCOUNTS.length });
      const chain = new LocalChain({ blockstore: store, head: { stateRoot: genesis.stateRoot, epoch: 0n }, networkVersion, keySeed: genesis.keySeed });
      return { chain, keys: genesis.accounts.map((a) => a.key), networkName: genesis.networkName, run: 1, genesisRoot: genesis.stateRoot, db };
    }
    const keys = DEMO_ACCOUNTS.map((_, i) => SecpKey.derive(meta.keySeed, i));
    const chain = new LocalChain({ blockstore: store, head: meta.head, networkVersion: meta.networkVersion, keySeed: meta.keySeed });
    // The record and the state must agree: a mismatch means the two were not written together.
    for (const key of keys) {
      const recorded = meta.nonces.get(key.address.toString());
      const actual = chain.nextNonce(key.address);
      if (recorded !== actual) {
        throw new ChainDbError(
          `${options.db ?? ''} is inconsistent: the record says the next nonce of ${key.address.toString()} is ${recorded ?? 'unknown'}, the state says ${actual}`,
        );
      }
    }
    return { chain, keys, networkName: meta.networkName, run: meta.runs + 1, genesisRoot: undefined, db };
  } catch (err) {
    if (db !== undefined) await db.discardIfNew();
    throw err;
  }
}

/** Runs the demo; with `db`, on the chain kept there (created on the first run). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  // Fail before touching any database when the actor is not built.
  const wasm = options.accessControlWasm ?? loadAccessControlWasm();
  const opened = await openChain(options);
  const { chain, keys, db } = opened;
  const startHead = chain.head;
  let outcome: ReturnType<typeof runScenario>;
  try {
    outcome = runScenario(chain, keys, opened.run, wasm);
    if (db !== undefined) {
      const meta: ChainMeta = {
        networkName: opened.networkName,
        networkVersion: chain.networkVersion,
        keySeed: chain.keySeed,
        head: chain.head,
        nonces: new Map(keys.map((k) => [k.address.toString(), chain.nextNonce(k.address)])),
        runs: opened.run,
      };
      db.writeMeta(meta);
    }
  } catch (err) {
    if (db !== undefined) await db.discardIfNew();
    throw err;
  }
  const accounts = keys.map((k, i) => ({ name: DEMO_ACCOUNTS[i]!, address: k.address.toString(), id: chain.lookupId(k.address) ?? -1n }));
  if (db !== undefined) await db.close();
  return {
    run: opened.run,
    networkName: opened.networkName,
    networkVersion: chain.networkVersion,
    db: options.db,
    genesisRoot: opened.genesisRoot,
    startHead,
    finalHead: chain.head,
    accounts,
    steps: outcome.steps,
    multisig: outcome.multisig.toString(),
    accessControl: outcome.accessControl.toString(),
    accessControlCode: outcome.code,
    content: outcome.content,
    millis: Date.now() - started,
  };
}

const group = (n: bigint): string => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The demo's output, as `tsfvm demo` prints it. */
export function formatDemo(r: DemoResult): string {
  const out: string[] = [];
  const where = r.db === undefined ? 'in memory' : `kept in ${r.db}`;
  out.push(`tsfvm demo: a local chain on the embedded actor bundle (nv${r.networkVersion}, ${where}; no network)`);
  if (r.genesisRoot !== undefined) out.push(`genesis   ${r.genesisRoot.toString()} (network "${r.networkName}")`);
  else out.push(`run ${r.run}: continuing from ${r.startHead.stateRoot.toString()} at epoch ${r.startHead.epoch}`);
  out.push(`accounts  ${r.accounts.map((a) => `${a.name} f0${a.id} ${a.address}`).join('\n          ')}`);
  out.push('');
  for (const s of r.steps) {
    out.push(`${String(s.index).padStart(2)}. ${s.description}`);
    if (s.kind === 'install') {
      out.push(`    installed: ${s.returnText}`);
      continue;
    }
    out.push(`    ${s.from} -> ${s.to}  method ${s.method}  nonce ${s.nonce}  epoch ${s.epoch}`);
    out.push(`    exit ${s.exitCode} (${s.exitName})  gas used ${group(s.gasUsed)} of ${group(s.gasLimit)}  return: ${s.returnText}`);
    if (s.error !== undefined) out.push(`    error: ${s.error}`);
    for (const e of s.events) out.push(`    event from ${e.emitter}: ${e.entries.map((en) => `${en.key}=${en.value}`).join(' ')}`);
  }
  out.push('');
  out.push(`final state root ${r.finalHead.stateRoot.toString()} at epoch ${r.finalHead.epoch} (${r.steps.filter((s) => s.kind === 'message').length} messages in ${r.millis} ms)`);
  if (r.db !== undefined) out.push(`the chain is kept in ${r.db}: run \`tsfvm demo --db ${r.db}\` again to continue from it`);
  return `${out.join('\n')}\n`;
}
