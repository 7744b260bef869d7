"""Tables of the usage dashboard; each has its own prefix so that sorting one leaves the others."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class NumberColumn(tables.Column):
    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return f"{value:,}"


class MoneyColumn(tables.Column):
    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return f"${value:,.2f}"


class BreakdownTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"))
    calls = NumberColumn(verbose_name=_("Calls"))
    failed = NumberColumn(verbose_name=_("Failed"))
    input_tokens = NumberColumn(verbose_name=_("Input tokens"))
    output_tokens = NumberColumn(verbose_name=_("Output tokens"))
    tokens = NumberColumn(verbose_name=_("Total tokens"))
    units = NumberColumn(verbose_name=_("Images"))
    cost = MoneyColumn(verbose_name=_("Estimated cost"))

    class Meta:
        attrs = {"class": "table usage-table"}
        empty_text = _("No usage in this range.")
        order_by = ("-cost",)


class CostAndTokensColumn(tables.Column):
    """A cost with its token count below it; `accessor` names the prefix of both values."""

    attrs = {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}}

    def __init__(self, prefix, **kwargs):
        self.prefix = prefix
        super().__init__(accessor=f"{prefix}cost", **kwargs)

    def render_cell(self, record):
        tokens = _("%(tokens)s tokens") % {"tokens": f"{record[self.prefix + 'tokens']:,}"}
        return format_html('${}<div class="small muted">{}</div>', f"{record[self.prefix + 'cost']:,.2f}", tokens)

    def render(self, value, record):
        return self.render_cell(record)


def total_footer(table, bound_column):
    """Return the footer cell of a chargeback column: the column's value in the total line."""
    column = bound_column.column
    if isinstance(column, CostAndTokensColumn):
        return column.render_cell(table.total)
    return table.total.get(bound_column.name, "")


class ChargebackTable(tables.Table):
    period = tables.Column(verbose_name=_("Billing period"), footer=total_footer)
    department = tables.Column(verbose_name=_("Department"), footer=total_footer)
    hosted = CostAndTokensColumn("hosted_", verbose_name=_("Hosted (plan quota)"), footer=total_footer)
    byok = CostAndTokensColumn("byok_", verbose_name=_("Own key (BYOK)"), footer=total_footer)
    org_google = CostAndTokensColumn("org_google_", verbose_name=_("Organization Google key"), footer=total_footer)
    total = CostAndTokensColumn("", verbose_name=_("Total"), footer=total_footer)

    class Meta:
        attrs = {"class": "table usage-table"}
        empty_text = _("No usage in this range.")
        orderable = False

    def __init__(self, data, *, total, **kwargs):
        """Keep `total`, the chargeback's total line, for the footer row."""
        super().__init__(data, **kwargs)
        self.total = total
