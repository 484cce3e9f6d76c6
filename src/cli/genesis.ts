// `tsfvm genesis`: builds the initial state of a local chain (system, init, reward, cron, the
// other singletons, burnt funds, N funded accounts with deterministic keys) on the embedded
// actor bundle or a bundle file, prints it, and writes it as a CAR the machine can start from.
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { MemoryBlockstore } from '../ipld/blockstore.js';
import { exportCar } from '../ipld/car.js';
import { formatFil, parseFil } from '../primitives/token.js';
import {
  createLocalGenesis, DEFAULT_ACCOUNT_BALANCE, DEFAULT_NETWORK_NAME, MAX_GENESIS_ACCOUNTS, type LocalGenesis,
} from '../chain/genesis.js';
import { DEFAULT_KEY_SEED } from '../chain/keys.js';

export interface GenesisArgs {
  readonly bundle?: string;
  readonly accounts?: number;
  /** attoFIL per account. */
  readonly balance?: bigint;
  readonly networkName?: string;
  readonly seed?: string;
  readonly out?: string;
}

export interface GenesisOutput {
  readonly genesis: LocalGenesis;
  /** The CAR written, when `out` was given. */
  readonly car: { readonly path: string; readonly bytes: number } | undefined;
  readonly text: string;
}

/** Builds the genesis, writes the CAR if asked, and returns what the command prints. */
export async function runGenesis(args: GenesisArgs): Promise<GenesisOutput> {
  const store = new MemoryBlockstore();
  const genesis = await createLocalGenesis(store, {
    ...(args.accounts !== undefined ? { accounts: args.accounts } : {}),
    ...(args.balance !== undefined ? { balance: args.balance } : {}),
    ...(args.networkName !== undefined ? { networkName: args.networkName } : {}),
    ...(args.seed !== undefined ? { keySeed: args.seed } : {}),
    ...(args.bundle !== undefined ? { bundleFile: args.bundle } : {}),
  });
  let car: GenesisOutput['car'];
  if (args.out !== undefined) {
    const bytes = await exportCar(store, [genesis.stateRoot]);
    writeFileSync(args.out, bytes);
    car = { path: args.out, bytes: bytes.length };
  }
  const lines = [
    `genesis of network "${genesis.networkName}" on the ${genesis.bundle === 'embedded' ? 'embedded actor bundle' : `bundle ${genesis.bundle}`}`,
    `manifest    ${genesis.manifestCid.toString()}`,
    `state root  ${genesis.stateRoot.toString()}`,
    `accounts    ${genesis.accounts.length}, keys derived from the public seed ${JSON.stringify(genesis.keySeed)}: anyone can sign for them, use them only locally`,
    ...genesis.accounts.map((a) => `  f0${a.id}  ${a.key.address.toString()}  ${formatFil(a.balance)}  private key ${a.key.privateKeyHex()}`),
  ];
  if (car !== undefined) lines.push(`wrote ${car.path}: ${genesis.blocks} blocks, ${car.bytes} bytes (root ${genesis.stateRoot.toString()})`);
  return { genesis, car, text: `${lines.join('\n')}\n` };
}

function parseAccounts(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > MAX_GENESIS_ACCOUNTS) {
    throw new InvalidArgumentError(`expected an integer from 0 to ${MAX_GENESIS_ACCOUNTS}`);
  }
  return n;
}

function parseBalance(value: string): bigint {
  try {
    const v = parseFil(value);
    if (v < 0n) throw new Error('negative');
    return v;
  } catch {
    throw new InvalidArgumentError('expected a non-negative amount such as 1000, 1.5FIL or 100attoFIL');
  }
}

export function genesisCommand(): Command {
  return new Command('genesis')
    .summary('build the initial state of a local chain')
    .description(
      'Build a genesis state: the system, init, reward and cron actors, the other singletons, the burnt funds account, and ' +
        'funded secp256k1 accounts whose keys are derived from a public seed (reproducible; never use them on a real network).\n\n' +
        'Uses the embedded actor bundle unless --bundle names a builtin-actors bundle (.car, or a Lotus vN.tar.zst: its mainnet ' +
        'bundle). Prints the accounts and the state root; --out writes the state (with the actor code) as a CAR file.',
    )
    .option('--bundle <file>', 'builtin-actors bundle to use instead of the embedded one')
    .option('--accounts <n>', 'number of funded accounts', parseAccounts, 3)
    .option('--balance <fil>', `balance of each account (default ${formatFil(DEFAULT_ACCOUNT_BALANCE)})`, parseBalance)
    .option('--network-name <name>', 'network name in the init actor state', DEFAULT_NETWORK_NAME)
    .option('--seed <text>', 'seed the account keys are derived from', DEFAULT_KEY_SEED)
    .option('--out <file>', 'write the genesis state to this CAR file')
    .addHelpText('after', '\nExamples:\n  tsfvm genesis\n  tsfvm genesis --accounts 10 --out genesis.car\n  tsfvm state genesis.car\n')
    .action(async (opts: { bundle?: string; accounts: number; balance?: bigint; networkName: string; seed: string; out?: string }) => {
      const res = await runGenesis({
        accounts: opts.accounts,
        networkName: opts.networkName,
        seed: opts.seed,
        ...(opts.bundle !== undefined ? { bundle: opts.bundle } : {}),
        ...(opts.balance !== undefined ? { balance: opts.balance } : {}),
        ...(opts.out !== undefined ? { out: opts.out } : {}),
      });
      process.stdout.write(res.text);
    });
}
