"""The gradient lab's numbers: exact Jacobian norms, Π f, readouts, knobs, and the `gradients` command."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lstm_tui import cli
from lstm_tui.analysis import gradient_flow as gradients
from lstm_tui.analysis.gradient_flow import (
    GradientSettings,
    clip,
    compare,
    forget_product,
    input_jacobian_norms,
    random_sequence,
    readouts,
    recurrent_blocks,
    set_forget_bias,
    set_spectral_radius,
    spectral_radii,
)
from lstm_tui.errors import UserError
from lstm_tui.model import CELLS, PRINTABLE_ASCII, CharModel, Vocabulary, build_cell
from lstm_tui.model.stack import Stack

T, INPUT, HIDDEN = 6, 4, 3


def final_h(cell, inputs):
    return cell.forward(inputs).state["h"]


def finite_difference_jacobian(cell, inputs, eps=1e-6):
    """∂h_T/∂x_t by central differences: (T, H, D)."""
    jacobian = np.zeros((len(inputs), cell.hidden_size, cell.input_size))
    for t, d in np.ndindex(inputs.shape):
        saved = inputs[t, d]
        inputs[t, d] = saved + eps
        plus = final_h(cell, inputs)
        inputs[t, d] = saved - eps
        minus = final_h(cell, inputs)
        inputs[t, d] = saved
        jacobian[t, :, d] = (plus - minus) / (2 * eps)
    return jacobian


def exact_norms(cell, inputs):
    return input_jacobian_norms(cell, cell.forward(inputs))


# --- exactness -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CELLS))
def test_norms_match_finite_differences(name, rng):
    cell = build_cell(name, INPUT, HIDDEN, seed=11)
    if recurrent_blocks(cell):  # cells whose recurrence has no weight matrix (minGRU, RG-LRU, …) stay as built
        set_spectral_radius(cell, 1.5)  # large enough that distant inputs still matter to h_T
    inputs = rng.normal(size=(T, INPUT))
    expected = np.linalg.norm(finite_difference_jacobian(cell, inputs), axis=(1, 2))
    assert np.all(expected > 1e-8)  # every position contributes, so the comparison is not 0 ≈ 0
    np.testing.assert_allclose(exact_norms(cell, inputs), expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "mgu"])
def test_chunked_directions_give_the_same_norms(name, rng, monkeypatch):
    cell = build_cell(name, INPUT, 5, seed=2)
    inputs = rng.normal(size=(T, INPUT))
    whole = exact_norms(cell, inputs)
    monkeypatch.setattr(gradients, "CHUNK_ELEMENTS", 1)  # one output direction per backward pass
    np.testing.assert_allclose(exact_norms(cell, inputs), whole, rtol=1e-12)


TORCH_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TORCH_MODULES))
def test_norms_match_torch_autograd_jacobians(name, rng):
    torch = pytest.importorskip("torch", reason="torch is not installed: the autograd comparison needs it")
    hidden, length = 8, 12
    cell = build_cell(name, INPUT, hidden, seed=5)
    set_spectral_radius(cell, 1.2)
    module = getattr(torch.nn, TORCH_MODULES[name])(INPUT, hidden).double()
    with torch.no_grad():
        for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(module, f"{key}_l0").copy_(torch.from_numpy(cell.params[key]))
    inputs = rng.normal(size=(length, INPUT))

    def last_hidden(x):
        return module(x.unsqueeze(1))[0][-1, 0]

    jacobian = torch.autograd.functional.jacobian(last_hidden, torch.from_numpy(inputs))  # (H, T, D)
    expected = torch.linalg.norm(jacobian, dim=(0, 2)).numpy()
    np.testing.assert_allclose(exact_norms(cell, inputs), expected, rtol=1e-10)


def test_forget_product_is_the_product_of_later_forget_gates(rng):
    cell = build_cell("lstm", INPUT, HIDDEN, seed=1)
    result = cell.forward(rng.normal(size=(T, INPUT)))
    forget = result.trace["f"]
    product = forget_product(cell, result)
    for t in range(T):
        np.testing.assert_allclose(product[t], np.prod(forget[t + 1 :], axis=0), rtol=1e-12)
    assert np.all(product[-1] == 1.0)


def test_cells_without_a_cell_state_have_no_forget_product(rng):
    for name in ("rnn", "gru", "mgu"):  # MGU has an f gate but no cell state c
        cell = build_cell(name, INPUT, HIDDEN)
        assert forget_product(cell, cell.forward(rng.normal(size=(T, INPUT)))) is None


def test_slstm_forget_product_is_that_of_sigma_f_not_of_the_stabilised_f(rng):
    """sLSTM's stabilised f is σ(f̃)·exp(m₋₁ − m): Π f<½ reads the stabiliser's rescaling as forgetting. Without
    the stabiliser (m = 0) f is σ(f̃) itself, the factor the product must hold either way."""
    cell = build_cell("slstm", INPUT, HIDDEN, seed=1)
    inputs = 3.0 * rng.normal(size=(T, INPUT))
    result = cell.forward(inputs)
    plain = build_cell("slstm", INPUT, HIDDEN, params=cell.params, stabilised=False)
    sigma_f = plain.forward(inputs).trace["f"]
    product = forget_product(cell, result)
    for t in range(T):
        np.testing.assert_allclose(product[t], np.prod(sigma_f[t + 1 :], axis=0), rtol=1e-10)
    stabilised = np.prod(result.trace["f"][1:], axis=0)
    assert np.max(np.abs(stabilised - product[0])) > 1e-3  # the stabilised f alone would misread it


# --- vanishing and exploding ---------------------------------------------------------------------------
def rnn_on_long_sequence(radius):
    settings = GradientSettings(cells=("rnn",), length=1000, spectral_radius=radius, seed=3)
    return compare(settings)[1]["rnn"]


def test_rnn_gradients_vanish_at_spectral_radius_half():
    result = rnn_on_long_sequence(0.5)
    r = result.readouts
    assert r.vanish_distance is not None and r.vanish_distance < 100
    assert r.explode_distance is None
    assert r.growth_per_step < 0.7
    norms_by_distance = result.norms[::-1]
    assert norms_by_distance[r.vanish_distance] < 1e-6 * norms_by_distance[0]
    assert np.all(norms_by_distance[: r.vanish_distance] >= 1e-6 * norms_by_distance[0])


def test_rnn_gradients_explode_at_spectral_radius_two():
    result = rnn_on_long_sequence(2.0)
    r = result.readouts
    assert r.explode_distance is not None
    assert r.vanish_distance is None
    assert r.growth_per_step > 1.05
    norms_by_distance = result.norms[::-1]
    assert norms_by_distance[-1] > 1e20 * norms_by_distance[0]


def test_a_large_forget_bias_lengthens_the_lstm_memory():
    def lstm(bias):
        settings = GradientSettings(cells=("lstm",), length=300, forget_bias=bias, spectral_radius=1.0)
        return compare(settings)[1]["lstm"].readouts

    short, long = lstm(-3.0), lstm(5.0)
    assert short.half_life is not None and short.half_life <= 2
    assert long.half_life is None or long.half_life > 50
    assert long.growth_per_step > short.growth_per_step


# --- readouts ----------------------------------------------------------------------------------------------
def by_distance_to_t(values):
    return np.asarray(values, dtype=float)[::-1]  # the readouts take norms indexed by t = T − 1 − d


def test_readouts_of_a_geometric_decay():
    r = readouts(by_distance_to_t(0.5 ** np.arange(40)))
    assert r.vanish_distance == 20  # 0.5**19 ≈ 1.9e-6, 0.5**20 ≈ 9.5e-7
    assert r.explode_distance is None
    assert r.growth_per_step == pytest.approx(0.5, rel=1e-12)


def test_readouts_of_a_geometric_growth():
    r = readouts(by_distance_to_t(3.0 * 2.0 ** np.arange(40)))
    assert r.explode_distance == 20  # 2**20 ≈ 1.05e6 is the first power of two above 1e6
    assert r.vanish_distance is None
    assert r.growth_per_step == pytest.approx(2.0, rel=1e-12)


def test_readouts_when_nothing_happens_within_the_sequence():
    r = readouts(np.ones(50))
    assert (r.vanish_distance, r.explode_distance) == (None, None)
    assert r.growth_per_step == pytest.approx(1.0)


def test_underflowed_norms_are_left_out_of_the_fit():
    values = 0.1 ** np.arange(10.0)
    values[6:] = 0.0  # underflow
    r = readouts(by_distance_to_t(values))
    assert r.vanish_distance == 6  # 0 < 1e-6 × the start counts as vanished: the first d is 6
    assert r.growth_per_step == pytest.approx(0.1, rel=1e-12)


def test_half_life_of_a_constant_forget_gate():
    forget_by_t = np.full((30, 4), 0.8)
    r = readouts(np.ones(30), forget_by_t ** np.arange(30)[::-1, None])
    assert r.half_life == 4  # 0.8**3 = 0.512, 0.8**4 = 0.41


def test_clipping_scales_the_whole_gradient_to_the_threshold():
    norms = np.array([3.0, 4.0])
    clipped = clip(norms, 1.0)
    assert clipped.before == pytest.approx(5.0)
    assert clipped.after == pytest.approx(1.0)
    assert clipped.factor == pytest.approx(0.2)
    unclipped = clip(norms, 10.0)
    assert unclipped.after == unclipped.before == pytest.approx(5.0)
    with pytest.raises(UserError):
        clip(norms, 0.0)


# --- knobs -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["rnn", "lstm", "lstm-nig", "lstm-fgr", "gru", "gru3", "mgu", "mut1", "mut3"])
def test_spectral_radius_is_set_on_every_recurrent_block_and_nothing_else(name):
    cell = build_cell(name, INPUT, 6, seed=4)
    before = {key: value.copy() for key, value in cell.params.items()}
    set_spectral_radius(cell, 1.3)
    blocks = recurrent_blocks(cell)
    assert blocks
    for param, rows in blocks.values():
        eigenvalues = np.linalg.eigvals(cell.params[param][rows])
        assert np.max(np.abs(eigenvalues)) == pytest.approx(1.3, rel=1e-10)
    assert list(spectral_radii(cell).values()) == pytest.approx([1.3] * len(blocks), rel=1e-10)
    rescaled = {param for param, _ in blocks.values()}
    for key, value in cell.params.items():
        if key not in rescaled:
            np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_block_labels_name_the_gates():
    assert list(recurrent_blocks(build_cell("lstm", 2, 3))) == ["i", "f", "g", "o"]
    assert list(recurrent_blocks(build_cell("lstm-nig", 2, 3))) == ["f", "g", "o"]
    assert list(recurrent_blocks(build_cell("gru", 2, 3))) == ["r", "z", "n"]
    assert list(recurrent_blocks(build_cell("gru3", 2, 3))) == ["n"]
    assert list(recurrent_blocks(build_cell("mut1", 2, 3))) == ["r", "n"]
    assert list(recurrent_blocks(build_cell("rnn", 2, 3))) == ["h"]


def test_forget_bias_sets_the_effective_bias_of_learned_forget_gates_only():
    lstm = build_cell("lstm", INPUT, HIDDEN)
    set_forget_bias(lstm, -2.5)
    rows = lstm.rows["f"]
    np.testing.assert_array_equal(lstm.params["bias_ih"][rows] + lstm.params["bias_hh"][rows], -2.5)
    for name in ("rnn", "gru", "mgu", "lstm-nfg", "lstm-cifg"):
        cell = build_cell(name, INPUT, HIDDEN)
        before = {key: value.copy() for key, value in cell.params.items()}
        set_forget_bias(cell, 4.0)
        for key, value in cell.params.items():
            np.testing.assert_array_equal(value, before[key], err_msg=f"{name}: {key}")


def test_knobs_never_modify_the_model_they_are_given():
    model = CharModel.random("lstm", hidden_size=8, seed=1)
    before = {key: value.copy() for key, value in model.cell.params.items()}
    compare(GradientSettings(length=20, spectral_radius=2.0, forget_bias=-3.0), model)
    for key, value in model.cell.params.items():
        np.testing.assert_array_equal(value, before[key])


def test_random_sequence_is_seeded_and_drawn_from_the_vocabulary():
    vocab = Vocabulary(PRINTABLE_ASCII)
    text = random_sequence(vocab, 500, seed=7)
    assert len(text) == 500 and set(text) <= set(vocab.chars)
    assert random_sequence(vocab, 500, seed=7) == text
    assert random_sequence(vocab, 500, seed=8) != text
    assert len(set(text)) > 80  # uniform over 96 characters: nearly all of them appear in 500 draws


def test_text_input_is_one_hot_of_the_text():
    text, results = compare(GradientSettings(cells=("rnn",), text="hello"))
    assert text == "hello"
    cell = build_cell("rnn", len(PRINTABLE_ASCII), 32, seed=0)
    expected = exact_norms(cell, Vocabulary(PRINTABLE_ASCII).one_hot("hello"))
    np.testing.assert_allclose(results["rnn"].norms, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "settings",
    [
        dict(length=9),
        dict(length=1001),
        dict(hidden_size=0),
        dict(spectral_radius=0.4),
        dict(spectral_radius=2.1),
        dict(forget_bias=-3.5),
        dict(forget_bias=5.5),
        dict(clip_threshold=0.0),
        dict(text=""),
        dict(text="x" * 1001),
        dict(cells=()),
        dict(cells=("rnn", "rnn")),
        dict(cells=("lstm", "nope")),
    ],
)
def test_settings_out_of_range_are_user_errors(settings):
    with pytest.raises(UserError):
        GradientSettings(**settings)


# --- the command ---------------------------------------------------------------------------------------------
@pytest.fixture
def run_cli(monkeypatch, capsys):
    """cli.main with only this command registered, so the test does not depend on the other commands."""
    monkeypatch.setattr(cli, "COMMANDS", ("gradients",))

    def run(*args):
        code = cli.main(["gradients", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_gradients_is_a_registered_command():
    assert "gradients" in cli.COMMANDS


def test_json_shape(run_cli):
    code, out, err = run_cli("--length", "40", "--hidden", "8", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data["cells"]) == ["rnn", "lstm", "gru"]
    for name, entry in data["cells"].items():
        assert len(entry["norms"]) == 40
        assert all(isinstance(value, float) and value > 0 for value in entry["norms"])
        assert ("forget_product_mean" in entry) == (name == "lstm")
    _, results = compare(GradientSettings(length=40, hidden_size=8))
    np.testing.assert_allclose(data["cells"]["gru"]["norms"], results["gru"].norms, rtol=1e-15)
    assert data["input"]["source"] == "random" and len(data["input"]["text"]) == 40


def test_json_with_text_and_knobs(run_cli):
    code, out, _ = run_cli(
        "--cells",
        "lstm,mgu",
        "--text",
        "hello, world",
        "--scale",
        "1.5",
        "--forget-bias",
        "2",
        "--seed",
        "4",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert list(data["cells"]) == ["lstm", "mgu"]
    assert len(data["cells"]["mgu"]["norms"]) == len("hello, world")
    assert data["cells"]["lstm"]["spectral_radii"] == {gate: pytest.approx(1.5) for gate in "ifgo"}
    assert data["settings"]["forget_bias"] == 2.0


def test_table_prints_readouts_and_a_plot(run_cli):
    code, out, _ = run_cli("--length", "60", "--hidden", "8")
    assert code == 0
    assert "\x1b[" not in out  # not a terminal: no colour codes
    lines = out.splitlines()
    assert lines[0].startswith("T = 60 random")
    assert [line.split()[0] for line in lines[2:5]] == ["rnn", "lstm", "gru"]
    assert "‖∂h_T/∂x_t‖" in out and "┤" in out  # the plot's title and y axis
    # without colours each curve is drawn with its number, and the legend (above the plot) says which
    legend = lines[lines.index(next(line for line in lines if line.startswith("‖∂h_T"))) + 1]
    assert legend == "1 rnn  2 lstm  3 lstm Πf  4 gru"
    plot = "\n".join(lines[lines.index(legend) + 1 :])
    assert all(number in plot for number in "1234") and "rnn" not in plot  # no legend over the curves


def test_under_no_color_a_terminal_gets_numbered_curves_too(run_cli, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, _ = run_cli("--length", "60", "--hidden", "8")
    assert code == 0 and "\x1b[" not in out and "1 rnn  2 lstm" in out


def test_weights_file_supplies_cell_and_vocabulary(run_cli, tmp_path):
    from lstm_tui.model.weights import save_model

    model = CharModel(build_cell("gru", 3, 5, seed=2), Vocabulary("abc"))
    path = tmp_path / "tiny.npz"
    save_model(model, path)
    code, out, _ = run_cli("--weights", str(path), "--text", "abcab", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data["cells"]) == ["gru"]
    _, expected = compare(GradientSettings(text="abcab"), model)
    np.testing.assert_allclose(data["cells"]["gru"]["norms"], expected["gru"].norms, rtol=1e-15)


@pytest.mark.parametrize(
    "args",
    [
        ["--length", "5"],
        ["--length", "ten"],
        ["--text", "abc", "--length", "20"],
        ["--text", ""],
        ["--cells", "rnn,nope"],
        ["--cells", ""],
        ["--scale", "3"],
        ["--scale", "inf"],
        ["--forget-bias", "x"],
        ["--hidden", "2.5"],
        ["--seed", "-1"],
        ["--clip", "-1"],
        ["--format", "xml"],
        ["--weights", "/nonexistent/model.npz"],
        ["--weights", "/nonexistent/model.npz", "--cells", "rnn"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_cli, args):
    code, out, err = run_cli(*args)
    assert code == 2
    assert out == ""
    assert err.startswith("lstm-tui: ") and err.count("\n") == 1


def test_json_output_loads_no_terminal_library():
    code = (
        "import sys\n"
        "from lstm_tui import cli\n"
        "cli.COMMANDS = ('gradients',)\n"
        "cli.main(['gradients', '--length', '10', '--hidden', '4', '--format', 'json'])\n"
        "print(sorted(name for name in ('textual', 'rich', 'plotext') if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[0])["cells"]
    assert done.stdout.splitlines()[-1] == "[]"


# --- stacked and bidirectional models ------------------------------------------------------------------------
def finite_difference_output_jacobian(stack, inputs, eps=1e-6):
    """∂y_{T−1}/∂x_t by central differences (y the top layer's output): (T, outputs, D)."""
    jacobian = np.zeros((len(inputs), stack.output_size, stack.input_size))
    for t, d in np.ndindex(inputs.shape):
        saved = inputs[t, d]
        inputs[t, d] = saved + eps
        plus = stack.forward(inputs).output[-1]
        inputs[t, d] = saved - eps
        minus = stack.forward(inputs).output[-1]
        inputs[t, d] = saved
        jacobian[t, :, d] = (plus - minus) / (2 * eps)
    return jacobian


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "lstm-fgr", "mut1"])
def test_stack_norms_match_finite_differences(name, bidirectional, rng):
    stack = gradients.prepare_stack(
        Stack.build(name, INPUT, HIDDEN, num_layers=2, bidirectional=bidirectional, seed=11),
        GradientSettings(spectral_radius=1.5),
    )
    inputs = rng.normal(size=(T, INPUT))
    expected = np.linalg.norm(finite_difference_output_jacobian(stack, inputs), axis=(1, 2))
    assert np.all(expected > 1e-8)
    np.testing.assert_allclose(input_jacobian_norms(stack, stack.forward(inputs)), expected, rtol=1e-6)


def test_stack_norms_in_chunks_are_the_same(rng, monkeypatch):
    stack = Stack.build("gru", INPUT, 5, num_layers=3, bidirectional=True, seed=2)
    inputs = rng.normal(size=(T, INPUT))
    whole = input_jacobian_norms(stack, stack.forward(inputs))
    monkeypatch.setattr(gradients, "CHUNK_ELEMENTS", 1)
    np.testing.assert_allclose(input_jacobian_norms(stack, stack.forward(inputs)), whole, rtol=1e-12)


def test_a_one_layer_stack_gives_the_cells_norms(rng):
    cell = build_cell("lstm", INPUT, HIDDEN, seed=3)
    inputs = rng.normal(size=(T, INPUT))
    stack = Stack([[cell]])
    np.testing.assert_array_equal(input_jacobian_norms(stack, stack.forward(inputs)), exact_norms(cell, inputs))


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TORCH_MODULES))
def test_stack_norms_match_torch_autograd_jacobians(name, rng):
    torch = pytest.importorskip("torch", reason="torch is not installed: the autograd comparison needs it")
    from tests.helpers import stack_from_state_dict

    torch.manual_seed(8)
    module = getattr(torch.nn, TORCH_MODULES[name])(INPUT, 6, num_layers=2, bidirectional=True).double()
    stack = stack_from_state_dict(name, {k: v.detach().numpy() for k, v in module.state_dict().items()})
    inputs = rng.normal(size=(12, INPUT))

    def last_output(x):
        return module(x)[0][-1]

    jacobian = torch.autograd.functional.jacobian(last_output, torch.from_numpy(inputs))  # (2H, T, D)
    expected = torch.linalg.norm(jacobian, dim=(0, 2)).numpy()
    np.testing.assert_allclose(input_jacobian_norms(stack, stack.forward(inputs)), expected, rtol=1e-10)


def test_compare_builds_stacks_from_the_settings():
    settings = GradientSettings(length=30, hidden_size=6, layers=2, bidirectional=True)
    _, results = compare(settings)
    _, flat = compare(GradientSettings(length=30, hidden_size=6))
    for name, result in results.items():
        assert (result.num_layers, result.bidirectional) == (2, True)
        assert len(result.norms) == 30 and not np.allclose(result.norms, flat[name].norms)
    with pytest.raises(UserError, match="layers must be between 1 and 4, not 5"):
        GradientSettings(layers=5)


def test_json_of_a_stacked_comparison(run_cli):
    code, out, _ = run_cli("--length", "20", "--hidden", "4", "--layers", "2", "--bidirectional", "--format", "json")
    assert code == 0
    data = json.loads(out)
    _, results = compare(GradientSettings(length=20, hidden_size=4, layers=2, bidirectional=True))
    for name, entry in data["cells"].items():
        assert entry["layers"] == 2 and entry["bidirectional"] is True
        np.testing.assert_allclose(entry["norms"], results[name].norms, rtol=1e-15)
    code, out, _ = run_cli("--length", "20", "--hidden", "4", "--layers", "3")
    assert out.splitlines()[0] == "T = 20 random (seed 0), H = 4, 3 layers, ρ(W_hh) as built, forget bias as built"
