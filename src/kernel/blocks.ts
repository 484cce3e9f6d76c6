// The per-invocation block registry: IPLD blocks an actor has opened, created or received
// (parameters, send return values), addressed by small integer handles.
import type { CID } from 'multiformats/cid';
import { ErrorNumber } from '../primitives/errnum.js';
import { SyscallError } from './errors.js';

export type BlockId = number;

/** Handle 0 means "no block" (no parameters, no return value). */
export const NO_DATA_BLOCK_ID: BlockId = 0;
const FIRST_ID = 1;
/** Registry capacity: handles are reported to actors as i32. */
export const MAX_BLOCKS = 0x7fff_ffff;

export const CBOR = 0x51;
export const DAG_CBOR = 0x71;
export const IPLD_RAW = 0x55;
const ALLOWED_CODECS: ReadonlySet<number> = new Set([CBOR, DAG_CBOR, IPLD_RAW]);

export interface BlockStat {
  readonly codec: bigint;
  readonly size: number;
}

/** An immutable block: a codec and its bytes (shared, never mutated). */
export class Block {
  constructor(
    readonly codec: bigint,
    readonly data: Uint8Array,
    /** The links the block makes reachable (tracked from nv21; always empty before). */
    readonly links: readonly CID[] = [],
  ) {}

  get size(): number {
    return this.data.length;
  }

  stat(): BlockStat {
    return { codec: this.codec, size: this.data.length };
  }
}

export class BlockRegistry {
  private readonly blocks: Block[] = [];

  /** Stores a block, returning its handle. Fails with LimitExceeded or IllegalCodec. */
  put(block: Block): BlockId {
    if (this.isFull()) throw new SyscallError(ErrorNumber.LimitExceeded, 'too many blocks have been written');
    if (block.codec > 0xffffffffn || !ALLOWED_CODECS.has(Number(block.codec))) {
      throw new SyscallError(ErrorNumber.IllegalCodec, `invalid or forbidden ipld codec ${block.codec}`);
    }
    this.blocks.push(block);
    return FIRST_ID + this.blocks.length - 1;
  }

  get(id: BlockId): Block {
    const b = id >= FIRST_ID ? this.blocks[id - FIRST_ID] : undefined;
    if (b === undefined) throw new SyscallError(ErrorNumber.InvalidHandle, `block handle ${id} does not exist, or is illegal`);
    return b;
  }

  stat(id: BlockId): BlockStat {
    return this.get(id).stat();
  }

  isFull(): boolean {
    return this.blocks.length >= MAX_BLOCKS;
  }

  get count(): number {
    return this.blocks.length;
  }
}
