import { Command } from 'commander';
import { Address } from '../primitives/address.js';
import { formatFil } from '../primitives/token.js';
import { StateTree } from '../state/state-tree.js';
import { loadBundle } from '../state/bundle.js';
import { Manifest } from '../state/manifest.js';
import { CodeNames, listActors, manifestFromState, actorStateObject, toDisplay } from '../state/inspect.js';
import { MemoryBlockstore } from '../ipld/blockstore.js';
import { loadStateInput } from './load-state.js';

interface StateOptions {
  root?: string;
  post?: boolean;
  actor?: string;
  bundle: string[];
}

export function stateCommand(): Command {
  return new Command('state')
    .summary('list the actors of a state tree, or show one actor and its state')
    .description(
      'List the actors of a state tree (ID, robust/delegated address, type, balance, nonce), or show one actor and its decoded state.\n' +
        'INPUT is a conformance test vector (.json: its pre-state, or --post) or a CAR file (its first root, or --root).',
    )
    .argument('<input>', 'test vector JSON or state CAR file')
    .option('--root <cid>', 'state root to read instead of the default one')
    .option('--post', 'for a test vector: read the post-state instead of the pre-state')
    .option('--actor <address>', 'show this actor (f0…, f1…, f2…, f3…, f4… or t…) with its decoded state')
    .option('--bundle <file>', 'builtin-actors bundle (.car or Lotus vN.tar.zst) for actor type names; repeatable', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tsfvm state vector.json\n' +
        '  tsfvm state vector.json --post --actor f0100\n' +
        '  tsfvm state state.car --root bafy2… --bundle ~/.cache/tsfvm/bundles/v10.tar.zst\n',
    )
    .action(async (input: string, opts: StateOptions) => {
      process.stdout.write(await runState(input, opts));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function runState(input: string, opts: StateOptions): Promise<string> {
  const { store, root, label } = loadStateInput(input, opts);
  const tree = StateTree.load(store, root);
  const names = new CodeNames();
  for (const file of opts.bundle) {
    const bs = new MemoryBlockstore();
    for (const info of await loadBundle(file, bs)) {
      names.add(Manifest.load(bs, info.manifestCid), info.actorsVersion !== undefined ? ` (v${info.actorsVersion})` : '');
    }
  }
  const own = manifestFromState(tree);
  if (own !== undefined) names.add(own);

  const lines: string[] = [];
  if (opts.actor !== undefined) {
    const addr = Address.fromString(opts.actor);
    const id = tree.lookupId(addr);
    const actor = id === undefined ? undefined : tree.getActor(id);
    if (id === undefined || actor === undefined) throw new Error(`actor ${opts.actor} not found in ${label}`);
    const summary = listActors(tree, names).actors.find((a) => a.id === id);
    lines.push(`actor     f0${id}`);
    if (summary?.robust) lines.push(`robust    ${summary.robust.toString()}`);
    if (actor.delegatedAddress) lines.push(`delegated ${actor.delegatedAddress.toString()}`);
    lines.push(`type      ${names.get(actor.code) ?? 'unknown (pass --bundle)'}`);
    lines.push(`code      ${actor.code.toString()}`);
    lines.push(`head      ${actor.head.toString()}`);
    lines.push(`balance   ${formatFil(actor.balance)}`);
    lines.push(`nonce     ${actor.sequence}`);
    const obj = actorStateObject(store, actor);
    lines.push(`state     ${obj === undefined ? '(block not in input)' : JSON.stringify(toDisplay(obj), null, 2)}`);
    return lines.join('\n') + '\n';
  }

  const { actors, missingSubtrees } = listActors(tree, names);
  lines.push(`${label}: ${root.toString()} (${actors.length} actors in the input)`);
  lines.push(['ID', 'ADDRESS', 'TYPE', 'BALANCE', 'NONCE'].join('\t'));
  for (const a of actors) {
    const address = a.actor.delegatedAddress ?? a.robust;
    lines.push(
      [`f0${a.id}`, address?.toString() ?? '-', a.type ?? '?', formatFil(a.actor.balance), String(a.actor.sequence)].join('\t'),
    );
  }
  if (missingSubtrees > 0) {
    lines.push(`(${missingSubtrees} HAMT subtrees are not in the input: a test vector carries only the blocks its messages touch)`);
  }
  if (names.size === 0) lines.push('(actor types unknown: the state has no manifest block; pass --bundle)');
  return lines.join('\n') + '\n';
}
