"""Screens of the app: each composes widgets and owns its key bindings."""
