// Runs every actor module of every official bundle through the WASM layer: decode, re-encode
// (must give back the same bytes), instrument with the prices of the bundle's network
// generation, and compile under V8. Prints timings per bundle and in total, and checks that
// instrumenting v10's storageminer twice gives the same bytes.
//
//   node --import tsx scripts/engine-bundles.ts
//
// Bundles come from $TSFVM_BUNDLES or ~/.cache/tsfvm/bundles (vN/builtin-actors-mainnet.car).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CarReader } from '@ipld/car';
import { CID } from 'multiformats/cid';
import { decodeCbor } from '../src/ipld/cbor.js';
import { decodeModule, encodeModule } from '../src/engine/wasm/index.js';
import { WASM_FEATURES_V2, WASM_FEATURES_V3, WASM_FEATURES_V4, type WasmFeatures } from '../src/engine/wasm/features.js';
import {
  WASM_PRICES_V2,
  WASM_PRICES_V3,
  WASM_PRICES_V4,
  instrumentModule,
  type WasmGasPrices,
} from '../src/engine/instrument/index.js';

const MAX_WASM_STACK = 2048;

interface Generation {
  readonly label: string;
  readonly prices: WasmGasPrices;
  readonly features: WasmFeatures;
}

/** Actors v9 ran on ref-fvm 2 (nv17), v10–v11 on ref-fvm 3 (nv18–20), v12+ on ref-fvm 4. */
function generationOf(version: number): Generation {
  if (version <= 9) return { label: 'fvm2', prices: WASM_PRICES_V2, features: WASM_FEATURES_V2 };
  if (version <= 11) return { label: 'fvm3', prices: WASM_PRICES_V3, features: WASM_FEATURES_V3 };
  return { label: 'fvm4', prices: WASM_PRICES_V4, features: WASM_FEATURES_V4 };
}

async function actorModules(carPath: string): Promise<{ name: string; code: CID; wasm: Uint8Array }[]> {
  const reader = await CarReader.fromBytes(readFileSync(carPath));
  const [root] = await reader.getRoots();
  if (!root) throw new Error(`${carPath}: CAR has no root`);
  const block = async (cid: CID, what: string): Promise<Uint8Array> => {
    const b = await reader.get(cid);
    if (!b) throw new Error(`${carPath}: ${what} ${cid.toString()} is missing`);
    return b.bytes;
  };
  const manifest = decodeCbor<unknown>(await block(root, 'manifest'), `manifest ${root.toString()}`);
  if (!Array.isArray(manifest) || manifest[0] !== 1 || !(manifest[1] instanceof CID)) {
    throw new Error(`${carPath}: manifest root is not [1, data CID]`);
  }
  const data = decodeCbor<unknown>(await block(manifest[1], 'manifest data'), 'manifest data');
  if (!Array.isArray(data)) throw new Error(`${carPath}: manifest data is not a list`);
  const out: { name: string; code: CID; wasm: Uint8Array }[] = [];
  for (const entry of data) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] instanceof CID)) {
      throw new Error(`${carPath}: manifest entry is not [name, CID]`);
    }
    out.push({ name: entry[0], code: entry[1], wasm: await block(entry[1], `code of ${entry[0]}`) });
  }
  return out;
}

function ms(t: number): string {
  return `${t.toFixed(0)} ms`;
}

async function main(): Promise<number> {
  const dir = process.env['TSFVM_BUNDLES'] ?? join(homedir(), '.cache', 'tsfvm', 'bundles');
  const versions = existsSync(dir)
    ? readdirSync(dir)
        .map((d) => /^v(\d+)$/.exec(d))
        .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], 'builtin-actors-mainnet.car')))
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b)
    : [];
  if (versions.length === 0) {
    console.log(`SKIP (no bundles in ${dir}: see README)`);
    return 0;
  }
  let failures = 0;
  const total = { modules: 0, bytes: 0, outBytes: 0, decode: 0, encode: 0, instrument: 0, compile: 0 };
  for (const v of versions) {
    const gen = generationOf(v);
    const modules = await actorModules(join(dir, `v${v}`, 'builtin-actors-mainnet.car'));
    const t = { bytes: 0, outBytes: 0, decode: 0, encode: 0, instrument: 0, compile: 0 };
    for (const { name, wasm } of modules) {
      try {
        let t0 = performance.now();
        const ir = decodeModule(wasm);
        t.decode += performance.now() - t0;
        t0 = performance.now();
        const again = encodeModule(ir);
        t.encode += performance.now() - t0;
        if (Buffer.compare(Buffer.from(again), Buffer.from(wasm)) !== 0) throw new Error('re-encoding changed the bytes');
        t0 = performance.now();
        const out = instrumentModule(wasm, { prices: gen.prices, features: gen.features, maxStackHeight: MAX_WASM_STACK });
        t.instrument += performance.now() - t0;
        t0 = performance.now();
        new WebAssembly.Module(out);
        t.compile += performance.now() - t0;
        t.bytes += wasm.length;
        t.outBytes += out.length;
      } catch (err) {
        failures++;
        console.log(`  FAIL v${v} ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    console.log(
      `v${v} (${gen.label}): ${modules.length} modules, ${(t.bytes / 1e6).toFixed(2)} MB -> ${(t.outBytes / 1e6).toFixed(2)} MB; ` +
        `decode ${ms(t.decode)}, re-encode ${ms(t.encode)}, instrument ${ms(t.instrument)}, compile ${ms(t.compile)}`,
    );
    total.modules += modules.length;
    total.bytes += t.bytes;
    total.outBytes += t.outBytes;
    total.decode += t.decode;
    total.encode += t.encode;
    total.instrument += t.instrument;
    total.compile += t.compile;

    if (v === 10) {
      const miner = modules.find((m) => m.name === 'storageminer');
      if (miner) {
        const opts = { prices: gen.prices, features: gen.features, maxStackHeight: MAX_WASM_STACK };
        let t0 = performance.now();
        const a = instrumentModule(miner.wasm, opts);
        const first = performance.now() - t0;
        t0 = performance.now();
        const b = instrumentModule(miner.wasm, opts);
        const second = performance.now() - t0;
        const same = Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
        if (!same) failures++;
        console.log(
          `  v10 storageminer (${(miner.wasm.length / 1e6).toFixed(2)} MB, ${miner.code.toString()}): ` +
            `instrumented twice in ${ms(first)} and ${ms(second)}; outputs ${same ? 'identical' : 'DIFFER'} (${a.length} bytes)`,
        );
      }
    }
  }
  console.log(
    `total: ${total.modules} modules, ${(total.bytes / 1e6).toFixed(2)} MB -> ${(total.outBytes / 1e6).toFixed(2)} MB; ` +
      `decode ${ms(total.decode)}, re-encode ${ms(total.encode)}, instrument ${ms(total.instrument)}, compile ${ms(total.compile)}; ` +
      `${failures === 0 ? 'all OK' : `${failures} FAILED`}`,
  );
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
