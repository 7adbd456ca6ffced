# PyTorch reference for bench/perf.ts: median ms per training step of each tutorial model, one thread, as JSON.
"""Usage: python3 bench/pytorch_step.py --cases linear:100,mlp:32,cnn:64,resnet:512 [--warmup 3] [--repeats 10] [--min-total-ms 1000]

A step is what the tutorials' loops do per batch with data already in memory: zero_grad, forward in train mode,
the correct count, loss, backward, optimizer.step(), scheduler.step() (ResNet), loss.item().
Prints [{"model", "batchSize", "medianMs", "minMs", "threads", "torch"}, ...].
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MnistModel(nn.Module):  # seed 000
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(784, 10)

    def forward(self, xb):
        return self.linear(xb.reshape(-1, 784))


class CNN(nn.Module):  # seed 001
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


class ResBlock(nn.Module):  # seed 003
    def __init__(self, nf):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, nf, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(nf)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(nf, nf, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(nf)

    def forward(self, x):
        o = self.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(o))
        return self.relu(o + x)


def convk3s2p1(ni, nf):
    return nn.Sequential(nn.Conv2d(ni, nf, 3, 2, 1, bias=False), nn.BatchNorm2d(nf), nn.ReLU())


def setup(name):
    """Model, loss, optimizer, scheduler and input shape of one image, as each tutorial has them."""
    if name == 'linear':
        model = MnistModel()
        return model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=1e-2), None, (1, 28, 28)
    if name == 'mlp':
        sizes = [784, 128, 128, 64, 64, 10]
        layers = []
        for i in range(1, len(sizes)):
            layers.append(nn.Linear(sizes[i - 1], sizes[i]))
            layers.append(nn.ReLU() if i < len(sizes) - 1 else nn.LogSoftmax(dim=1))
        model = nn.Sequential(*layers)
        return model, nn.NLLLoss(), torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9), None, (784,)
    if name == 'cnn':
        model = CNN()
        return model, F.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), None, (784,)
    if name == 'resnet':
        model = nn.Sequential(convk3s2p1(1, 8), ResBlock(8), convk3s2p1(8, 16), ResBlock(16), convk3s2p1(16, 32),
                              ResBlock(32), convk3s2p1(32, 16), convk3s2p1(16, 10), nn.Flatten())
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, total_steps=100_000)
        return model, nn.CrossEntropyLoss(), optimizer, scheduler, (1, 28, 28)
    raise ValueError(f"unknown model '{name}': expected linear, mlp, cnn or resnet")


def time_steps(name, batch_size, warmup, repeats, min_total_ms):
    torch.manual_seed(0)
    model, loss_fn, optimizer, scheduler, shape = setup(name)
    images = torch.rand(batch_size, *shape)
    labels = torch.randint(0, 10, (batch_size,))
    model.train()

    def step():
        start = time.perf_counter()
        optimizer.zero_grad()
        output = model(images)
        (output.argmax(dim=-1) == labels).sum()
        loss = loss_fn(output, labels)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss.item()
        return (time.perf_counter() - start) * 1000

    estimate = [step() for _ in range(warmup)][-1]
    # As bench/perf.ts: at least `repeats` timed steps, more (up to 300) until they add up to min_total_ms.
    count = min(300, max(repeats, math.ceil(min_total_ms / max(estimate, 0.01))))
    times = [step() for _ in range(count)]
    return {'model': name, 'batchSize': batch_size, 'medianMs': statistics.median(times), 'minMs': min(times),
            'steps': count, 'threads': torch.get_num_threads(), 'torch': torch.__version__}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cases', default='linear:100,mlp:32,cnn:64,resnet:64,resnet:512')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--min-total-ms', type=float, default=1000)
    parser.add_argument('--threads', type=int, default=1, help='torch.set_num_threads; 1 matches wasm under Node')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for case in args.cases.split(','):
        name, batch = case.split(':')
        rows.append(time_steps(name, int(batch), args.warmup, args.repeats, args.min_total_ms))
    print(json.dumps(rows))


if __name__ == '__main__':
    main()
