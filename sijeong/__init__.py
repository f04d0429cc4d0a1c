"""sijeong: an archive of the Gwangju city government's 시정소식 board.

`sijeong.__version__` is looked up in the installed distribution's metadata on first use only:
importing `importlib.metadata` (and the email parser it brings) costs every command ~25 ms,
and only `--version` and a dump's manifest need it.

It owns the command line: `sijeong`'s commands are thin Click layers over the packages'
functions, each imported when its command runs (`cli.LazyGroup`).

Of this project it imports: `archive`, `common`, `crawler`, `replica`, `scheduler`, `safehtml`.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("sijeong")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
