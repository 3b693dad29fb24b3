"""The one exception type whose message is meant for the user: the CLI prints it on one line, exit 2."""


class UserError(ValueError):
    """Bad input from the user (a file, an option, a name): a clear message, never a traceback."""
