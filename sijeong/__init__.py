"""sijeong: an archive of the Gwangju city government's 시정소식 board."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sijeong")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
