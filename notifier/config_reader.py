"""Typed, path-aware reading of one TOML table, for precise configuration errors.

Every accessor names the file, the key and what was expected when a value is wrong,
and :meth:`Table.finish` refuses keys nobody read, so a typo is an error rather than a
setting silently ignored.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from notifier.errors import ConfigError
from notifier.secrets import SecretRef

T = TypeVar("T")
_MISSING: Any = object()


class Table:
    """One table of the configuration file, read key by key."""

    def __init__(self, values: Mapping[str, Any], path: str, source: str) -> None:
        self._values = values
        self._path = path
        self._source = source
        self._read: set[str] = set()

    @property
    def path(self) -> str:
        return self._path

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def error(self, key: str, expected: str) -> ConfigError:
        """An error naming the file, ``key`` and what was expected instead."""
        value = self._values.get(key, _MISSING)
        got = "nothing" if value is _MISSING else _describe(value)
        return ConfigError(
            f"{self._source}: {self.key(key)}: expected {expected}, got {got}"
        )

    def problem(self, key: str, message: str) -> ConfigError:
        """An error naming the file and ``key``, saying ``message``."""
        return ConfigError(f"{self._source}: {self.key(key)}: {message}")

    def key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def _get(
        self, key: str, default: Any, kind: type | tuple[type, ...], expected: str
    ) -> Any:
        self._read.add(key)
        if key not in self._values:
            if default is _MISSING:
                raise self.error(key, expected)
            return default
        value = self._values[key]
        if isinstance(value, bool) and bool not in _as_tuple(kind):
            raise self.error(key, expected)
        if not isinstance(value, kind):
            raise self.error(key, expected)
        return value

    def text(self, key: str, default: Any = _MISSING) -> Any:
        """A non-empty string (or ``default`` when absent)."""
        value = self._get(key, default, str, "a non-empty string")
        if isinstance(value, str) and not value.strip():
            raise self.error(key, "a non-empty string")
        return value

    def choice(
        self, key: str, choices: tuple[str, ...], default: Any = _MISSING
    ) -> Any:
        value = self._get(key, default, str, "one of " + ", ".join(choices))
        if value is not default and value not in choices:
            raise self.error(key, "one of " + ", ".join(choices))
        return value

    def integer(self, key: str, default: Any, low: int, high: int) -> Any:
        value = self._get(key, default, int, f"a whole number from {low} to {high}")
        if value is not default and not low <= value <= high:
            raise self.error(key, f"a whole number from {low} to {high}")
        return value

    def number(self, key: str, default: Any, low: float, high: float) -> Any:
        value = self._get(key, default, (int, float), f"a number from {low} to {high}")
        if value is not default and not low <= value <= high:
            raise self.error(key, f"a number from {low} to {high}")
        return float(value) if value is not None else None

    def boolean(self, key: str, default: Any = _MISSING) -> Any:
        return self._get(key, default, bool, "true or false")

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list of non-empty strings; a single string counts as a list of one."""
        self._read.add(key)
        value = self._values.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.error(key, "a list of non-empty strings")
        return tuple(value)

    def secret(self, key: str) -> SecretRef | None:
        """A secret reference; a literal value is refused and never echoed."""
        self._read.add(key)
        value = self._values.get(key)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError(
                    "expected a secret reference (env:NAME, file:PATH, "
                    "secretsmanager:ARN-or-name, ssm:NAME), not a literal value"
                )
            return SecretRef.parse(value)
        except ValueError as error:
            # Never echo the value: it may be the secret itself.
            raise ConfigError(f"{self._source}: {self.key(key)}: {error}") from None

    def table(self, key: str) -> "Table":
        """A sub-table (empty when absent)."""
        value = self._get(key, {}, Mapping, "a table")
        return Table(value, self.key(key), self._source)

    def tables(self, key: str) -> list["Table"]:
        """An array of tables (``[[key]]``)."""
        value = self._get(key, [], list, "an array of tables")
        if not all(isinstance(item, Mapping) for item in value):
            raise self.error(key, "an array of tables")
        return [
            Table(item, f"{self.key(key)}[{n}]", self._source)
            for n, item in enumerate(value)
        ]

    def raw(self, key: str) -> Any:
        """The value as TOML gave it, for a section another package validates."""
        self._read.add(key)
        return self._values.get(key)

    def names(self) -> list[str]:
        return list(self._values)

    def finish(self) -> None:
        """Raises for any key that no accessor read: most likely a typo."""
        unknown = sorted(set(self._values) - self._read)
        if unknown:
            where = self._path or "the top level"
            raise ConfigError(
                f"{self._source}: unknown key {self.key(unknown[0])!r} in {where}"
            )


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _describe(value: object) -> str:
    if isinstance(value, str):
        return (
            repr(value) if len(value) <= 60 else f"a string of {len(value)} characters"
        )
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return repr(value)
    return f"a {type(value).__name__}"
