"""``python -m videotools`` is the ``videotools`` command."""

from .cli import main

if __name__ == "__main__":
    main()
