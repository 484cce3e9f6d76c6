// `tsfvm genesis`: the accounts (keys derived from the public seed, checked against an independent
// derivation), the actors and balances of the state, the CAR it writes (self-contained: a machine
// starts from it), reproducibility, bad arguments, and an official bundle when one is available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blake2b } from '@noble/hashes/blake2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { MemoryBlockstore, getCbor } from '../../src/ipld/blockstore.js';
import { importCarSync } from '../../src/ipld/car.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { fromWholeFil } from '../../src/primitives/token.js';
import { StateTree } from '../../src/state/state-tree.js';
import { findBundles } from '../../src/state/bundle.js';
import { runGenesis } from '../../src/cli/genesis.js';
import { createLocalGenesis, LocalGenesisError } from '../../src/chain/genesis.js';
import { LocalChain } from '../../src/chain/local-chain.js';
import { SecpKey } from '../../src/chain/keys.js';

test('genesis: N funded accounts with keys from the public seed, the singletons, and a CAR a machine starts from', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfvm-genesis-test-'));
  try {
    const out = path.join(dir, 'genesis.car');
    const res = await runGenesis({ accounts: 4, balance: fromWholeFil(7), out });
    const { genesis } = res;
    assert.equal(genesis.accounts.length, 4);

    const store = new MemoryBlockstore();
    const roots = importCarSync(new Uint8Array(readFileSync(out)), store, out);
    assert.deepEqual(roots.map(String), [genesis.stateRoot.toString()]);
    assert.equal(res.car?.bytes, readFileSync(out).length);
    const tree = StateTree.load(store, roots[0]!);
    const ids: bigint[] = [];
    tree.forEachActor((addr) => ids.push(addr.id()));
    assert.deepEqual(ids.sort((a, b) => (a < b ? -1 : 1)), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 10n, 99n, 100n, 101n, 102n, 103n]);
    for (const id of ids) assert.ok(store.has(tree.getActor(id)!.code), `the code of f0${id} is in the CAR`);

    for (let i = 0; i < 4; i++) {
      // Independent derivation: blake2b-256("<seed>/<i>") is the key; f1 payload = blake2b-160(public key).
      const secret = blake2b(new TextEncoder().encode(`tsfvm local chain/${i}`), { dkLen: 32 });
      const payload = blake2b(secp256k1.getPublicKey(secret, false), { dkLen: 20 });
      const acc = genesis.accounts[i]!;
      assert.deepEqual(acc.key.privateKey, secret);
      assert.deepEqual(acc.key.address.payload(), payload);
      const id = 100n + BigInt(i);
      assert.equal(acc.id, id);
      assert.equal(tree.lookupId(acc.key.address), id);
      const actor = tree.getActor(id)!;
      assert.equal(actor.balance, fromWholeFil(7));
      assert.deepEqual(getCbor<[Uint8Array]>(store, actor.head, 'account state')[0], acc.key.address.toBytes());
      assert.ok(res.text.includes(`f0${id}  ${acc.key.address.toString()}  7.0 FIL  private key ${Buffer.from(secret).toString('hex')}`));
    }
    assert.ok(res.text.includes(`state root  ${genesis.stateRoot.toString()}`));

    // The machine runs from the CAR alone: a transfer between two genesis accounts.
    const chain = new LocalChain({ blockstore: store, head: { stateRoot: genesis.stateRoot, epoch: 0n } });
    const [a, b] = genesis.accounts;
    const sent = chain.send({ from: a!.key, to: b!.key.address, value: fromWholeFil(1) });
    assert.equal(sent.ret.receipt.exitCode, ExitCode.OK);
    assert.equal(chain.actor(b!.key.address)!.balance, fromWholeFil(8));

    // Same inputs, same genesis.
    const again = await runGenesis({ accounts: 4, balance: fromWholeFil(7) });
    assert.equal(again.genesis.stateRoot.toString(), genesis.stateRoot.toString());
    const otherSeed = await runGenesis({ accounts: 4, balance: fromWholeFil(7), seed: 'another seed' });
    assert.notEqual(otherSeed.genesis.stateRoot.toString(), genesis.stateRoot.toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('genesis refuses bad arguments with the reason', async () => {
  await assert.rejects(runGenesis({ accounts: 10_001 }), (e: unknown) => e instanceof LocalGenesisError && /from 0 to 10000/.test(e.message));
  await assert.rejects(runGenesis({ accounts: 1.5 }), LocalGenesisError);
  await assert.rejects(runGenesis({ balance: -1n }), /must not be negative/);
  await assert.rejects(runGenesis({ bundle: path.join(tmpdir(), 'no-such-bundle.car') }), /ENOENT|no such file/);
  assert.throws(() => SecpKey.derive('x', -1), /non-negative integer/);
});

test('genesis on an official bundle (v12, nv21): accounts work with the official account actor', async (t) => {
  const bundle = findBundles().find((b) => b.actorsVersion === 12 && (b.format === 'tar.zst' || b.network === 'mainnet'));
  if (bundle === undefined) {
    t.skip('no bundles: see README');
    return;
  }
  const store = new MemoryBlockstore();
  const g = await createLocalGenesis(store, { accounts: 2, bundleFile: bundle.path });
  assert.match(g.bundle, /builtin-actors-mainnet\.car/);
  const chain = new LocalChain({ blockstore: store, head: { stateRoot: g.stateRoot, epoch: 0n }, networkVersion: 21 });
  assert.equal(chain.manifest().account.toString(), StateTree.load(store, g.stateRoot).getActor(100n)!.code.toString());
  // To a new key address: the machine creates an account with the official account actor's constructor.
  const fresh = SecpKey.derive('official bundle test', 0);
  const sent = chain.send({ from: g.accounts[0]!.key, to: fresh.address, value: fromWholeFil(1) });
  assert.equal(sent.ret.receipt.exitCode, ExitCode.OK, JSON.stringify(sent.ret.failureInfo));
  assert.equal(chain.actor(fresh.address)?.balance, fromWholeFil(1));
  assert.equal(chain.lookupId(fresh.address), 102n);
});
