"""How many sign-in attempts one browser session may make, whatever usernames it tries.

The accounts file locks an account after a few wrong passwords; that cannot stop one browser
from trying a few passwords on each of many usernames. This window caps the attempts of one
session (the app keeps one per Streamlit session), decided before any username is looked at,
so its refusal says nothing about which usernames exist. A guesser who opens new sessions
gets a new window each time; the per-account lock-out still holds for every account.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SESSION_LIMITED = (
    "Trình duyệt này đã thử đăng nhập {attempts} lần trong {minutes} phút; đồng chí vui lòng "
    "đợi đến {until} rồi thử lại, hoặc nhờ người quản trị đặt lại mật khẩu."
)

# One lock for every window: reserving is a few list operations, never worth contending on.
_LOCK = threading.Lock()


@dataclass
class AttemptWindow:
    """At most `limit` attempts in any `window` of time (a sliding window)."""

    limit: int = 10
    window: timedelta = timedelta(minutes=15)
    attempts: list[datetime] = field(default_factory=list)

    def reserve(self, now: datetime) -> str | None:
        """Count one attempt now; or, when the window is full, the sentence refusing it.

        Reserving and counting are one step, so two attempts of the same session can never
        both take the last place.
        """
        with _LOCK:
            self.attempts[:] = [t for t in self.attempts if now - t < self.window]
            if len(self.attempts) >= self.limit:
                until = (self.attempts[0] + self.window).astimezone(now.tzinfo)
                text = until.strftime("%H:%M")
                if until.date() != now.date():
                    text += until.strftime(" ngày %d/%m/%Y")
                minutes = max(1, round(self.window.total_seconds() / 60))
                return SESSION_LIMITED.format(attempts=self.limit, minutes=minutes, until=text)
            self.attempts.append(now)
            return None
