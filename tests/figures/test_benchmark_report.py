"""Benchmarks (issue 5): a smoke run writes the table and results, the seed-style pipeline is a fair contender."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

from benchmarks import run
from benchmarks.machine import LoadMeter
from benchmarks.plain_loop import plain_batches, plain_loop, plain_model
from benchmarks.seed_style import ShahTransform, seed_loader
from mnist_helpers.augment.transforms import shah_augmentation
from mnist_helpers.data.mnist import MEAN, STD, to_tensor
from mnist_helpers.figures.benchmark_report import load_results
from mnist_helpers.measure.flops import forward_flops, matmul_gflops, train_step_flops
from mnist_helpers.models.torch_nets import DuttaCNNTorch, ShahCNN, build_model, count_parameters

ROW_KEYS = ["shah_seed_style", "shah_engine", "shah_engine_step", "dutta_keras", "dutta_engine", "dutta_engine_step"]
ROW_KEYS += ["mlp_engine", "shah_plain", "dutta_plain", "mlp_plain"]
N_AUGMENT = 500  # real images augmented both ways for the distribution comparison

# Keras' torch backend converts tensors with np.array(tensor), which NumPy 2 flags; harmless, and not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.mark.slow  # a subprocess or a real kernel: `make test` runs it, `make test-unit` skips it
def test_quick_run_prints_a_row_per_contender_and_the_targets(tmp_path, capsys):
    run.main(["--quick", "--threads", "1", "--out", str(tmp_path / "results.json")])
    printed = capsys.readouterr().out
    for label in (
        "seed-style",
        "engine (fit, batched augmentation)",
        "training step",
        "Keras fit",
        "torch twin",
        "MLP",
        "plain PyTorch loop",
        "fp32 matmul (torch.mm)",
    ):
        assert label in printed
    assert printed.count("target: ") == 5 and "over a plain PyTorch loop" in printed
    assert "sweep of 2 seeds, parallel" in printed
    results = json.loads((tmp_path / "results.json").read_text())
    assert [row["key"] for row in results["rows"]] == ROW_KEYS
    assert all(row["images_per_s"] > 0 and row["gflops"] > 0 for row in results["rows"])
    assert results["machine"]["torch_threads"] == 1 and results["machine"]["cpu"]
    assert results["git_commit"] and results["date"] and results["quick"] is True
    assert (tmp_path / "results.md").read_text().startswith("| contender ")
    assert results["sweep"]["ratio"] > 0 and results["sweep"]["parallel_images_per_s"] > 0
    for engine in ("shah_engine_step", "dutta_engine_step", "mlp_engine"):
        assert results["ratios"][f"{engine}_over_plain_loop"] > 0
    assert "Seed sweep" in results["targets"][-1]["name"] and "matmul peak" in (tmp_path / "results.md").read_text()
    table = load_results(tmp_path / "results.json").table
    assert table.loc["Shah CNN sweep of 2 seeds, parallel", "images/s"] > 0


@pytest.mark.parametrize("name", ["shah_cnn", "dutta_cnn_torch", "mlp"])
def test_the_plain_contender_is_the_engines_model_layer_for_layer(name):
    plain, engine = plain_model(name), build_model(name)
    assert count_parameters(plain, trainable_only=True) == count_parameters(engine, trainable_only=True)
    shapes = lambda m: [tuple(p.shape) for p in m.parameters()]
    assert shapes(plain) == shapes(engine)
    assert plain(torch.zeros(4, 1, 28, 28)).shape == (4, 10)


def test_a_plain_model_that_does_not_exist_is_refused_naming_the_ones_that_do():
    with pytest.raises(ValueError, match="'shah_cnn', 'dutta_cnn_torch', 'mlp'"):
        plain_model("vgg16")


def test_the_plain_loop_learns_and_reshuffles_each_pass():
    torch.manual_seed(0)
    x = torch.randn(64, 1, 28, 28)
    y = (x.flatten(1)[:, 0] > 0).long()  # a label the first pixel decides
    batches = plain_batches(x, y, 32)
    first_pass = [next(batches)[1] for _ in range(2)]
    second_pass = [next(batches)[1] for _ in range(2)]
    assert sorted(torch.cat(first_pass).tolist()) == sorted(y.tolist())
    assert not all(torch.equal(a, b) for a, b in zip(first_pass, second_pass))
    model = plain_model("mlp")
    loss = lambda: torch.nn.functional.cross_entropy(model(x), y).item()
    before = loss()
    assert plain_loop(model, x, y, 32)(40) > 0
    assert loss() < before / 2


def test_shah_cnn_flops_follow_its_layer_shapes_forward_and_backward():
    conv1, conv2 = 28 * 28 * 32 * 9, 14 * 14 * 64 * 9 * 32  # multiply-adds per image: outputs x kernel size
    fc1, fc2 = 3136 * 128, 128 * 10
    forward = 2 * (conv1 + conv2 + fc1 + fc2)
    assert forward_flops(ShahCNN(), (1, 28, 28)) == forward
    # backward: weight gradients of every layer (one forward's worth) and input gradients of every layer but
    # the first (the images need none) -- torch's counter sees exactly that, where "3 forwards" overcounts
    assert train_step_flops(ShahCNN(), (1, 28, 28)) == 3 * forward - 2 * conv1


def test_flop_count_leaves_the_model_in_training_mode_and_skips_its_random_rotation():
    model = DuttaCNNTorch()
    conv = 24 * 24 * 32 * 25 + 10 * 10 * 32 * 9 * 32
    dense = 800 * 512 + 512 * 512 + 512 * 10
    assert forward_flops(model, (1, 28, 28)) == 2 * (conv + dense)
    assert model.training


def test_matmul_rate_is_a_positive_number_of_gflops():
    assert 0.1 < matmul_gflops(size=256, repeats=2) < 10_000


def test_load_meter_sees_another_process_spinning_on_a_core():
    spin = "import time\nend = time.perf_counter() + 1.0\nwhile time.perf_counter() < end: pass"
    meter = LoadMeter().start()
    busy = subprocess.Popen([sys.executable, "-c", spin])  # another process, busy on one core for a second
    time.sleep(1.2)
    load = meter.stop()  # measured before the child is waited for: its CPU counts as another process's
    busy.wait()
    assert set(load) == {"other_cores", "steal_cores"}
    assert load["other_cores"] >= 0.5  # about one core for most of the interval


def test_seed_style_and_engine_augmentation_draw_from_the_same_distribution(mnist):
    images = mnist.train_images[:N_AUGMENT]
    torch.manual_seed(0)
    transform = ShahTransform()
    seed_style = torch.stack([transform(Image.fromarray(image, mode="L")) for image in images])
    engine = shah_augmentation(True)(to_tensor(images), torch.Generator().manual_seed(0))
    for batch in (seed_style, engine):
        assert batch.shape == (N_AUGMENT, 1, 28, 28)
    ink = lambda x: (x > 0).float().mean().item()  # share of pixels brighter than the background
    assert ink(seed_style) == pytest.approx(ink(engine), rel=0.03)
    assert seed_style.mean().item() == pytest.approx(engine.mean().item(), abs=0.02)
    assert ink(seed_style) > 1.15 * ink(to_tensor(images))  # zoom-in crops enlarge digits: augmentation happened


def test_seed_loader_yields_shuffled_normalised_nchw_batches_of_64(mnist):
    images, labels = next(iter(seed_loader(mnist.train_images[:256], mnist.train_labels[:256])))
    assert images.shape == (64, 1, 28, 28) and images.is_contiguous() and labels.shape == (64,)
    assert images.min().item() == pytest.approx(-MEAN / STD, abs=1e-5)  # background after Normalize
    assert not np.array_equal(labels.numpy(), mnist.train_labels[:64])  # shuffled


def test_shah_cnn_pool_first_forward_equals_the_table_order_in_values_and_gradients():
    torch.manual_seed(0)
    model, x = ShahCNN(), torch.randn(8, 1, 28, 28)
    fast = model(x)
    fast.sum().backward()
    fast_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    table = model.classifier(model.features(x))  # conv → ReLU → pool, as Table 1 lists the layers
    table.sum().backward()
    assert torch.equal(fast, table)
    assert all(torch.equal(g, p.grad) for g, p in zip(fast_grads, model.parameters(), strict=True))
