"""The role-to-permission table, written out by hand so a change to the module must be deliberate."""

import pytest

from orgs.permissions import Perm, permissions_for_roles

# Columns: admin, security, builder, support, finance.
EXPECTED = {
    "manage_org": (1, 0, 0, 0, 0),
    "view_plan": (1, 0, 0, 0, 1),
    "view_keys": (1, 1, 1, 0, 0),
    "manage_keys": (1, 1, 0, 0, 0),
    "reveal_keys": (0, 1, 0, 0, 0),
    "build": (1, 0, 1, 0, 0),
    "view_traces": (1, 0, 1, 1, 0),
    "view_usage": (1, 0, 0, 0, 1),
    "view_audit": (1, 1, 0, 0, 0),
}
ROLES = ("admin", "security", "builder", "support", "finance")
CASES = [
    (role, perm, bool(row[index]))
    for perm, row in EXPECTED.items()
    for index, role in enumerate(ROLES)
]


@pytest.mark.parametrize("role,perm,granted", CASES)
def test_role_grants_permission(role, perm, granted):
    assert (Perm(perm) in permissions_for_roles([role])) is granted


def test_table_covers_every_permission():
    assert set(EXPECTED) == {perm.value for perm in Perm}


def test_roles_combine_as_union():
    combined = permissions_for_roles(["support", "finance"])
    assert combined == {Perm.VIEW_TRACES, Perm.VIEW_PLAN, Perm.VIEW_USAGE}


def test_unknown_role_grants_nothing():
    assert permissions_for_roles(["owner"]) == frozenset()


def test_no_roles_grant_nothing():
    assert permissions_for_roles([]) == frozenset()
