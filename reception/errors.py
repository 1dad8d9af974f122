"""Domain exceptions. Each carries a message a resident or staff member can act on.

    ReceptionError
     ├── NotFound              the petition/invite/... does not exist or is not visible to you
     ├── NotAllowed            you may not do this (not staff, wrong community, not yours)
     ├── InvalidTransition     the petition's state does not allow this action
     ├── InvalidInput          the command's arguments are wrong
     └── OrganisationError     the organisation file is wrong (an operator's problem)
"""

from __future__ import annotations


class ReceptionError(Exception):
    """Base of the domain's errors; ``str(exc)`` is a polite Chinese message for the user."""


class NotFound(ReceptionError):
    pass


class NotAllowed(ReceptionError):
    pass


class InvalidTransition(ReceptionError):
    pass


class InvalidInput(ReceptionError):
    pass


class OrganisationError(ReceptionError):
    pass
