"""Stands in for an old third-party dependency that warns when imported."""

import warnings

warnings.warn(
    "legacy_units.to_cents() is deprecated; use decimal arithmetic",
    DeprecationWarning,
    stacklevel=2,
)


def to_cents(amount: float) -> int:
    return round(amount * 100)
