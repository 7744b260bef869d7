from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.views.decorators.http import require_GET

from ..permissions import Perm
from ..scoping import permission_required

# Used/limit bars for each quota. The usage app provides this template once it is built.
QUOTA_BARS_TEMPLATE = "usage/_plan_quota_bars.html"


def quota_bars_available():
    try:
        select_template([QUOTA_BARS_TEMPLATE])
    except TemplateDoesNotExist:
        return False
    return True


@require_GET
@permission_required(Perm.VIEW_PLAN)
def plan(request):
    """Show the organization's plan: allowed model strategies, monthly quotas and price."""
    context = {
        "plan": request.organization.plan,
        "show_quota_bars": quota_bars_available(),
        "quota_bars_template": QUOTA_BARS_TEMPLATE,
    }
    return render(request, "orgs/plan.html", context)
