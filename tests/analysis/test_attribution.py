"""Attribution: ‖∂ log p(c)/∂x_t‖ and ‖∂y_s/∂x_t‖ against finite differences and torch.autograd (a fixture
made by tests/fixtures/make_torch_fixtures.py, and live under the ``torch`` marker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstm_tui.analysis.attribution import attribute
from lstm_tui.model import CharModel, Vocabulary
from lstm_tui.model.charmodel import LiveRun
from lstm_tui.model.numerics import softmax

from ..helpers import stack_from_state_dict

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "torch" / "attribution.npz"
TEXT = "abcadbcbeea"


def log_probabilities(model, inputs, step):
    logits = model.logits(model.stack.forward(inputs).output[step])
    return np.log(softmax(logits))


def finite_difference_norms(function, inputs, eps=1e-6):
    """‖∂f/∂x_t‖ (f vector or scalar) by central differences over every component of every x_t."""
    squares = np.zeros(len(inputs))
    for t, d in np.ndindex(inputs.shape):
        saved = inputs[t, d]
        inputs[t, d] = saved + eps
        plus = function(inputs)
        inputs[t, d] = saved - eps
        minus = function(inputs)
        inputs[t, d] = saved
        squares[t] += np.sum(((plus - minus) / (2 * eps)) ** 2)
    return np.sqrt(squares)


SHAPES = [(1, False), (2, False), (1, True), (2, True)]
SHAPE_IDS = ["1", "2", "1-bi", "2-bi"]


@pytest.mark.parametrize("layers, bidirectional", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "lstm-peephole", "mgu"])
def test_log_probability_attribution_matches_finite_differences(name, layers, bidirectional):
    model = CharModel.random(
        name, 4, seed=6, vocab="abcde", output_layer=True, num_layers=layers, bidirectional=bidirectional
    )
    run = model.run(TEXT)
    step = 6
    result = attribute(model, run.stack, step)
    assert result.target == int(np.argmax(run.probabilities[step]))
    assert result.probability == pytest.approx(run.probabilities[step].max(), rel=1e-12)
    inputs = model.vocab.one_hot(TEXT)
    expected = finite_difference_norms(lambda x: log_probabilities(model, x, step)[result.target], inputs)
    assert np.all(expected[: step + 1] > 1e-9)  # every character up to the step counts, so 0 ≈ 0 proves nothing
    np.testing.assert_allclose(result.norms, expected, rtol=1e-6, atol=1e-10)
    if bidirectional:
        assert np.all(result.norms[step + 1 :] > 1e-9)  # the reverse direction has read the rest
    else:
        assert not result.norms[step + 1 :].any()  # exactly zero: those characters come later


@pytest.mark.parametrize("layers, bidirectional", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_state_attribution_without_an_output_layer_matches_finite_differences(name, layers, bidirectional):
    model = CharModel.random(name, 4, seed=2, vocab="abcde", num_layers=layers, bidirectional=bidirectional)
    step = 7
    result = attribute(model, model.run(TEXT).stack, step)
    assert result.target is None and result.probability is None
    expected = finite_difference_norms(lambda x: model.stack.forward(x).output[step], model.vocab.one_hot(TEXT))
    np.testing.assert_allclose(result.norms, expected, rtol=1e-6, atol=1e-10)
    assert result.quantity(model) == ("‖∂h/∂x_t‖" if (layers, bidirectional) == (1, False) else "‖∂y/∂x_t‖")


def test_a_chosen_target():
    model = CharModel.random("lstm", 4, seed=6, vocab="abcde", output_layer=True)
    run = model.run(TEXT)
    chosen = int(np.argmin(run.probabilities[4]))
    result = attribute(model, run.stack, 4, target=chosen)
    assert result.target == chosen and result.probability == pytest.approx(run.probabilities[4].min())
    expected = finite_difference_norms(lambda x: log_probabilities(model, x, 4)[chosen], model.vocab.one_hot(TEXT))
    np.testing.assert_allclose(result.norms, expected, rtol=1e-6, atol=1e-10)
    assert result.quantity(model) == f"‖∂ log p({model.vocab.chars[chosen]!r})/∂x_t‖"
    with pytest.raises(ValueError, match="not a vocabulary index"):
        attribute(model, run.stack, 4, target=5)
    with pytest.raises(ValueError, match="outside the run's 11 steps"):
        attribute(model, run.stack, 11)


def test_a_live_run_gives_the_same_attribution():
    """The panel attributes from ``LiveRun.result()`` (steps kept from earlier keys), not a fresh run."""
    for bidirectional in (False, True):
        model = CharModel.random("gru", 6, seed=1, output_layer=True, num_layers=2, bidirectional=bidirectional)
        live = LiveRun(model, 32)
        for end in range(1, len(TEXT) + 1):
            live.set_text(TEXT[:end])
        fresh = attribute(model, model.run(TEXT).stack, 9)
        kept = attribute(model, live.result(), 9)
        assert kept.target == fresh.target
        np.testing.assert_allclose(kept.norms, fresh.norms, rtol=1e-12, atol=1e-15)


# --- torch.autograd ------------------------------------------------------------------------------------------
def model_from_torch(cell_name, weights, weight_out, bias_out, vocab):
    stack = stack_from_state_dict(cell_name, weights)
    return CharModel(stack, Vocabulary(vocab), {"weight_out": np.asarray(weight_out), "bias_out": np.asarray(bias_out)})


def load_case(cell_name, case):
    with np.load(FIXTURE, allow_pickle=False) as data:
        prefix = f"{cell_name}/{case}/"
        values = {name[len(prefix) :]: data[name] for name in data.files if name.startswith(prefix)}
        return values, str(data["vocab"]), str(data["text"])


def check_against_reference(cell_name, values, vocab, text):
    weights = {k: v for k, v in values.items() if k.startswith(("weight_", "bias_")) and not k.endswith("_out")}
    model = model_from_torch(cell_name, weights, values["weight_out"], values["bias_out"], vocab)
    run = model.run(text)
    step = int(values["step"])
    result = attribute(model, run.stack, step)
    assert result.target == int(values["target"])
    np.testing.assert_allclose(result.norms, values["log_p_norms"], rtol=1e-10, atol=1e-14)
    without_output = CharModel(model.stack, model.vocab)
    np.testing.assert_allclose(
        attribute(without_output, run.stack, step).norms, values["output_norms"], rtol=1e-10, atol=1e-14
    )


@pytest.mark.parametrize("case", ["layers1", "layers2_bi"])
@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
def test_matches_torch_autograd_fixture(cell_name, case):
    values, vocab, text = load_case(cell_name, case)
    assert np.all(values["log_p_norms"][: int(values["step"]) + 1] > 0)
    check_against_reference(cell_name, values, vocab, text)


def test_a_changed_output_weight_breaks_the_fixture_comparison():
    values, vocab, text = load_case("lstm", "layers1")
    values["weight_out"] = values["weight_out"].copy()
    values["weight_out"][int(values["target"]), 0] += 1e-6
    with pytest.raises(AssertionError):
        check_against_reference("lstm", values, vocab, text)


@pytest.mark.torch
@pytest.mark.parametrize(
    "shape",
    [(1, False, 14), (3, False, 5), (2, True, 0), (3, True, 9)],
    ids=["1-last", "3-mid", "2-bi-first", "3-bi-mid"],
)
@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
def test_matches_live_torch_autograd(cell_name, shape):
    pytest.importorskip("torch", reason="torch not installed: pip install torch==2.13.0 (CPU) for live parity")
    import torch

    from tests.fixtures import make_torch_fixtures as make

    layers, bidirectional, step = shape
    vocab, text = "abcdefgh", "hgfedcbaabcdefh"
    module = make.build_stack_module(cell_name, len(vocab), 5, layers, bidirectional, seed=77 + step)
    generator = torch.Generator().manual_seed(step)
    width = (2 if bidirectional else 1) * 5
    weight_out = torch.randn(len(vocab), width, generator=generator, dtype=torch.float64).numpy()
    bias_out = torch.randn(len(vocab), generator=generator, dtype=torch.float64).numpy()
    reference = make.attribution_reference(
        module, weight_out, bias_out, [vocab.index(c) for c in text], step, len(vocab)
    )
    values = {
        **make.stack_weights(module),
        "weight_out": weight_out,
        "bias_out": bias_out,
        "step": np.array(step),
        **reference,
    }
    check_against_reference(cell_name, values, vocab, text)
