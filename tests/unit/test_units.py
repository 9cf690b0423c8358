from decimal import Decimal

import pytest

from dsgen import units


@pytest.mark.parametrize("text,value", [
    ("1Gi", 2**30), ("500m", Decimal("0.5")), ("2", 2), ("1.5Gi", 1.5 * 2**30),
    ("100M", 10**8), ("1e3", 1000), ("0.1", Decimal("0.1")),
])
def test_quantity_values(text, value):
    assert units.quantity_value(text) == Decimal(str(value))


@pytest.mark.parametrize("text,error", [
    ("1GB", "'1GB' has an unknown unit 'GB'; use one of n u m k M G T P E Ki Mi Gi Ti Pi Ei"),
    ("lots", "'lots' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)"),
    ("", "'' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)"),
    ("-1Gi", "'-1Gi' must not be negative"),
])
def test_bad_quantities(text, error):
    with pytest.raises(ValueError) as info:
        units.quantity(text)
    assert str(info.value) == error


def test_quantity_accepts_numbers_but_not_booleans():
    assert units.quantity(2) == "2"
    with pytest.raises(ValueError):
        units.quantity(True)


@pytest.mark.parametrize("text,expected", [
    ("256MB", 256 * 2**20), ("1GB", 2**30), ("64kB", 64 * 1024), ("16", 16 * 8192),
])
def test_postgres_memory(text, expected):
    assert units.postgres_bytes(text) == expected


@pytest.mark.parametrize("text", ["256mb", "1 G", "x"])
def test_postgres_memory_units_are_case_sensitive(text):
    with pytest.raises(ValueError):
        units.postgres_bytes(text)


@pytest.mark.parametrize("text,expected", [
    ("400mb", 400 * 2**20), ("400m", 400 * 10**6), ("1GB", 2**30), ("1g", 10**9), ("100", 100),
])
def test_redis_memory(text, expected):
    assert units.redis_bytes(text) == expected


@pytest.mark.parametrize("expression", ["0 2 * * *", "*/5 * * * *", "0 2 * * 1-6", "0 0 1 jan,jul sun",
                                        "@daily", "0  2 * *  0"])
def test_valid_cron(expression):
    assert units.cron(expression) == " ".join(expression.split())


@pytest.mark.parametrize("expression,error", [
    ("0 2 * *", "'0 2 * *' must have 5 fields (minute hour day-of-month month day-of-week), not 4"),
    ("0 0 2 * * *", "'0 0 2 * * *' must have 5 fields (minute hour day-of-month month day-of-week), not 6"),
    ("60 2 * * *", "'60 2 * * *': minute 60 is outside 0-59"),
    ("0 2 * * mon-xyz", "'0 2 * * mon-xyz': 'xyz' is not a valid day of week"),
    ("*/0 * * * *", "'*/0 * * * *': step '0' in the minute field must be a positive number"),
    ("0 5-2 * * *", "'0 5-2 * * *': range '5-2' in the hour field runs backwards"),
])
def test_bad_cron(expression, error):
    with pytest.raises(ValueError) as info:
        units.cron(expression)
    assert str(info.value) == error


@pytest.mark.parametrize("name", ["a", "postgres-cluster", "a1", "x" * 63])
def test_dns_labels(name):
    assert units.dns_label(name) == name


@pytest.mark.parametrize("name", ["", "-a", "a-", "A", "a_b", "a.b", "x" * 64])
def test_bad_dns_labels(name):
    with pytest.raises(ValueError):
        units.dns_label(name)


def test_subdomains_allow_dots():
    assert units.dns_subdomain("a.b-c") == "a.b-c"
    with pytest.raises(ValueError):
        units.dns_subdomain("a..b")


def test_versions():
    assert units.version_tuple("0.49.1") == (0, 49, 1)
    assert units.version_tuple("v1.34") == (1, 34, 0)
    with pytest.raises(ValueError):
        units.version_tuple("latest")


def test_cron_day_of_week_seven_is_refused_with_the_fix():
    with pytest.raises(ValueError) as info:
        units.cron("0 2 * * 7")
    assert str(info.value) == ("'0 2 * * 7': day of week 7 is refused by the schedulers that run it (0-6); "
                               "write 0 or sun for Sunday")
    assert units.cron("0 2 * * 0") == "0 2 * * 0"
    assert units.cron("0 2 * * sun") == "0 2 * * sun"


@pytest.mark.parametrize("expression,hours", [
    ("0 3 * * *", 24), ("0 */6 * * *", 6), ("0 2 * * sun", 168),
    ("0 2 * * mon-sat", 48),  # Saturday 02:00 to Monday 02:00
    ("*/15 * * * *", 0.25), ("@hourly", 1), ("0 0 1,15 * mon", 168),
    ("5/20 1,13 * * 1-5", 59 + 20 / 60),  # Friday 13:45 to Monday 01:05
    ("0 0 31 * *", 61 * 24),  # the 31st of a month to the 31st two months on, at most
])
def test_longest_gap_between_runs_of_a_cron(expression, hours):
    from dsgen.units import longest_gap

    assert longest_gap(expression) == hours * 3600
