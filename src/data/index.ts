// Public API of the data library: re-exports only.
export { DATA_ROOT_ENV, CACHE_FOLDER_NAME, defaultDataRoot, writeFileAtomic } from './cache.js';
export { type Checksum, digestOf, verifyChecksum } from './checksum.js';
export { type Dataset, type DataSource, type ImageDatasetInit, ImageDataset } from './dataset.js';
export { DOWNLOAD_TIMEOUT_MS, downloadFromMirrors, mirrorUrl, mirrorsFromEnv } from './download.js';
export { DatasetError, IdxFormatError, ChecksumError, DownloadError } from './errors.js';
export {
  FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, FASHION_MNIST_MIRRORS, FASHION_MNIST_MIRRORS_ENV, FASHION_MNIST_FOLDER,
  loadFashionMnist, loadFashionMnistSplits,
} from './fashion.js';
export {
  FASHION_NPM_PACKAGE, FASHION_NPM_IMAGES_PER_CLASS, FASHION_NPM_TRAIN_PER_CLASS, FASHION_NPM_TEST_PER_CLASS,
  FASHION_NPM_FOLDER, FASHION_NPM_SPLIT_NOTE, FASHION_NPM_FILES, convertFashionPackage,
} from './fashion-npm.js';
export {
  IDX_DTYPES, type IdxDtype, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, GZIP_MAGIC, type IdxArray,
  isGzip, idxMagic, decodeIdx, encodeIdx, readIdxFile, writeIdxFile,
} from './idx.js';
export { type LoadOptions } from './load-options.js';
export { type DataLoaderOptions, type Batch, DataLoader } from './loader.js';
export { Uint8Matrix } from './matrix.js';
export { MNIST_CLASSES, MNIST_FILES, MNIST_MIRRORS, MNIST_MIRRORS_ENV, MNIST_PACKAGE, MNIST_FOLDER, loadMnist, loadMnistSplits } from './mnist.js';
export { OPENML_TRAIN_SIZE, OPENML_PIXEL_SCALE, type OpenMlMnist, loadOpenMlMnist } from './openml.js';
export {
  IMAGE_SIDE, IMAGE_PIXELS, type DataFile, type SplitFiles, type SplitArrays, type ReadSplitOptions,
  storedName, storedChecksum, readSplit, decodeSplit, downloadSplit,
} from './split-files.js';
export { type TensorDatasetOptions, TensorDataset } from './tensor-dataset.js';
export { type Transform, toTensor, normalize, compose, lookupTable, oneHot } from './transforms.js';
export { VERIFIED_FOLDER } from './verified.js';
