// A map that records an undo log so nested transactions can roll back to a height.
export class HistoryMap<K, V> {
  private readonly map = new Map<K, V>();
  private readonly history: Array<[K, V | undefined, boolean]> = [];

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    this.history.push([key, this.map.get(key), this.map.has(key)]);
    this.map.set(key, value);
  }

  /** Number of undo records; pass it to rollback() to return to this point. */
  get historyLength(): number {
    return this.history.length;
  }

  rollback(height: number): void {
    while (this.history.length > height) {
      const [key, prev, had] = this.history.pop()!;
      if (had) this.map.set(key, prev as V);
      else this.map.delete(key);
    }
  }

  discardHistory(): void {
    this.history.length = 0;
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  clear(): void {
    this.map.clear();
    this.history.length = 0;
  }
}
