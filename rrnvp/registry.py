"""One small name -> value registry with one rule set, used by every registry of the suite.

The suite's registries (dataset kinds and datasets in :mod:`datasets.registry`, feature extractors
in :mod:`datasets.cifar10.extractors`, methods in :mod:`reproduce.registry`, baselines in
:mod:`baselines.registry`) are each a :class:`Registry`, so they behave alike:

- **Registering** a name that is taken (as a name or an alias) is a :class:`DuplicateNameError`
  naming it, unless ``replace=True`` is passed explicitly; a replaced entry keeps its place.
- **Listing** (:meth:`Registry.names`, iteration, :meth:`Registry.values`) is in registration
  order. Registration order is the order that the registering code states (the paper's order
  of the ODDS datasets, of the methods, ...), never alphabetical.
- **Looking up** an unknown name is an :class:`UnknownNameError` that lists the known names
  (and suggests close matches).

Aliases (other names of an entry, e.g. the paper's spelling of a dataset) resolve to the entry
but are not listed.

Light on purpose: no third-party import, so any package can use it without loading torch.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class RegistryError(ValueError):
    """A registry rule was broken (a duplicate or an unknown name)."""


class DuplicateNameError(RegistryError):
    """The name (or alias) is already registered and ``replace=True`` was not passed."""


class UnknownNameError(RegistryError):
    """No entry has this name; the message lists the known names."""


class Registry(Generic[T]):
    """Values registered under unique names (plus optional aliases), listed in registration order.

    Parameters
    ----------
    what : str
        What one entry is, for messages (``"dataset"``, ``"method"``); plural: ``what + "s"``.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}  # alias -> name
        self._aliases_of: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ changing
    def register(
        self, name: str, value: T, *, aliases: Iterable[str] = (), replace: bool = False
    ) -> T:
        """Register ``value`` under ``name`` (and ``aliases``); returns ``value``.

        Parameters
        ----------
        name : str
            Non-empty.
        value
            The entry.
        aliases : iterable of str
            Other names resolving to this entry (not listed).
        replace : bool, default=False
            Replace the entry already registered under ``name`` (it keeps its place in the
            listing; its old aliases are dropped). Never replaces another entry's alias.

        Raises
        ------
        DuplicateNameError
            ``name`` or an alias is taken (and ``replace`` is False, or it is taken by another
            entry).
        RegistryError
            ``name`` or an alias is not a non-empty string.
        """
        aliases = tuple(aliases)
        for key in (name, *aliases):
            if not isinstance(key, str) or not key:
                raise RegistryError(f"{self.what} names must be non-empty strings, got {key!r}")
        if len(set((name, *aliases))) != 1 + len(aliases):
            raise RegistryError(f"{self.what} {name!r}: a name or alias is given twice")
        replacing = replace and name in self._entries
        for key in (name, *aliases):
            owner = self._owner(key)
            if owner is None or (replacing and owner == name):
                continue
            if key == name and owner == name:
                raise DuplicateNameError(
                    f"{self.what} {name!r} is already registered (pass replace=True to replace it)"
                )
            raise DuplicateNameError(
                f"{self.what} name {key!r} is already registered"
                + (f" (an alias of {owner!r})" if key != owner else "")
            )
        if replacing:
            self._drop_aliases(name)
        self._entries[name] = value
        self._aliases_of[name] = aliases
        for alias in aliases:
            self._aliases[alias] = name
        return value

    def unregister(self, name: str, *, missing_ok: bool = False) -> T | None:
        """Remove the entry called ``name`` (a name, not an alias) with its aliases.

        Returns the removed value (None when absent and ``missing_ok``).

        Raises
        ------
        UnknownNameError
            No entry is called ``name`` (unless ``missing_ok``).
        """
        if name not in self._entries:
            if missing_ok:
                return None
            raise self._unknown(name)
        self._drop_aliases(name)
        del self._aliases_of[name]
        return self._entries.pop(name)

    # ------------------------------------------------------------------ reading
    def canonical(self, name: str) -> str:
        """The registered name of ``name`` (itself, or the entry an alias points to).

        Raises
        ------
        UnknownNameError
            Listing the known names (and close matches) when nothing is called ``name``.
        """
        owner = self._owner(name)
        if owner is None:
            raise self._unknown(name)
        return owner

    def get(self, name: str) -> T:
        """The entry called ``name`` (a name or an alias); see :meth:`canonical`."""
        return self._entries[self.canonical(name)]

    def names(self) -> list[str]:
        """Registered names (not aliases), in registration order."""
        return list(self._entries)

    def values(self) -> list[T]:
        """Registered entries, in registration order."""
        return list(self._entries.values())

    def items(self) -> list[tuple[str, T]]:
        """``(name, entry)`` pairs, in registration order."""
        return list(self._entries.items())

    def aliases(self, name: str) -> tuple[str, ...]:
        """The aliases of the entry called ``name``."""
        return self._aliases_of[self.canonical(name)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._owner(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {self.names()!r})"

    # ------------------------------------------------------------------ helpers
    def _owner(self, key: object) -> str | None:
        if not isinstance(key, str):
            return None
        if key in self._entries:
            return key
        return self._aliases.get(key)

    def _drop_aliases(self, name: str) -> None:
        for alias in self._aliases_of.get(name, ()):
            self._aliases.pop(alias, None)

    def _unknown(self, name: object) -> UnknownNameError:
        hint = ""
        if isinstance(name, str):
            close = difflib.get_close_matches(name, [*self._entries, *self._aliases], n=3)
            if close:
                hint = f" (did you mean {' or '.join(map(repr, close))}?)"
        known = ", ".join(self._entries) or "none"
        return UnknownNameError(f"unknown {self.what} {name!r}{hint}; known {self.what}s: {known}")
