"""Settings modules: ``local`` (the embedded default), ``production`` and ``test``.

Every value comes from the environment; see ``base.py`` for the variables and their defaults.
"""
