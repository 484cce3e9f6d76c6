// The builtin-actors manifest: which WASM code CID implements which builtin actor.
// Root block: [version (1), data CID]; data block: [[name, code CID], ...]. Builtin actor type
// ids are positions in the data list starting at 1 (0 means "not a builtin actor"), which is
// what the get_builtin_actor_type syscall returns.
import { CID } from 'multiformats/cid';
import { getBlock, type Blockstore } from '../ipld/blockstore.js';
import { decodeCbor } from '../ipld/cbor.js';

export const MANIFEST_VERSION = 1;

/** Names that builtin-actors bundles use, in their canonical manifest order (v10+). */
export const BUILTIN_ACTOR_NAMES = [
  'system',
  'init',
  'cron',
  'account',
  'storagepower',
  'storageminer',
  'storagemarket',
  'paymentchannel',
  'multisig',
  'reward',
  'verifiedregistry',
  'datacap',
  'placeholder',
  'evm',
  'eam',
  'ethaccount',
] as const;

export type BuiltinActorName = (typeof BUILTIN_ACTOR_NAMES)[number];

/** Every version of the machine needs these to exist. */
const REQUIRED_NAMES: readonly BuiltinActorName[] = ['system', 'init', 'account'];

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

export interface ManifestEntry {
  readonly name: string;
  readonly code: CID;
  /** 1-based position in the manifest: the builtin actor type id. */
  readonly id: number;
}

function loadBlock(bs: Blockstore, cid: CID, what: string): unknown {
  try {
    return decodeCbor<unknown>(getBlock(bs, cid, what), `${what} ${cid.toString()}`);
  } catch (err) {
    throw new ManifestError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

export class Manifest {
  private readonly list: readonly ManifestEntry[];
  private readonly byName = new Map<string, ManifestEntry>();
  private readonly byCode = new Map<string, ManifestEntry>();

  private constructor(
    entries: readonly ManifestEntry[],
    /** The data block's CID, when loaded from a store. */
    readonly dataCid: CID | undefined,
    what: string,
  ) {
    this.list = entries;
    // Later duplicates win, as with the reference's hash maps.
    for (const e of entries) {
      this.byName.set(e.name, e);
      this.byCode.set(e.code.toString(), e);
    }
    for (const name of REQUIRED_NAMES) {
      if (!this.byName.has(name)) throw new ManifestError(`${what}: manifest has no '${name}' actor`);
    }
  }

  /** Loads a manifest from its root block ([version, data CID]). */
  static load(bs: Blockstore, rootCid: CID): Manifest {
    const what = `manifest root ${rootCid.toString()}`;
    const root = loadBlock(bs, rootCid, 'manifest root');
    if (!Array.isArray(root) || root.length !== 2) {
      throw new ManifestError(`${what}: expected [version, data CID]`);
    }
    const [version, data] = root as [unknown, unknown];
    if (typeof version !== 'number' && typeof version !== 'bigint') {
      throw new ManifestError(`${what}: version is not an integer`);
    }
    if (version !== MANIFEST_VERSION) throw new ManifestError(`${what}: unsupported manifest version ${version}`);
    const dataCid = CID.asCID(data);
    if (dataCid === null) throw new ManifestError(`${what}: data is not a CID`);
    return Manifest.loadData(bs, dataCid);
  }

  /** Loads a version-1 manifest from its data block (as the system actor's state names it). */
  static loadData(bs: Blockstore, dataCid: CID): Manifest {
    const what = `manifest data ${dataCid.toString()}`;
    const data = loadBlock(bs, dataCid, 'manifest data');
    if (!Array.isArray(data)) throw new ManifestError(`${what}: expected a list of [name, code CID]`);
    const pairs = data.map((entry: unknown, i): readonly [string, CID] => {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new ManifestError(`${what}: entry ${i} is not a [name, code CID] pair`);
      }
      const [name, code] = entry as [unknown, unknown];
      const cid = CID.asCID(code);
      if (typeof name !== 'string' || cid === null) {
        throw new ManifestError(`${what}: entry ${i} is not a [name, code CID] pair`);
      }
      return [name, cid];
    });
    return Manifest.build(pairs, dataCid, what);
  }

  /** Builds a manifest from name/code pairs in order (for tests and synthetic bundles). */
  static fromEntries(pairs: Iterable<readonly [string, CID]>): Manifest {
    return Manifest.build([...pairs], undefined, 'manifest');
  }

  private static build(pairs: readonly (readonly [string, CID])[], dataCid: CID | undefined, what: string): Manifest {
    const entries = pairs.map(([name, code], i) => Object.freeze({ name, code, id: i + 1 }));
    return new Manifest(entries, dataCid, what);
  }

  entries(): readonly ManifestEntry[] {
    return this.list;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  codeByName(name: string): CID | undefined {
    return this.byName.get(name)?.code;
  }

  nameByCode(code: CID): string | undefined {
    return this.byCode.get(code.toString())?.name;
  }

  /** The builtin actor type id of `code`, or 0 when it is not a builtin actor. */
  idByCode(code: CID): number {
    return this.byCode.get(code.toString())?.id ?? 0;
  }

  codeById(id: number): CID | undefined {
    return Number.isInteger(id) && id >= 1 ? this.list[id - 1]?.code : undefined;
  }

  /** The code CID for a well-known actor; throws when this bundle lacks it (e.g. evm before v10). */
  code(name: BuiltinActorName): CID {
    const cid = this.codeByName(name);
    if (cid === undefined) throw new ManifestError(`manifest${this.dataCid ? ` ${this.dataCid.toString()}` : ''} has no '${name}' actor`);
    return cid;
  }

  isAccountActor(code: CID): boolean {
    return this.codeByName('account')?.equals(code) ?? false;
  }

  isPlaceholderActor(code: CID): boolean {
    return this.codeByName('placeholder')?.equals(code) ?? false;
  }

  isEthAccountActor(code: CID): boolean {
    return this.codeByName('ethaccount')?.equals(code) ?? false;
  }

  get system(): CID { return this.code('system'); }
  get init(): CID { return this.code('init'); }
  get cron(): CID { return this.code('cron'); }
  get account(): CID { return this.code('account'); }
  get storagepower(): CID { return this.code('storagepower'); }
  get storageminer(): CID { return this.code('storageminer'); }
  get storagemarket(): CID { return this.code('storagemarket'); }
  get paymentchannel(): CID { return this.code('paymentchannel'); }
  get multisig(): CID { return this.code('multisig'); }
  get reward(): CID { return this.code('reward'); }
  get verifiedregistry(): CID { return this.code('verifiedregistry'); }
  get datacap(): CID { return this.code('datacap'); }
  get placeholder(): CID { return this.code('placeholder'); }
  get evm(): CID { return this.code('evm'); }
  get eam(): CID { return this.code('eam'); }
  get ethaccount(): CID { return this.code('ethaccount'); }
}
