"""Typed values of profiles: Kubernetes names and quantities, memory sizes in
PostgreSQL's and Redis's own units, cron expressions, versions.

Each parser raises ``ValueError`` with a message fit for a user; the pydantic
types in :mod:`dsgen.models` wrap them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation

# ---------------------------------------------------------------- names

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def dns_label(value: str) -> str:
    """A Kubernetes name that must be an RFC 1123 label (Services, Pods...)."""
    if len(value) > 63:
        raise ValueError(f"{value!r} is longer than 63 characters")
    if not _DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a valid Kubernetes name: use lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def dns_subdomain(value: str) -> str:
    """A Kubernetes object name (RFC 1123 subdomain): Secrets, KafkaTopics..."""
    if len(value) > 253:
        raise ValueError(f"{value!r} is longer than 253 characters")
    if not _DNS_SUBDOMAIN.match(value):
        raise ValueError(
            f"{value!r} is not a valid Kubernetes name: use lower-case letters, digits, '-' "
            "and '.', starting and ending with a letter or digit"
        )
    return value


# ---------------------------------------------------------------- quantities

_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([a-zA-Z]*|[eE][+-]?[0-9]+)$")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9),
            "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}


def shrinks(before: object, after: object) -> bool:
    """Whether quantity ``after`` is below ``before``; False when either is
    not a quantity (reported by the rules that read it)."""
    try:
        return quantity_value(str(after)) < quantity_value(str(before))
    except ValueError:
        return False


def quantity_value(text: str) -> Decimal:
    """The numeric value of a Kubernetes quantity: ``"1Gi"`` -> 1073741824."""
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)")
    number, suffix = match.groups()
    try:
        base = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise ValueError(f"{text!r} is not a Kubernetes quantity") from None
    if suffix in _BINARY:
        return base * _BINARY[suffix]
    if suffix in _DECIMAL:
        return base * _DECIMAL[suffix]
    if suffix[:1] in ("e", "E") and suffix[1:].lstrip("+-").isdigit():
        return base * (Decimal(10) ** int(suffix[1:]))
    raise ValueError(
        f"{text!r} has an unknown unit {suffix!r}; use one of n u m k M G T P E Ki Mi Gi Ti Pi Ei"
    )


def quantity(value: str | int | float) -> str:
    """Validate a quantity; numbers become their string form (``2`` -> ``"2"``)."""
    if isinstance(value, bool):
        raise ValueError("a quantity is a number or a string like 500m or 1Gi, not a boolean")
    text = str(value) if not isinstance(value, str) else value
    if quantity_value(text) < 0:
        raise ValueError(f"{text!r} must not be negative")
    return text


# ---------------------------------------------------------------- memory in server units

_PG_UNITS = {"kB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40, "B": 1}
_PG_MEMORY = re.compile(r"^\s*([0-9]+)\s*(B|kB|MB|GB|TB)?\s*$")


def postgres_bytes(text: str, default_unit: int = 8192) -> int:
    """A PostgreSQL memory setting in bytes. Units are case-sensitive (``kB``,
    ``MB``, ``GB``, ``TB``, 1024-based); a bare number counts ``default_unit``
    bytes (8 kB pages for ``shared_buffers``)."""
    match = _PG_MEMORY.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a PostgreSQL memory size (e.g. 256MB; units kB, MB, GB, TB)"
        )
    number, unit = match.groups()
    return int(number) * (_PG_UNITS[unit] if unit else default_unit)


_REDIS_MEMORY = re.compile(r"^([0-9]+)(k|kb|m|mb|g|gb)?$", re.IGNORECASE)
_REDIS_UNITS = {"": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2,
                "g": 1000**3, "gb": 1024**3}


def redis_bytes(text: str) -> int:
    """A Redis memory setting in bytes (``1mb`` = 1048576, ``1m`` = 1000000)."""
    match = _REDIS_MEMORY.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Redis memory size (e.g. 400mb, 1gb)")
    number, unit = match.groups()
    return int(number) * _REDIS_UNITS[(unit or "").lower()]


# ---------------------------------------------------------------- cron

_CRON_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(
        "jan feb mar apr may jun jul aug sep oct nov dec".split())}),
    # 0-6: the cron parsers of CloudNativePG (robfig/cron v1.2.0) and of
    # Kubernetes CronJobs (robfig/cron v3) refuse 7 for Sunday (spec.go, dow bounds).
    ("day of week", 0, 6, {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}),
)
_CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def cron(expression: str) -> str:
    """Validate a standard five-field cron expression (or a macro like ``@daily``)."""
    text = " ".join(expression.split())
    if text in _CRON_MACROS:
        return text
    fields = text.split(" ")
    if len(fields) != 5:
        raise ValueError(
            f"{expression!r} must have 5 fields (minute hour day-of-month month day-of-week), "
            f"not {len(fields)}"
        )
    for field, (name, low, high, names) in zip(fields, _CRON_FIELDS):
        for part in field.split(","):
            _cron_part(part, name, low, high, names, expression)
    return text


def _cron_part(part: str, name: str, low: int, high: int, names: dict, expression: str) -> None:
    def number(token: str) -> int:
        token_lower = token.lower()
        if token_lower in names:
            return names[token_lower]
        if not token.isdigit():
            raise ValueError(f"{expression!r}: {token!r} is not a valid {name}")
        value = int(token)
        if name == "day of week" and value == 7:
            raise ValueError(f"{expression!r}: day of week 7 is refused by the schedulers that run it "
                             "(0-6); write 0 or sun for Sunday")
        if not low <= value <= high:
            raise ValueError(f"{expression!r}: {name} {value} is outside {low}-{high}")
        return value

    body, _, step = part.partition("/")
    if step and (not step.isdigit() or int(step) == 0):
        raise ValueError(f"{expression!r}: step {step!r} in the {name} field must be a positive number")
    if body == "*":
        return
    start, dash, end = body.partition("-")
    first = number(start)
    if dash and first > number(end):
        raise ValueError(f"{expression!r}: range {body!r} in the {name} field runs backwards")


_MACRO_FIELDS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                 "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


def cron_values(expression: str) -> tuple[set[int], ...]:
    """The minutes, hours, days of month, months and days of week a valid
    cron expression (see :func:`cron`) runs at."""
    text = cron(expression)
    out = []
    for field, (_, low, high, names) in zip(_MACRO_FIELDS.get(text, text).split(" "), _CRON_FIELDS):
        values: set[int] = set()
        for part in field.split(","):
            body, _, step = part.partition("/")
            start, dash, end = body.partition("-")
            def number(token: str) -> int:
                return names[token.lower()] if token.lower() in names else int(token)

            first = low if body == "*" else number(start)
            last = number(end) if dash else high if body == "*" or step else first
            values.update(range(first, last + 1, int(step) if step else 1))
        out.append(values)
    return tuple(out)


@lru_cache(maxsize=None)
def longest_gap(expression: str) -> int:
    """The longest time in seconds between two runs of a cron expression,
    over two years of runs. When both day of month and day of week are
    restricted, a day matching either runs (cron(5)). Every day that runs
    runs at the same times, so the gaps are those between its times and
    those from one running day's last time to the next one's first."""
    from datetime import date, timedelta

    minutes, hours, days, months, weekdays = cron_values(expression)
    fields = _MACRO_FIELDS.get(cron(expression), cron(expression)).split(" ")
    either = fields[2] != "*" and fields[4] != "*"
    times = sorted(h * 3600 + m * 60 for h in hours for m in minutes)
    start, running = date(2025, 1, 1), []
    for offset in range(731):
        day = start + timedelta(days=offset)
        if day.month not in months:
            continue
        by_day, by_weekday = day.day in days, day.isoweekday() % 7 in weekdays
        if (by_day or by_weekday) if either else (by_day and by_weekday):
            running.append(offset)
    if not running or len(running) == 1 and len(times) == 1:
        return 731 * 86400
    within = max((b - a for a, b in zip(times, times[1:])), default=0)
    across = max(((b - a) * 86400 + times[0] - times[-1] for a, b in zip(running, running[1:])), default=0)
    return max(within, across)


# ---------------------------------------------------------------- versions

_VERSION = re.compile(r"^v?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?$")


def version_tuple(text: str) -> tuple[int, int, int]:
    match = _VERSION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a version like 1.2 or 1.2.3")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def did_you_mean(name: str, candidates, cutoff: float = 0.8) -> str:
    """``"; did you mean X?"`` for the closest candidate, or ``""``."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]}?" if close else ""


def near(name: str, candidates, most: int = 2) -> str | None:
    """The candidate within ``most`` edits of ``name`` (the closest; ties: the
    first), or one difflib finds very close; None when nothing is."""
    import difflib

    best = min(((edits(name.lower(), c.lower()), c) for c in candidates if c != name),
               default=(most + 1, None), key=lambda pair: pair[0])
    if best[1] is not None and best[0] <= most and len(name) > best[0] * 2:
        return best[1]
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.8)
    return close[0] if close else None


def edits(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def duration_seconds(text: str) -> int:
    """A duration of the profile's form (digits and one of s, m, h) in seconds."""
    return int(text[:-1]) * {"s": 1, "m": 60, "h": 3600}[text[-1]]


def cidr(value: str) -> str:
    """An IPv4 or IPv6 address block in CIDR notation, host bits zero (10.0.0.0/16)."""
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an address block in CIDR notation such as 10.0.0.0/16 ({exc})") from None
    return value
