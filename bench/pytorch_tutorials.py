# PyTorch side of `npm run bench`: the tutorials end to end, bare training steps, MNIST loading and a matmul floor.
"""Usage (each prints one JSON object on stdout; one thread, as wasm under Node):
  python3 bench/pytorch_tutorials.py e2e  --model mlp --data-root DIR --epochs 5 [--train-limit N] [--test-limit N]
                                          [--schedule-epochs 10] [--target 0.95] [--spawned-at MS]
  python3 bench/pytorch_tutorials.py step --model mlp [--repeats 3] [--min-total-ms 1000]
  python3 bench/pytorch_tutorials.py data --data-root DIR [--repeats 3]
  python3 bench/pytorch_tutorials.py floor
DIR holds MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte, where torchvision's datasets.MNIST looks.
Models: linear, hidden (seed 000), cnn (001), mlp (002), resnet (003), sgd (004, least squares by hand).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the two modules imported below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_step import time_steps  # noqa: E402  (bench/perf.ts's PyTorch reference)
from pytorch_tutorial_loops import BATCH_SIZES, HiddenModel, run_e2e  # noqa: E402


def blas():
    """The BLAS library this process loaded (Debian's torch calls whatever libblas.so.3 points to)."""
    with open('/proc/self/maps') as maps:
        names = {os.path.basename(line.split()[-1]) for line in maps if 'blas' in line.split()[-1]}
    tuned = sorted(name for name in names if 'openblas' in name or 'mkl' in name or 'blis' in name)
    return ', '.join(tuned or sorted(names)) or 'unknown'


def versions():
    found = {'torch': torch.__version__, 'numpy': np.__version__, 'python': platform.python_version(), 'blas': blas()}
    try:
        import torchvision
        found['torchvision'] = torchvision.__version__
    except ImportError:
        pass
    return found


def usage():
    """Peak memory (Linux reports kilobytes) and CPU seconds of this process."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {'maxRssMb': own.ru_maxrss / 1024, 'cpuS': own.ru_utime + own.ru_stime}


def step_hidden(batch_size, repeats, min_total_ms):
    """hidden is not in pytorch_step.py: the same timing (zero_grad, forward, correct count, loss, backward, step, item)."""
    torch.manual_seed(0)
    model = HiddenModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    images, labels = torch.rand(batch_size, 1, 28, 28), torch.randint(0, 10, (batch_size,))

    def step():
        start = time.perf_counter()
        optimizer.zero_grad()
        output = model(images)
        (output.argmax(dim=-1) == labels).sum()
        loss = F.cross_entropy(output, labels)
        loss.backward()
        optimizer.step()
        loss.item()
        return (time.perf_counter() - start) * 1000
    return timed(step, repeats, min_total_ms)


def step_sgd(batch_size, repeats, min_total_ms):
    """One iteration of seed 004's sgd_train without its test accuracy: sample, gather, _loss, _gradient, update, item."""
    np.random.seed(0)
    x, y = torch.rand(60000, 784), F.one_hot(torch.randint(0, 10, (60000,)), 10).float()
    state = {'weight': torch.zeros(784, 10)}

    def step():
        start = time.perf_counter()
        idx = np.random.randint(0, x.size(0), batch_size)
        bx, by, w = x[idx], y[idx], state['weight']
        loss = 0.5 * torch.linalg.norm(by - bx @ w) ** 2 / bx.size(0)
        gradient = bx.t() @ (bx @ w - by) / bx.size(0)
        loss.item()
        state['weight'] = w - 0.001 * gradient
        return (time.perf_counter() - start) * 1000
    return timed(step, repeats, min_total_ms)


def timed(step, repeats, min_total_ms, warmup=3):
    """As pytorch_step.time_steps: warm-up, then at least `repeats` steps, more (up to 300) until min_total_ms."""
    estimate = [step() for _ in range(warmup)][-1]
    count = min(300, max(repeats, int(min_total_ms / max(estimate, 0.01)) + 1))
    times = [step() for _ in range(count)]
    return {'medianMs': statistics.median(times), 'minMs': min(times), 'steps': count}


def command_step(args):
    batch = BATCH_SIZES[args.model]
    runs = []
    for _ in range(args.repeats):
        if args.model == 'hidden':
            runs.append(step_hidden(batch, args.min_steps, args.min_total_ms))
        elif args.model == 'sgd':
            runs.append(step_sgd(batch, args.min_steps, args.min_total_ms))
        else:
            row = time_steps(args.model, batch, 3, args.min_steps, args.min_total_ms)
            runs.append({'medianMs': row['medianMs'], 'minMs': row['minMs'], 'steps': row['steps']})
    return {'model': args.model, 'batchSize': batch, 'runs': runs}


def command_data(args):
    """datasets.MNIST(train=True, ToTensor) built, then one shuffled DataLoader epoch at batch 100, as seed 000.
    Without torchvision: the IDX files read with numpy, and the same epoch through a TensorDataset."""
    try:
        from torchvision import datasets, transforms
        method = 'torchvision datasets.MNIST (raw IDX files), DataLoader with per-sample ToTensor'
    except ImportError:
        datasets = None
        method = 'numpy IDX read and a TensorDataset (torchvision is not installed)'
    load_ms, epoch_ms = [], []
    for _ in range(args.repeats + 1):  # the first, untimed, warms the file cache like bench/data.ts
        start = time.perf_counter()
        if datasets is not None:
            train = datasets.MNIST(args.data_root, train=True, transform=transforms.ToTensor(), download=False)
        else:
            raw = os.path.join(args.data_root, 'MNIST', 'raw')
            images = np.fromfile(os.path.join(raw, 'train-images-idx3-ubyte'), dtype=np.uint8, offset=16)
            labels = np.fromfile(os.path.join(raw, 'train-labels-idx1-ubyte'), dtype=np.uint8, offset=8)
            train = TensorDataset(torch.from_numpy(images.reshape(-1, 1, 28, 28)).float() / 255, torch.from_numpy(labels).long())
        loaded = time.perf_counter()
        for images, labels in DataLoader(train, batch_size=100, shuffle=True):
            pass
        load_ms.append((loaded - start) * 1000)
        epoch_ms.append((time.perf_counter() - loaded) * 1000)
    return {'loadTrainMs': load_ms[1:], 'epochMs': epoch_ms[1:], 'samples': len(train), 'method': method}


def command_floor(args):
    """Best float32 matmul rate of one thread: the arithmetic floor the training runs are measured against.
    512 x 512 takes a few milliseconds, short enough that the best of many calls is one that no other process
    interrupted (on a busy machine a longer call rarely runs undisturbed)."""
    n = 512
    a, b = torch.rand(n, n), torch.rand(n, n)
    a @ b
    best = float('inf')
    for _ in range(20 * args.repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return {'gflops': 2 * n ** 3 / best / 1e9, 'matrix': n, 'calls': 20 * args.repeats}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('command', choices=['e2e', 'step', 'data', 'floor'])
    parser.add_argument('--model', choices=sorted(BATCH_SIZES))
    parser.add_argument('--data-root')
    parser.add_argument('--epochs', type=int, default=1, help='e2e: epochs to train (iterations for sgd)')
    parser.add_argument('--train-limit', type=int, default=0, help='e2e: train on the first N samples (0: all)')
    parser.add_argument('--test-limit', type=int, default=0, help='e2e: evaluate on the first N samples (0: all)')
    parser.add_argument('--schedule-epochs', type=int, default=10, help="e2e resnet: OneCycleLR's epochs (the tutorial's 10)")
    parser.add_argument('--target', type=float, help='e2e: report the time until the accuracy first reaches this')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--min-total-ms', type=float, default=1000)
    parser.add_argument('--min-steps', type=int, default=10, help='step: timed steps at least, per repetition')
    parser.add_argument('--spawned-at', type=float, help='Date.now() of the parent when it started this process')
    parser.add_argument('--threads', type=int, default=1, help='torch.set_num_threads; 1 matches wasm under Node')
    args = parser.parse_args()
    started = time.time() * 1000
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    if args.command == 'e2e':
        result = run_e2e(args)
    else:
        result = {'step': command_step, 'data': command_data, 'floor': command_floor}[args.command](args)
    result.update({'threads': torch.get_num_threads(), 'versions': versions(), **usage()})
    if args.spawned_at is not None:
        result['startupS'] = (started - args.spawned_at) / 1000
    print(json.dumps(result))


if __name__ == '__main__':
    main()
