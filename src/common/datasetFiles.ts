/**
 * The dataset files Gradient Flow downloads on first use, at the addresses Keras 3 uses, with
 * the published checksum each download must match. The host downloads them before it starts
 * the trainer, and the trainer checks them again before it reads them.
 */
export type DownloadedDatasetName = 'fashion_mnist' | 'cifar10';

export interface RemoteDatasetFile {
  /** File name in the dataset's cache folder, the last segment of `url`. */
  readonly name: string;
  /** Fixed HTTPS address. */
  readonly url: string;
  /** SHA-256 of the file as served (the compressed archive). */
  readonly sha256: string;
  /** Size in bytes as served. */
  readonly bytes: number;
}

const FASHION_MNIST_BASE = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

/**
 * Sources: Keras 3 `keras/src/datasets/fashion_mnist.py` (address and SHA-256 of each file)
 * and `keras/src/datasets/cifar10.py` (address and SHA-256 of the archive). The sizes are
 * those the servers report. Fashion-MNIST's own README lists MD5 values for the same files,
 * and the CIFAR page lists the archive's MD5 (c58f30108f718f92721af3b95e74349a).
 */
export const REMOTE_DATASET_FILES: Readonly<Record<DownloadedDatasetName, readonly RemoteDatasetFile[]>> = {
  fashion_mnist: [
    {
      name: 'train-images-idx3-ubyte.gz',
      url: `${FASHION_MNIST_BASE}train-images-idx3-ubyte.gz`,
      sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      bytes: 26421880,
    },
    {
      name: 'train-labels-idx1-ubyte.gz',
      url: `${FASHION_MNIST_BASE}train-labels-idx1-ubyte.gz`,
      sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      bytes: 29515,
    },
    {
      name: 't10k-images-idx3-ubyte.gz',
      url: `${FASHION_MNIST_BASE}t10k-images-idx3-ubyte.gz`,
      sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      bytes: 4422102,
    },
    {
      name: 't10k-labels-idx1-ubyte.gz',
      url: `${FASHION_MNIST_BASE}t10k-labels-idx1-ubyte.gz`,
      sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      bytes: 5148,
    },
  ],
  cifar10: [
    {
      name: 'cifar-10-python.tar.gz',
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz',
      sha256: '6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce',
      bytes: 170498071,
    },
  ],
};

export function isDownloadedDataset(name: string): name is DownloadedDatasetName {
  return name === 'fashion_mnist' || name === 'cifar10';
}
