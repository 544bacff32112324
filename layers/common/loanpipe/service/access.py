"""Who may do what: staff roles come from the Cognito groups in the caller's token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from loanpipe.domain.errors import Forbidden

if TYPE_CHECKING:  # the API's caller is resolved on every request, before any record model is needed
    from loanpipe.domain.records import ApplicationRecord


class Role(StrEnum):
    FIELD_OFFICER = "field_officer"
    REVIEWER = "reviewer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    user: str
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def back_office(self) -> bool:
        return self.has(Role.REVIEWER, Role.ADMIN)


def parse_groups(raw: object) -> frozenset[Role]:
    """Groups arrive as a list, or as the HTTP API's string form ``[reviewer admin]``."""
    if isinstance(raw, str):
        items = raw.strip().strip("[]").replace(",", " ").split()
    elif isinstance(raw, list | tuple):
        items = [str(item) for item in raw]
    else:
        items = []
    return frozenset(Role(item) for item in items if item in Role._value2member_map_)


def require(caller: Caller, *roles: Role) -> None:
    if not caller.has(*roles):
        raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")


def require_view(caller: Caller, record: ApplicationRecord) -> None:
    """Officers see their own applications; the back office sees all."""
    if caller.back_office:
        return
    if caller.has(Role.FIELD_OFFICER) and record.officer_id == caller.user:
        return
    raise Forbidden("you may only see your own applications")


def require_owner(caller: Caller, record: ApplicationRecord) -> None:
    require(caller, Role.FIELD_OFFICER)
    if record.officer_id != caller.user:
        raise Forbidden("only the officer who created the application may change its documents")
