"""Taawun: the platform on which technology cooperatives run themselves."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("taawun")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
