"""Parameter declarations and their validation, shared by the flows and the baselines.

A :class:`Constraint` says which values a parameter accepts and, in words, what it must be; the
helpers below build the common ones (integer and real ranges, a list of integers, a set of
options, a bool, "None or ..."). A :class:`Param` declares one parameter: default, constraint and
a line of documentation. :func:`validate_params` checks values against their constraints and
raises a ``ValueError`` naming the parameter, what it must be and the value given.

Estimators declare their constraints in one class-level mapping, in the spirit of
scikit-learn's ``_parameter_constraints``, and call :func:`validate_params` at the start of
``fit``; ``__init__`` only stores the parameters. The mapping is not named
``_parameter_constraints`` because scikit-learn's estimator checks read that name with its own
(private) constraint types.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BOOL",
    "Constraint",
    "Param",
    "constraints_of",
    "integer",
    "integer_list",
    "none_or",
    "one_of",
    "real",
    "validate_params",
]


@dataclass(frozen=True)
class Constraint:
    """The values one parameter accepts.

    Attributes
    ----------
    accepts : callable
        ``accepts(value) -> bool``; never raises.
    description : str
        What an accepted value is, completing "``name`` must be ...", e.g. "an integer >= 1".
    """

    accepts: Callable[[Any], bool]
    description: str


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_finite_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


def integer(*, ge: int) -> Constraint:
    """An integer (not a bool) ``>= ge``."""
    return Constraint(lambda v: _is_integer(v) and v >= ge, f"an integer >= {ge}")


def integer_list(*, ge: int) -> Constraint:
    """A non-empty list or tuple of integers (not bools), each ``>= ge`` (layer widths)."""
    return Constraint(
        lambda v: (
            isinstance(v, list | tuple)
            and len(v) > 0
            and all(_is_integer(item) and item >= ge for item in v)
        ),
        f"a non-empty list of integers >= {ge}",
    )


def real(
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> Constraint:
    """A finite real number (not a bool) within the given bounds.

    At most one lower bound (``gt`` or ``ge``) and one upper bound (``lt`` or ``le``).
    """
    if gt is not None and ge is not None or lt is not None and le is not None:
        raise ValueError("give at most one lower bound (gt, ge) and one upper bound (lt, le)")
    checks: list[Callable[[float], bool]] = []
    if gt is not None:
        checks.append(lambda v: v > gt)
    if ge is not None:
        checks.append(lambda v: v >= ge)
    if lt is not None:
        checks.append(lambda v: v < lt)
    if le is not None:
        checks.append(lambda v: v <= le)
    low, high = (gt if ge is None else ge), (lt if le is None else le)
    if low is not None and high is not None:
        left, right = ("[" if ge is not None else "("), ("]" if le is not None else ")")
        description = f"a real number in {left}{low:g}, {high:g}{right}"
    elif low is not None:
        description = f"a finite real number {'>=' if ge is not None else '>'} {low:g}"
    elif high is not None:
        description = f"a finite real number {'<=' if le is not None else '<'} {high:g}"
    else:
        description = "a finite real number"
    return Constraint(
        lambda v: _is_finite_real(v) and all(check(v) for check in checks), description
    )


def one_of(*values: str) -> Constraint:
    """One of the strings ``values``."""
    if not all(isinstance(v, str) for v in values):
        raise TypeError(f"one_of takes strings, got {values!r}")
    return Constraint(lambda v: isinstance(v, str) and v in values, f"one of {list(values)}")


def none_or(constraint: Constraint) -> Constraint:
    """None, or a value that ``constraint`` accepts."""
    return Constraint(
        lambda v: v is None or constraint.accepts(v), f"None or {constraint.description}"
    )


#: A Python or NumPy bool.
BOOL = Constraint(lambda v: isinstance(v, bool | np.bool_), "a bool")


@dataclass(frozen=True)
class Param:
    """The declaration of one parameter.

    Attributes
    ----------
    default : object
        The value ``__init__`` stores when the parameter is not given; accepted by
        ``constraint``.
    constraint : Constraint or None
        The values :func:`validate_params` accepts; None when the value is checked where it is
        used (a seed, a device, a parameter the wrapped library validates itself).
    doc : str
        One line on what the parameter does and where its default comes from.

    Raises
    ------
    ValueError
        When ``doc`` is empty or ``constraint`` refuses ``default``.
    """

    default: Any
    constraint: Constraint | None
    doc: str

    def __post_init__(self) -> None:
        if not self.doc.strip():
            raise ValueError(f"a parameter declaration needs a doc (default {self.default!r})")
        if self.constraint is not None and not self.constraint.accepts(self.default):
            raise ValueError(
                f"default {self.default!r} is not {self.constraint.description}, as declared"
            )


def constraints_of(params: Mapping[str, Param]) -> dict[str, Constraint | None]:
    """The constraint of each declared parameter, in declaration order."""
    return {name: param.constraint for name, param in params.items()}


def validate_params(
    constraints: Mapping[str, Constraint | None], values: Mapping[str, Any], *, caller: str
) -> None:
    """Check each value against its parameter's constraint, in the order of ``constraints``.

    Parameters
    ----------
    constraints : mapping of str to Constraint or None
        Parameter name -> its constraint (None: not checked here).
    values : mapping of str to object
        Parameter name -> value; holds every name of ``constraints`` that has a constraint.
    caller : str
        Who validates (an estimator's class or registry name), prefixed to the message.

    Raises
    ------
    ValueError
        For the first refused value: ``"<caller>: <name> must be <description>, got <value>"``.
    """
    for name, constraint in constraints.items():
        if constraint is None:
            continue
        value = values[name]
        if not constraint.accepts(value):
            raise ValueError(f"{caller}: {name} must be {constraint.description}, got {value!r}")
