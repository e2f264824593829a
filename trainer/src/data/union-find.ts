/**
 * Disjoint-set forest over the integers 0..n-1, used to merge duplicate pairs into
 * groups (a~b and b~c puts a, b and c in one group even if a and c differ more).
 */
export class UnionFind {
  private readonly parent: Int32Array;
  private readonly rank: Uint8Array;

  constructor(readonly size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
    this.rank = new Uint8Array(size);
  }

  /** The representative of `i`'s set. */
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    // Path compression keeps later finds near O(1).
    let node = i;
    while (this.parent[node] !== root) {
      const next = this.parent[node]!;
      this.parent[node] = root;
      node = next;
    }
    return root;
  }

  /** Merge the sets of `a` and `b`; returns whether they were separate. */
  union(a: number, b: number): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return false;
    if (this.rank[ra]! < this.rank[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    if (this.rank[ra] === this.rank[rb]) this.rank[ra]!++;
    return true;
  }

  /** Every set with more than `minSize - 1` members, each sorted ascending, ordered by first member. */
  groups(minSize = 1): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.size; i++) {
      const root = this.find(i);
      let g = byRoot.get(root);
      if (!g) {
        g = [];
        byRoot.set(root, g);
      }
      g.push(i);
    }
    return [...byRoot.values()].filter((g) => g.length >= minSize).sort((a, b) => a[0]! - b[0]!);
  }
}
