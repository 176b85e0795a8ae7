"""The embedded default: SQLite in the data folder, a generated secret key, debug on.

Used when nothing is configured, e.g. by the README's quick start.
"""

from .base import *  # noqa: F403
from .base import _secret_key_from_data_dir, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or _secret_key_from_data_dir()  # noqa: F405
