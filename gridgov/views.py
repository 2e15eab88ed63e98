from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grids.scope import reach


@login_required
def home(request):
    memberships = request.user.memberships.filter(is_active=True).select_related("area", "department")
    return render(request, "home.html", {"memberships": memberships, "reach": reach(request.user)})
