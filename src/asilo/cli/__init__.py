"""The ``asilo`` command line (typer + rich)."""
