"""No subcommand: open the app on the last lesson read (or lesson 1), beside the live panel."""

from __future__ import annotations

HELP = "open the app"


def add_arguments(parser) -> None:
    """The home command takes no options of its own."""


def run(args) -> int:
    from .sources import curriculum_from, progress_for

    curriculum = curriculum_from(args)  # a missing or broken lesson is a one-line error before the screen opens
    from ..app import LstmApp, ascii_wanted

    app = LstmApp(
        mode="lessons",
        curriculum=curriculum,
        progress=progress_for(args, curriculum),
        ascii_mode=ascii_wanted(args),
        light=args.light,
        export_dir=args.export_dir,
    )
    return app.run_or_raise(mouse=not args.no_mouse)
