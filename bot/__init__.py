"""minyuan composition root: configuration, application factory, CLI, scheduling, emulator."""

import os

# PTB 22 reports RetryAfter.retry_after as a timedelta when this is set, and warns otherwise;
# the delivery worker handles both.
os.environ.setdefault("PTB_TIMEDELTA", "true")
