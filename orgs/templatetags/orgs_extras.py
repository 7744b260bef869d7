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
