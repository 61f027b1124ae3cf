// Counters are plain numbers bumped on hot paths; wg.stats() returns a copy, so tests can diff two moments.
export interface Stats {
  dispatches: number;
  submits: number;
  uploads: number;
  uploadBytes: number;
  readbacks: number;
  readbackBytes: number;
  pipelinesCompiled: number;
  liveBuffers: number;
  liveBytes: number;
  pooledBuffers: number;
  pooledBytes: number;
  poolHits: number;
  poolMisses: number;
  bindGroupHits: number;
  bindGroupMisses: number;
}

export function emptyStats(): Stats {
  return {
    dispatches: 0,
    submits: 0,
    uploads: 0,
    uploadBytes: 0,
    readbacks: 0,
    readbackBytes: 0,
    pipelinesCompiled: 0,
    liveBuffers: 0,
    liveBytes: 0,
    pooledBuffers: 0,
    pooledBytes: 0,
    poolHits: 0,
    poolMisses: 0,
    bindGroupHits: 0,
    bindGroupMisses: 0,
  };
}
