"""Hài Lòng: citizen-satisfaction surveys, administrative-reform scoring and their publication."""

__version__ = "0.1.0"
