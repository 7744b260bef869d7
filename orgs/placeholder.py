"""An honest "not available yet" page for sections that are not built."""

from django.shortcuts import render

from .scoping import require_perm


def not_available_view(perm, title):
    def view(request):
        require_perm(request, perm)
        return render(request, "not_available.html", {"title": title})

    return view
