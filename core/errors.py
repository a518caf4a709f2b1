"""The one exception type that pages turn into a clear on-page message."""


class InputError(ValueError):
    """A value the user chose makes the computation impossible; the message names the problem.

    Core functions raise it for bad input (impossible sizes, probabilities that do not sum to one, an
    empty selection, ...). Pages catch exactly this type and show ``str(error)``; anything else is a bug
    and is allowed to surface in tests.
    """
