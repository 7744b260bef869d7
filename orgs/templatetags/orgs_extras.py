import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value):
    """Convert a timedelta to whole minutes, rounded up so that a wait is never understated."""
    if not isinstance(value, timedelta):
        return ""
    return max(1, math.ceil(value.total_seconds() / 60))


@register.filter
def grouped(value):
    """Format an integer with comma thousands separators in every language (2,000,000).

    Django's own grouping follows the active locale, and its zh_Hans format turns it off.
    """
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
