// Encodes the IR back to bytes. Sections still carrying their input bytes are copied as they
// are (so an unchanged module re-encodes byte for byte); the others are written from their
// typed fields with canonical LEB128.
import { ByteWriter } from './writer.js';
import {
  SECTION_ORDER,
  SectionId,
  type ElementSegment,
  type FunctionBody,
  type Limits,
  type SectionRecord,
  type WasmModule,
} from './types.js';

type Fields = Omit<WasmModule, 'sections'>;

/** Replacement values for some of a module's fields. */
export type ModuleChanges = { -readonly [K in keyof Fields]?: Fields[K] };

const FIELD_SECTION: Readonly<Record<keyof Fields, number>> = {
  types: SectionId.type,
  imports: SectionId.import,
  functions: SectionId.function,
  tables: SectionId.table,
  memories: SectionId.memory,
  globals: SectionId.global,
  exports: SectionId.export,
  start: SectionId.start,
  elements: SectionId.element,
  dataCount: SectionId.dataCount,
  code: SectionId.code,
  data: SectionId.data,
};

/**
 * A copy of `m` with some fields replaced. The sections holding those fields lose their input
 * bytes (they will be re-encoded); a section that did not exist is inserted in its place.
 */
export function withChanges(m: WasmModule, changes: ModuleChanges): WasmModule {
  const dirty = new Set<number>();
  for (const key of Object.keys(changes) as (keyof Fields)[]) dirty.add(FIELD_SECTION[key]);
  const sections: SectionRecord[] = [];
  const present = new Set<number>();
  for (const s of m.sections) {
    if (s.id !== SectionId.custom) present.add(s.id);
    sections.push(dirty.has(s.id) ? { id: s.id, raw: undefined } : s);
  }
  for (const id of dirty) {
    if (present.has(id)) continue;
    const order = SECTION_ORDER[id]!;
    // Insert after the last known section that comes before it (custom sections stay put).
    let at = 0;
    for (let i = 0; i < sections.length; i++) {
      const o = sections[i]!.id === SectionId.custom ? undefined : SECTION_ORDER[sections[i]!.id];
      if (o !== undefined && o < order) at = i + 1;
    }
    sections.splice(at, 0, { id, raw: undefined });
  }
  return { ...m, ...changes, sections };
}

function limits(w: ByteWriter, l: Limits): void {
  const flags = l.max === undefined ? l.flags & ~1 : l.flags | 1;
  w.u8(flags).u32(l.min);
  if (l.max !== undefined) w.u32(l.max);
}

function element(w: ByteWriter, e: ElementSegment): void {
  w.u32(e.flags);
  if (e.mode.kind === 'active') {
    if (e.flags & 0x02) w.u32(e.mode.index);
    w.bytes(e.mode.offset);
  }
  if (e.flags & 0x03) {
    if (e.exprs) w.u8(e.type);
    else w.u8(0x00);
  }
  if (e.exprs) {
    w.u32(e.exprs.length);
    for (const x of e.exprs) w.bytes(x);
  } else {
    const fs = e.functions ?? [];
    w.u32(fs.length);
    for (const f of fs) w.u32(f);
  }
}

/** Encodes one function body (locals and code) without its size prefix. */
export function encodeBody(w: ByteWriter, b: FunctionBody): void {
  if (b.raw) {
    w.bytes(b.raw);
    return;
  }
  w.u32(b.locals.length);
  for (const l of b.locals) w.u32(l.count).u8(l.type);
  w.bytes(b.code);
}

function payload(m: WasmModule, id: number, w: ByteWriter): void {
  switch (id) {
    case SectionId.type:
      w.u32(m.types.length);
      for (const t of m.types) {
        w.u8(0x60).u32(t.params.length);
        for (const p of t.params) w.u8(p);
        w.u32(t.results.length);
        for (const r of t.results) w.u8(r);
      }
      return;
    case SectionId.import:
      w.u32(m.imports.length);
      for (const imp of m.imports) {
        w.name(imp.module).name(imp.name).u8(imp.desc.kind);
        const d = imp.desc;
        switch (d.kind) {
          case 0: w.u32(d.type); break;
          case 1: w.u8(d.table.element); limits(w, d.table.limits); break;
          case 2: limits(w, d.memory); break;
          case 3: w.u8(d.global.type).u8(d.global.mutable ? 1 : 0); break;
          case 4: w.u8(0).u32(d.tagType); break;
        }
      }
      return;
    case SectionId.function:
      w.u32(m.functions.length);
      for (const f of m.functions) w.u32(f);
      return;
    case SectionId.table:
      w.u32(m.tables.length);
      for (const t of m.tables) {
        w.u8(t.element);
        limits(w, t.limits);
      }
      return;
    case SectionId.memory:
      w.u32(m.memories.length);
      for (const l of m.memories) limits(w, l);
      return;
    case SectionId.global:
      w.u32(m.globals.length);
      for (const g of m.globals) w.u8(g.type.type).u8(g.type.mutable ? 1 : 0).bytes(g.init);
      return;
    case SectionId.export:
      w.u32(m.exports.length);
      for (const e of m.exports) w.name(e.name).u8(e.kind).u32(e.index);
      return;
    case SectionId.start:
      if (m.start !== undefined) w.u32(m.start);
      return;
    case SectionId.element:
      w.u32(m.elements.length);
      for (const e of m.elements) element(w, e);
      return;
    case SectionId.dataCount:
      w.u32(m.dataCount ?? m.data.length);
      return;
    case SectionId.code: {
      w.u32(m.code.length);
      const body = new ByteWriter(4096);
      for (const b of m.code) {
        if (b.raw) {
          w.sized(b.raw);
          continue;
        }
        body.reset();
        encodeBody(body, b);
        w.sized(body.view());
      }
      return;
    }
    case SectionId.data:
      w.u32(m.data.length);
      for (const d of m.data) {
        w.u32(d.flags);
        if (d.mode.kind === 'active') {
          if (d.flags === 2) w.u32(d.mode.index);
          w.bytes(d.mode.offset);
        }
        w.sized(d.bytes);
      }
      return;
  }
}

/** Whether a section that has no input bytes has anything to write. */
function hasContent(m: WasmModule, id: number): boolean {
  switch (id) {
    case SectionId.start: return m.start !== undefined;
    case SectionId.dataCount: return m.dataCount !== undefined;
    default: return true;
  }
}

export function encodeModule(m: WasmModule): Uint8Array<ArrayBuffer> {
  let size = 8;
  for (const s of m.sections) if (s.raw) size += s.raw.length;
  const out = new ByteWriter(size + 1024);
  out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const scratch = new ByteWriter(64 * 1024);
  for (const s of m.sections) {
    if (s.raw) {
      out.bytes(s.raw);
      continue;
    }
    if (s.id === SectionId.custom) {
      if (s.custom) out.u8(0).sized(s.custom.payload);
      continue;
    }
    if (!hasContent(m, s.id)) continue;
    scratch.reset();
    payload(m, s.id, scratch);
    out.u8(s.id).sized(scratch.view());
  }
  return out.finish();
}
