// Import rules for src/, checked by `npm run deps` and by `npm test` (stage `deps`):
//
//   device → kernels → tensor → autograd → nn | optim → data | train | io → src/*.ts (index, runtime, doctor)
//
// A folder may import only the folders to its left (and itself). nn and optim are siblings that do not
// import each other: optimizers work on plain tensors, so nothing in optim needs a Module. data and io
// may import each other; train may import both, and neither imports train (the loop uses them, not the
// reverse). The top-level files may import anything; no folder imports them. A new folder under src/
// must be placed in this order before anything imports it or it imports anything. No cycles anywhere,
// within a folder too, among imports that exist at run time. For the layers, type-only imports count as
// well: they couple the layers as much as value imports do.
//
// Patterns are relative to the directory depcruise runs in (the repository root; test/deps.node.test.ts
// runs this same file on fixture trees).

/** Each folder and the folders it may import besides itself, lowest layer first. */
const LAYERS = {
  device: [],
  kernels: ['device'],
  tensor: ['device', 'kernels'],
  autograd: ['device', 'kernels', 'tensor'],
  nn: ['device', 'kernels', 'tensor', 'autograd'],
  optim: ['device', 'kernels', 'tensor', 'autograd'],
  data: ['device', 'kernels', 'tensor', 'autograd', 'nn', 'optim', 'io'],
  io: ['device', 'kernels', 'tensor', 'autograd', 'nn', 'optim', 'data'],
  train: ['device', 'kernels', 'tensor', 'autograd', 'nn', 'optim', 'data', 'io'],
};
const folders = Object.keys(LAYERS);
const anyFolder = `^src/(${folders.join('|')})/`;

const layerRules = folders.map((folder) => {
  const may = [folder, ...LAYERS[folder]];
  return {
    name: `layer-${folder}`,
    severity: 'error',
    comment: `src/${folder} may import only ${may.map((f) => `src/${f}`).join(', ')}; never a higher layer, a sibling it must not know, or the top-level src/*.ts files`,
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${may.join('|')})/` },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'an import cycle: the modules named import each other (directly or through the ones listed); move what both need into a module of its own',
      from: {},
      // Type-only imports are erased when compiled, so they cannot make a cycle at load time; autograd's
      // op table imports each family's attribute types while the families import apply, by design.
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...layerRules,
    {
      name: 'folder-not-in-layer-order',
      severity: 'error',
      comment: `a folder under src/ that is not one of ${folders.join(', ')}: add it to LAYERS in .dependency-cruiser.cjs`,
      from: { path: '^src/[^/]+/', pathNot: anyFolder },
      to: { path: '^src/' },
    },
    {
      name: 'import-of-folder-not-in-layer-order',
      severity: 'error',
      comment: `an import of a folder under src/ that is not one of ${folders.join(', ')}: add it to LAYERS in .dependency-cruiser.cjs`,
      from: { path: '^src/' },
      to: { path: '^src/[^/]+/', pathNot: anyFolder },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
  },
};
