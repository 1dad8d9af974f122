"""The wire contract: API errors, one parsed call, and the method registry.

Error shapes follow https://core.telegram.org/bots/api#making-requests: the body is
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``. PTB picks its
exception class from the HTTP status (400 BadRequest, 403 Forbidden, 401/404 InvalidToken,
409 Conflict, anything else NetworkError) and from ``parameters.retry_after`` (RetryAfter), so
the status and the body must agree exactly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tgemu.core import EmulatorCore


class ApiError(Exception):
    """A Bot API error answer: raised by a method, turned into the JSON error body."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


def retry_after(seconds: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart/form-data part."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class ApiCall:
    """One request to a Bot API method, with parameters already decoded to Python values."""

    method: str
    params: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        """Return a mandatory parameter; raise the Bot API's "<name> is empty" otherwise."""
        value = self.params.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str, default: int | None = None, *, required: bool = False) -> Any:
        """An integer parameter; 400 "invalid <name> specified" if it is not one."""
        value = self.require(name) if required else self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        return bool(self.params.get(name, False))


MethodImpl = Callable[["EmulatorCore", ApiCall], Awaitable[Any]]

# Lower-cased method name -> (canonical name, implementation). Telegram matches method names
# case-insensitively, so "sendmessage" reaches sendMessage too.
METHODS: dict[str, tuple[str, MethodImpl]] = {}


def api_method(name: str) -> Callable[[MethodImpl], MethodImpl]:
    """Register ``name`` as a Bot API method served by the decorated coroutine."""

    def register(impl: MethodImpl) -> MethodImpl:
        METHODS[name.lower()] = (name, impl)
        return impl

    return register


def find_method(name: str) -> tuple[str, MethodImpl] | None:
    return METHODS.get(name.lower())
