// Decodes everything a conformance vector carries and checks byte-exact re-encoding:
// the proof that the data layer reads real chain state exactly as the reference writes it.
import { gunzipSync } from 'node:zlib';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, getBlock } from '../ipld/blockstore.js';
import { readCar } from '../ipld/car.js';
import { cidOf, decodeCbor, encodeCbor, DAG_CBOR } from '../ipld/cbor.js';
import { decodeHamtNode, identityCodec } from '../ipld/hamt-node.js';
import { decodeMessage, encodeMessage } from '../primitives/message.js';
import { actorStateFromCbor } from '../primitives/actor.js';
import { Address } from '../primitives/address.js';
import { StateTree } from '../state/state-tree.js';
import { readVector } from './vector.js';

export interface CorpusTotals {
  vectors: number;
  stateTrees: number;
  actors: number;
  hamtNodes: number;
  blocks: number;
  messages: number;
  mismatches: number;
  problems: string[];
}

export function emptyTotals(): CorpusTotals {
  return { vectors: 0, stateTrees: 0, actors: 0, hamtNodes: 0, blocks: 0, messages: 0, mismatches: 0, problems: [] };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Walks the present part of the actors HAMT with the strict node decoder; returns actor and node counts. */
function checkActors(store: MemoryBlockstore, tree: StateTree, file: string, totals: CorpusTotals): void {
  const visit = (cid: CID, depth: number): void => {
    if (!store.has(cid)) return; // vectors carry only the blocks their messages touch
    const node = decodeHamtNode(getBlock(store, cid), cid, depth, 5, identityCodec);
    totals.hamtNodes++;
    for (const p of node.pointers) {
      if ('cid' in p) {
        visit(p.cid!, depth + 1); // always set on freshly decoded nodes
        continue;
      }
      for (const { key, value } of p) {
        const addr = Address.fromBytes(key);
        const actor = actorStateFromCbor(value, `${file}: actor ${addr.toString()}`, tree.version);
        // The same actor through the state tree's own lookup path.
        const again = tree.getActor(addr.id());
        if (again === undefined || !again.head.equals(actor.head) || again.balance !== actor.balance) {
          totals.mismatches++;
          totals.problems.push(`${file}: actor ${addr.toString()} differs through StateTree.getActor`);
        }
        totals.actors++;
      }
    }
  };
  visit(tree.actorsRoot, 0);
}

export function checkVectorFile(file: string, totals: CorpusTotals): void {
  const vector = readVector(file);
  totals.vectors++;
  const { blocks } = readCar(gunzipSync(vector.car), `${file} (car)`);
  const store = new MemoryBlockstore();
  for (const b of blocks) {
    store.put(b.cid, b.bytes);
    totals.blocks++;
    const cid: CID = b.cid;
    if (cid.code !== DAG_CBOR) continue;
    const again = cidOf(encodeCbor(decodeCbor(b.bytes, `${file}: block ${cid.toString()}`)));
    if (again.toString() !== cid.toString()) {
      totals.mismatches++;
      totals.problems.push(`${file}: block ${cid.toString()} re-encodes to ${again.toString()}`);
    }
  }
  for (const root of [vector.preRoot, vector.postRoot]) {
    const tree = StateTree.load(store, root);
    totals.stateTrees++;
    checkActors(store, tree, file, totals);
  }
  for (const [i, bytes] of vector.messages.entries()) {
    const msg = decodeMessage(bytes, `${file}: message ${i}`);
    totals.messages++;
    if (!bytesEqual(encodeMessage(msg), bytes)) {
      totals.mismatches++;
      totals.problems.push(`${file}: message ${i} re-encodes differently`);
    }
  }
}

export function formatTotals(t: CorpusTotals): string {
  return `${t.vectors} vectors, ${t.stateTrees} state trees, ${t.messages} messages, ${t.mismatches} mismatches`;
}

