"""The gradient lab screen under Pilot: keys turn the knobs, and the readouts shown are the lab's numbers."""

from textual.app import App
from textual.widgets import Static

from lstm_tui.analysis.gradient_flow import GradientSettings
from lstm_tui.analysis.gradient_lab import GradientLab, readout_lines, settings_line
from lstm_tui.screens.gradient_lab import GradientLabScreen
from lstm_tui.widgets.gradient_plot import GradientPlot

SMALL = GradientSettings(hidden_size=8, length=50)  # keeps every recomputation quick


class LabApp(App):
    """A bare app showing only the lab screen, as the real app will once it adds the screen."""

    def __init__(self, screen: GradientLabScreen):
        super().__init__()
        self.lab_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.lab_screen)


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(screen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Static).content)


def expected_readouts(settings: GradientSettings, text=None) -> str:
    """The readouts computed independently of the screen, from a fresh lab."""
    return "\n".join(readout_lines(GradientLab(settings, text=text).compute()))


async def press(pilot, *keys):
    for key in keys:
        await pilot.press(key)
    await settle(pilot)


async def test_opens_with_three_cells_and_their_readouts():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        readouts = shown(screen, "gradient-readouts")
        assert readouts == expected_readouts(SMALL)
        assert [line.split()[0] for line in readouts.splitlines()[1:]] == ["rnn", "lstm", "gru"]
        assert shown(screen, "gradient-status") == settings_line(screen.view)
        assert screen.query_one(GradientPlot).view is screen.view


async def test_arrow_keys_turn_the_spectral_radius_and_the_readouts_follow():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "ρ(W_hh)     as built" in shown(screen, "gradient-knobs")
        built = max(screen.lab.built_values("radius"))
        await press(pilot, "right")  # as built → the first rung above it: → raises ρ
        assert screen.lab.settings.spectral_radius > built
        assert screen.lab.settings.spectral_radius - 0.1 < built
        await press(pilot, *["right"] * 16)  # … → 2.0, and no further
        assert screen.lab.settings.spectral_radius == 2.0
        assert "ρ(W_hh)     2.0" in shown(screen, "gradient-knobs")
        readouts = shown(screen, "gradient-readouts")
        assert readouts == expected_readouts(GradientSettings(hidden_size=8, length=50, spectral_radius=2.0))
        # columns: cell, fate (three words), per step, Πf<½, ρ max, clipping
        assert all(line.split()[6] == "2.00" for line in readouts.splitlines()[1:])
        await press(pilot, "left")
        assert screen.lab.settings.spectral_radius == 1.9
        assert screen.view.settings.spectral_radius == 1.9


async def test_down_selects_the_next_knob_and_forget_bias_changes_the_lstm_only():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = {name: result.readouts for name, result in screen.view.cells.items()}
        await press(pilot, "down", "left", "left")  # forget bias: as built (1) → 0.5 → 0
        assert screen.lab.selected_knob == "forget_bias"
        assert screen.lab.built_values("forget_bias") == [1.0]  # the lstm's, as built
        assert screen.lab.settings.forget_bias == 0.0
        after = {name: result.readouts for name, result in screen.view.cells.items()}
        assert after["rnn"] == before["rnn"] and after["gru"] == before["gru"]
        assert after["lstm"].half_life < before["lstm"].half_life
        assert shown(screen, "gradient-readouts") == expected_readouts(
            GradientSettings(hidden_size=8, length=50, forget_bias=0.0)
        )
        await press(pilot, "ctrl+r", "down", "right")  # and → raises it: as built (1) → 1.5
        assert screen.lab.settings.forget_bias == 1.5


async def test_left_from_as_built_lowers_the_radius_and_the_ends_hold():
    screen = GradientLabScreen(GradientSettings(hidden_size=16, length=50))  # built radii 0.64 to 0.73
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert min(screen.lab.built_values("radius")) > 0.6
        await press(pilot, "left")
        assert screen.lab.settings.spectral_radius == 0.6
        await press(pilot, *["left"] * 5)
        assert screen.lab.settings.spectral_radius == 0.5  # the lowest rung holds (ctrl+r: as built)
    screen = GradientLabScreen(SMALL)  # the rnn's radius as built, 0.49, is below every rung
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "left")
        assert screen.lab.settings.spectral_radius is None


async def test_hidden_size_seed_length_and_clipping_knobs():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "down", "down", "right")  # hidden size 8 → 16
        assert screen.lab.settings.hidden_size == 16
        await press(pilot, "down", "right", "right")  # seed 0 → 2
        assert screen.lab.settings.seed == 2
        await press(pilot, "down", "right")  # length 50 → 100
        assert screen.lab.settings.length == 100
        assert len(screen.view.text) == 100
        await press(pilot, "down", "left")  # clipping threshold 1 → 0.1
        assert screen.lab.settings.clip_threshold == 0.1
        assert all(clipping.after == 0.1 for clipping in screen.view.clipping.values())
        expected = GradientSettings(hidden_size=16, seed=2, length=100, clip_threshold=0.1)
        assert shown(screen, "gradient-readouts") == expected_readouts(expected)


async def test_f5_adds_the_chosen_cell_and_f6_removes_it():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "up")  # wraps round to the last knob: the cell to add
        assert screen.lab.selected_knob == "add"
        await press(pilot, "right")
        chosen = screen.lab.candidate
        assert chosen not in ("rnn", "lstm", "gru")
        await press(pilot, "f5")
        assert list(screen.view.cells) == ["rnn", "lstm", "gru", chosen]
        assert shown(screen, "gradient-readouts").splitlines()[-1].split()[0] == chosen
        await press(pilot, "f6", "f6", "f6", "f6")  # the last cell always stays
        assert list(screen.view.cells) == ["rnn"]


async def test_enter_on_add_cell_adds_it_and_elsewhere_does_nothing():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # on ρ: nothing to add
        assert list(screen.view.cells) == ["rnn", "lstm", "gru"]
        await press(pilot, "up")
        chosen = screen.lab.candidate
        await press(pilot, "enter")
        assert list(screen.view.cells) == ["rnn", "lstm", "gru", chosen]


async def test_ctrl_r_restores_the_opening_knobs():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "right", "right", "down", "right")
        assert screen.lab.settings != SMALL
        await press(pilot, "ctrl+r")
        assert screen.lab.settings == SMALL
        assert shown(screen, "gradient-readouts") == expected_readouts(SMALL)


async def test_panel_text_is_the_input_and_can_be_swapped_for_a_random_sequence():
    screen = GradientLabScreen(SMALL, text="hello, world")
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen.view.text == "hello, world"
        assert "input       panel text" in shown(screen, "gradient-knobs")
        screen.set_text("the quick brown fox")
        await settle(pilot)
        assert screen.view.text == "the quick brown fox"
        assert len(screen.view.cells["rnn"].norms) == len("the quick brown fox")
        await press(pilot, "down", "down", "down", "down", "right")  # the input knob
        assert screen.lab.selected_knob == "source"
        assert screen.view.settings.text is None
        assert len(screen.view.text) == 50


async def test_every_key_is_in_the_footer():
    screen = GradientLabScreen(SMALL)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer_keys = {binding.key for (_, binding, enabled, _) in screen.active_bindings.values() if enabled}
        assert {binding.key for binding in GradientLabScreen.BINDINGS if binding.show} <= footer_keys
        assert all(binding.description for binding in GradientLabScreen.BINDINGS)  # F1 lists them all
        # only the two that repeat a footer key (escape as F12, enter as F5 on "add cell") stay out of it
        assert {binding.key for binding in GradientLabScreen.BINDINGS if not binding.show} == {"escape", "enter"}
        assert not any(len(binding.key) == 1 for binding in GradientLabScreen.BINDINGS)  # no bare letters


async def test_clearing_the_panel_text_removes_the_input_knob_safely():
    screen = GradientLabScreen(SMALL, text="abc")
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "up")  # wraps round to the last knob
        assert screen.lab.selected == len(screen.lab.knob_names()) - 1
        screen.set_text("")  # the input knob disappears with the text: one knob fewer
        await settle(pilot)
        assert "source" not in screen.lab.knob_names()
        assert screen.lab.selected_knob == "add"
        assert screen.view.settings.text is None and len(screen.view.text) == 50
        await press(pilot, "up", "right")  # the clipping knob still turns
        assert screen.lab.settings.clip_threshold == 10.0
        assert screen.view.settings == screen.lab.settings


async def test_a_loaded_model_replaces_the_random_cells():
    from lstm_tui.model import CharModel

    model = CharModel.random("lstm-peephole", hidden_size=6, seed=3)
    screen = GradientLabScreen(SMALL, text="peepholes", model=model)
    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert list(screen.view.cells) == ["lstm-peephole"]
        assert screen.view.cells["lstm-peephole"].hidden_size == 6
        assert "hidden" not in screen.lab.knob_names() and "add" not in screen.lab.knob_names()
        await press(pilot, "f5", "f6")  # adding and removing cells does nothing here
        assert list(screen.view.cells) == ["lstm-peephole"]
        assert shown(screen, "gradient-readouts") == "\n".join(
            readout_lines(GradientLab(SMALL, text="peepholes", model=model).compute())
        )


def test_a_stopped_computation_returns_nothing_and_caches_nothing():
    lab = GradientLab(SMALL)
    assert lab.compute(SMALL, should_stop=lambda: True) is None
    assert lab._cache == {}
    assert lab.compute(SMALL, should_stop=lambda: False).settings == SMALL


async def test_an_unexpected_failure_is_shown_not_fatal(monkeypatch):
    screen = GradientLabScreen(SMALL)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    async with LabApp(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(screen.lab, "compute", broken)
        await press(pilot, "right")
        assert shown(screen, "gradient-status") == "cannot compute: RuntimeError: boom"
        assert screen.app.is_running
