"""Visible Arabic dates and metadata datetimes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madar.text.dates import normalize_datetime, parse_iso, parse_visible_date

NOW = datetime(2017, 8, 10, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("raw", "expected"), [
    ("أغسطس 10, 2017", "2017-08-10"),
    ("10 أغسطس 2017", "2017-08-10"),
    ("10 آب 2017", "2017-08-10"),
    ("5 كانون الثاني 2018", "2018-01-05"),
    ("14 شباط 2016", "2016-02-14"),
    ("1 آذار 2016", "2016-03-01"),
    ("2 نيسان 2016", "2016-04-02"),
    ("3 أيار 2016", "2016-05-03"),
    ("4 حزيران 2016", "2016-06-04"),
    ("5 تموز 2016", "2016-07-05"),
    ("6 أيلول 2016", "2016-09-06"),
    ("7 تشرين الأول 2016", "2016-10-07"),
    ("8 تشرين الثاني 2016", "2016-11-08"),
    ("9 كانون الأول 2016", "2016-12-09"),
    ("10 أغسطس/آب 2017", "2017-08-10"),
    ("آب/أغسطس 10, 2017", "2017-08-10"),
    ("10 تشرين1 2017", "2017-10-10"),
    ("10 تشرين2 2017", "2017-11-10"),
    ("10 كانون1 2017", "2017-12-10"),
    ("10 كانون2 2017", "2017-01-10"),
    ("١٠ آب ٢٠١٧", "2017-08-10"),
    ("۱۰ آب ۲۰۱۷", "2017-08-10"),
    ("أغسطس ١٠، ٢٠١٧", "2017-08-10"),
    ("الخميس، 10 آب، 2017 - 10:30 ص", "2017-08-10"),
    ("10 إبريل 2017", "2017-04-10"),
    ("10 ابريل 2017", "2017-04-10"),
    ("10 أوت 2017", "2017-08-10"),
    ("10 تشرين الأوّل 2017", "2017-10-10"),
    ("2017-08-10", "2017-08-10"),
    ("10/08/2017", "2017-08-10"),
    ("August 10, 2017", "2017-08-10"),
    ("  \n أغسطس   10 ,   2017 ", "2017-08-10"),
])
def test_absolute_dates(raw: str, expected: str) -> None:
    assert parse_visible_date(raw) == expected


@pytest.mark.parametrize(("raw", "delta"), [
    ("منذ 3 ساعات", timedelta(hours=3)),
    ("منذ ساعة", timedelta(hours=1)),
    ("منذ ساعتين", timedelta(hours=2)),
    ("منذ يومين", timedelta(days=2)),
    ("منذ ٣ أيام", timedelta(days=3)),
    ("منذ 5 دقائق", timedelta(minutes=5)),
    ("منذ أسبوع", timedelta(days=7)),
    ("قبل 2 أسابيع", timedelta(days=14)),
    ("منذ 13 ساعة", timedelta(hours=13)),
    ("أمس", timedelta(days=1)),
])
def test_relative_dates(raw: str, delta: timedelta) -> None:
    assert parse_visible_date(raw, NOW) == (NOW - delta).date().isoformat()


@pytest.mark.parametrize("raw", [
    None, "", "   ", "garbage", "منذ", "31 شباط 2017", "10 تشرين 2017", "2017", "أغسطس 2017",
    "99/99/9999", "منذ 99999999999 سنة", "x" * 10_000, "\x00\x01", "تشرين 12, 2017",
])
def test_garbage_is_none(raw) -> None:
    assert parse_visible_date(raw, NOW) is None


@given(st.text(max_size=80))
def test_never_raises(raw: str) -> None:
    day = parse_visible_date(raw, NOW)
    assert day is None or date.fromisoformat(day)
    value = normalize_datetime(raw)
    assert value is None or parse_iso(value) is not None


@pytest.mark.parametrize(("value", "expected"), [
    ("2017-08-10T09:12:31+03:00", "2017-08-10T09:12:31+03:00"),
    ("2017-08-10T09:12:31Z", "2017-08-10T09:12:31+00:00"),
    ("2017-08-10T09:12:31.250+0300", "2017-08-10T09:12:31+03:00"),
    ("2017-08-10 09:12:31", "2017-08-10T09:12:31"),
    ("2017-08-10", "2017-08-10"),
    ("٢٠١٧-٠٨-١٠", "2017-08-10"),
    ("Thu, 10 Aug 2017 09:12:31 +0000", "2017-08-10T09:12:31+00:00"),
    ("", None), (None, None), ("soon", None), ("2017-13-45", None), ("0001-01-01T00:00:00", None),
])
def test_normalize_datetime(value, expected) -> None:
    assert normalize_datetime(value) == expected
