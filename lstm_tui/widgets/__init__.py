"""Widgets of the live panel. Each draws one thing from a ``Session``; none runs the model."""
