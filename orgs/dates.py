"""The range of dates that date filters accept."""

from datetime import date

# Filters compute the day or month after a chosen date, which overflows Python's date type near
# year 9999, and no record of this product predates 2000.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def is_supported_date(day: date) -> bool:
    """Return whether day lies within EARLIEST_DATE and LATEST_DATE, both included."""
    return EARLIEST_DATE <= day <= LATEST_DATE
