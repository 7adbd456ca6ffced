# The five PyTorch tutorials as written (data loading, training loop, evaluation), timed phase by phase for the bench.
"""Imported by bench/pytorch_tutorials.py (`e2e` command). Each tutorial function follows its seed's code: the same
datasets, transforms, DataLoader settings, model, loss, optimizer and loop. Changes, all needed to run here and to
time it: data comes from the local IDX files (no download, and seed 001's fetch_openml is the same 70,000 rows read
with numpy); evaluation runs after every epoch (seeds 000 and 002 evaluate once at the end), so the time to an
accuracy can be read; sklearn's accuracy_score (seed 003) is the same count written with torch.
"""
import os
import time
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset, TensorDataset

from pytorch_step import CNN, MnistModel, ResBlock, convk3s2p1

# The tutorials' batch sizes (seed 004: Task 3's batch 100, the size its bonus nn.Linear run uses too).
BATCH_SIZES = {'linear': 100, 'hidden': 100, 'cnn': 64, 'mlp': 32, 'resnet': 512, 'sgd': 100}


class HiddenModel(nn.Module):  # seed 000's second MnistModel: Linear(784, 100) then Linear(100, 10), no activation
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(784, 100)
        self.hidden = nn.Linear(100, 10)

    def forward(self, xb):
        xb = xb.reshape(-1, 784)
        return self.hidden(self.linear(xb))


class Run:
    """Seconds spent loading, training and evaluating; accuracy after each evaluation, timed from the start."""

    def __init__(self, target):
        self.start = time.perf_counter()
        self.seconds = {'load': 0.0, 'train': 0.0, 'eval': 0.0}
        self.evals = []
        self.trained = 0
        self.evaluated = 0
        self.target = target
        self.time_to_target = None

    @contextmanager
    def phase(self, name):
        start = time.perf_counter()
        yield
        self.seconds[name] += time.perf_counter() - start

    def record(self, accuracy, keep=True, **where):
        at = time.perf_counter() - self.start
        if self.time_to_target is None and self.target is not None and accuracy >= self.target:
            self.time_to_target = at
            keep = True
        if keep:
            self.evals.append({'atS': at, 'accuracy': accuracy, **where})


def limit(dataset, count):
    return dataset if not count or count >= len(dataset) else Subset(dataset, range(count))


def mnist(root, train, transform, target_transform=None):
    from torchvision import datasets
    return datasets.MNIST(root, train=train, transform=transform, target_transform=target_transform, download=False)


def seed000(run, a, model_class):
    from torchvision import transforms
    with run.phase('load'):
        mnist_train = limit(mnist(a.data_root, True, transforms.ToTensor()), a.train_limit)
        mnist_test = limit(mnist(a.data_root, False, transforms.ToTensor()), a.test_limit)
        train_loader = DataLoader(mnist_train, batch_size=100, shuffle=True)
        test_loader = DataLoader(mnist_test, batch_size=100, shuffle=False)
    model = model_class()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    for epoch in range(a.epochs):
        with run.phase('train'):
            for images, labels in train_loader:
                outputs = model(images)
                loss = loss_fn(outputs, labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                run.trained += len(labels)
            loss.item()  # the tutorial prints the last batch's loss
        with run.phase('eval'), torch.no_grad():
            accum_acc = 0
            for images, labels in test_loader:
                outputs = model(images)
                loss_fn(outputs, labels).item()
                _, preds = torch.max(outputs, dim=1)
                accum_acc += torch.tensor(torch.sum(preds == labels).item() / len(preds))
                run.evaluated += len(labels)
            run.record(float(accum_acc / len(test_loader)), epoch=epoch + 1)


def seed001(run, a):
    with run.phase('load'):
        def idx(name, offset):
            return np.fromfile(os.path.join(a.data_root, 'MNIST', 'raw', name), dtype=np.uint8, offset=offset)
        pixels = np.concatenate([idx('train-images-idx3-ubyte', 16), idx('t10k-images-idx3-ubyte', 16)]).reshape(-1, 784)
        labels = np.concatenate([idx('train-labels-idx1-ubyte', 8), idx('t10k-labels-idx1-ubyte', 8)])
        X = np.float32(pixels / 256)  # (70000, 784), as fetch_openml('mnist_784') then / 256
        Y = np.int64(labels)
        x_train, y_train, x_valid, y_valid = X[:50000, :], Y[:50000], X[50000:, :], Y[50000:]
        x_train, y_train = x_train[:a.train_limit or None], y_train[:a.train_limit or None]
        x_valid, y_valid = x_valid[:a.test_limit or None], y_valid[:a.test_limit or None]
        x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
        train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
        valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=128)
    model = CNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_func = F.cross_entropy
    for epoch in range(a.epochs):
        with run.phase('train'):
            model.train()
            for xb, yb in train_dl:
                pred = model(xb)
                loss = loss_func(pred, yb)
                loss.backward()
                opt.step()
                opt.zero_grad()
                run.trained += len(yb)
        with run.phase('eval'):
            model.eval()
            with torch.no_grad():
                outputs = [(model(xb), yb) for xb, yb in valid_dl]
                valid_loss = sum(loss_func(pred, yb) for pred, yb in outputs) / len(valid_dl)
                correct = sum((pred.argmax(dim=1) == yb).sum().item() for pred, yb in outputs)
            valid_loss.item()
            run.evaluated += len(x_valid)
            run.record(correct / len(x_valid), epoch=epoch + 1)


def seed002(run, a):
    from torchvision import transforms
    with run.phase('load'):
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        train_data_set = limit(mnist(a.data_root, True, transform), a.train_limit)
        validation_data_set = limit(mnist(a.data_root, False, transform), a.test_limit)
        train_loader = DataLoader(train_data_set, batch_size=32, shuffle=True)
        validation_loader = DataLoader(validation_data_set, batch_size=32, shuffle=True)
    sizes = [784, 128, 128, 64, 64, 10]
    layers = []
    for i in range(1, len(sizes)):
        layers += [nn.Linear(sizes[i - 1], sizes[i]), nn.ReLU() if i < len(sizes) - 1 else nn.LogSoftmax(dim=1)]
    model = nn.Sequential(*layers)
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9)
    for epoch in range(a.epochs):
        with run.phase('train'):
            loss_per_epoch = 0
            for images, labels in train_loader:
                images = images.view(images.shape[0], -1)
                optimizer.zero_grad()
                output = model(images)
                loss = criterion(output, labels)
                loss.backward()
                optimizer.step()
                loss_per_epoch += loss.item()
                run.trained += len(labels)
        with run.phase('eval'):
            correct_predictions, all_count = 0, 0
            for images, labels in validation_loader:  # the tutorial's evaluation: one image at a time
                for i in range(len(labels)):
                    img = images[i].view(1, 784)
                    with torch.no_grad():
                        logps = model(img)
                    ps = torch.exp(logps)
                    probab = list(ps.numpy()[0])
                    if labels.numpy()[i] == probab.index(max(probab)):
                        correct_predictions += 1
                    all_count += 1
            run.evaluated += all_count
            run.record(correct_predictions / all_count, epoch=epoch + 1)


def seed003(run, a):
    from torchvision import transforms
    with run.phase('load'):
        t = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean=(0), std=(1))])
        dl_train = DataLoader(limit(mnist(a.data_root, True, t), a.train_limit), batch_size=512, drop_last=True, shuffle=True)
        dl_valid = DataLoader(limit(mnist(a.data_root, False, t), a.test_limit), batch_size=512, drop_last=True, shuffle=True)
    model = nn.Sequential(convk3s2p1(1, 8), ResBlock(8), convk3s2p1(8, 16), ResBlock(16), convk3s2p1(16, 32),
                          ResBlock(32), convk3s2p1(32, 16), convk3s2p1(16, 10), nn.Flatten())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    # The schedule spans the tutorial's epochs even when the bench runs fewer: the same first steps.
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, steps_per_epoch=len(dl_train),
                                                    epochs=max(a.schedule_epochs, a.epochs))
    for epoch in range(a.epochs):
        with run.phase('train'):
            model.train()
            losses = []
            for i, (input, target) in enumerate(dl_train):
                optimizer.zero_grad()
                output = model(input)
                (output.argmax(dim=-1) == target).sum().item()
                loss = loss_fn(output, target)
                losses.append(loss.item())
                loss.backward()
                optimizer.step()
                scheduler.step()
                run.trained += len(target)
        with run.phase('eval'):
            model.eval()
            ecv, etv = 0, 0
            with torch.no_grad():
                for input, target in dl_valid:
                    output = model(input)
                    ecv += (output.argmax(dim=-1) == target).sum().item()
                    etv += len(target)
            run.evaluated += etv
            run.record(ecv / etv, epoch=epoch + 1)


def seed004(run, a):
    from torchvision import transforms
    with run.phase('load'):
        transforms_fnc = transforms.Compose([transforms.ToTensor()])
        target_transform_fnc = transforms.Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor([y]), 1))
        train_data = limit(mnist(a.data_root, True, transforms_fnc, target_transform_fnc), a.train_limit)
        test_data = limit(mnist(a.data_root, False, transforms_fnc), a.test_limit)
        train_data_X, train_data_y = next(iter(DataLoader(train_data, batch_size=len(train_data), shuffle=False)))
        train_data_X = train_data_X.reshape(train_data_X.size(0), -1)
        test_data_X, test_data_y = next(iter(DataLoader(test_data, batch_size=len(test_data), shuffle=False)))
        test_data_X = test_data_X.reshape(test_data_X.size(0), -1)
    weight = torch.zeros(784, 10)
    running_loss, running_acc = [], []
    report_every = max(1, a.epochs // 6)  # the tutorial prints every 1,000 of its 6,000 iterations
    for iter_idx in range(a.epochs):
        with run.phase('train'):  # the test accuracy of every iteration too, as ours: sgdTrain interleaves them
            sampled_idx = np.random.randint(0, train_data_X.size(0), BATCH_SIZES['sgd'])
            bx, by = train_data_X[sampled_idx], train_data_y[sampled_idx]
            loss = 0.5 * torch.linalg.norm(by - torch.matmul(bx, weight)) ** 2 / bx.size(0)
            gradient = torch.matmul(torch.t(bx), torch.matmul(bx, weight) - by) / bx.size(0)
            running_loss.append(loss.item())
            preds = torch.matmul(test_data_X, weight)
            acc = torch.sum((test_data_y == torch.argmax(preds, dim=1)).int()) / test_data_X.size(0)
            running_acc.append(acc.item())
            weight = weight - 0.001 * gradient
            run.trained += len(sampled_idx)
            run.evaluated += test_data_X.size(0)
        run.record(running_acc[-1], keep=(iter_idx + 1) % report_every == 0, iteration=iter_idx + 1)


TUTORIALS = {
    'linear': lambda run, a: seed000(run, a, MnistModel),
    'hidden': lambda run, a: seed000(run, a, HiddenModel),
    'cnn': seed001, 'mlp': seed002, 'resnet': seed003, 'sgd': seed004,
}


def run_e2e(args):
    """Runs one tutorial; `args.epochs` are iterations for sgd. Returns the timings and the accuracy timeline."""
    torch.manual_seed(0)
    np.random.seed(0)
    run = Run(args.target)
    TUTORIALS[args.model](run, args)
    total = time.perf_counter() - run.start
    return {'model': args.model, 'epochs': args.epochs, 'batchSize': BATCH_SIZES[args.model], 'trainedSamples': run.trained,
            'evaluatedSamples': run.evaluated,
            'loadS': run.seconds['load'], 'trainS': run.seconds['train'], 'evalS': run.seconds['eval'], 'totalS': total,
            'evals': run.evals, 'accuracy': run.evals[-1]['accuracy'] if run.evals else None,
            'timeToTargetS': run.time_to_target}
