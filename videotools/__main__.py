"""``python -m videotools`` is the ``videotools`` command."""

from . import startup

startup.prepare_command()

from .cli import main  # noqa: E402

if __name__ == "__main__":
    main()
