"""The private hooks of Textual, textual-serve, textual-plotext and plotext that lstm-tui relies on: the reason
their versions are pinned exactly in pyproject.toml. One place lists them all, and this test fails by name
when an upgrade removes one (then read the code at the place given before changing the pin).

* textual `App._handle_exception` (overridden; lstm_tui/app.py): keep an uncaught error for the crash log
  instead of a traceback on stderr; `App._exit_renderables` (app.py): clear the traceback printed on exit.
* textual `Input._watch_selection` (overridden; lstm_tui/widgets/text_input.py): page in half widths, fewer
  bytes per key; `Input._on_paste`: keep every pasted character; `Input._position_to_cell` and
  `Input._cell_offset_to_index`: one cell per character (the panel shows glyphs).
* textual `textual._slug` (its rules mirrored in lstm_tui/curriculum.py): lesson anchors equal Markdown's.
* textual `App._notifications` (tests of the unit finder and the lesson screen): the notices shown.
* textual-serve `AppService._process` (lstm_tui/web_server.py): end a stuck app process.
* textual-plotext `PlotextPlot._get_plotext_theme_name`, `_register_theme`, and plotext `_limit_size`,
  `_set_size`, `_build_matrix`, `plotext._dict.themes`, `plotext._utility` (all in
  lstm_tui/widgets/plotext_canvas.py): plots drawn from plotext's character matrix, sized to the widget,
  in the app's theme.
"""

import importlib
import inspect

import pytest

# (module, attribute path, name that must be defined there or appear in its source)
HOOKS = [
    ("textual.app", "App", "_handle_exception"),
    ("textual.app", "App", "_exit_renderables"),
    ("textual.app", "App", "_notifications"),
    ("textual.widgets._input", "Input", "_watch_selection"),
    ("textual.widgets._input", "Input", "_on_paste"),
    ("textual.widgets._input", "Input", "_position_to_cell"),
    ("textual.widgets._input", "Input", "_cell_offset_to_index"),
    ("textual._slug", None, "slug"),
    ("textual_serve.app_service", "AppService", "_process"),
    ("textual_plotext", "PlotextPlot", "_get_plotext_theme_name"),
    ("textual_plotext", "PlotextPlot", "_register_theme"),
    ("plotext._figure", "_figure_class", "_limit_size"),
    ("plotext._figure", "_figure_class", "_set_size"),
    ("plotext._figure", "_figure_class", "_build_matrix"),
    ("plotext._dict", None, "themes"),
    ("plotext._utility", None, "colors_to_ansi"),
]


@pytest.mark.parametrize("module_name, owner, name", HOOKS, ids=[f"{m}.{o or ''}.{n}" for m, o, n in HOOKS])
def test_each_private_hook_is_still_there(module_name, owner, name):
    module = importlib.import_module(module_name)
    target = getattr(module, owner) if owner else module
    # methods and module names are attributes; attributes set in __init__ show in the class's source
    assert hasattr(target, name) or name in inspect.getsource(target), f"{module_name}.{owner}.{name} is gone"
