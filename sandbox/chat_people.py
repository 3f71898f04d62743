"""The people of the local Google Chat: who clicks buttons and types commands.

Google Chat names a person `users/{id}`, a 21-digit number, and tells an app their
display name and e-mail address in every interaction event. The sandbox has a few
made-up people (addresses under example.com, which no one owns) so that the page
and the tests can act as someone the bot allows and as someone it refuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.chat_messages import Caller


@dataclass(frozen=True)
class Person:
    """A human Chat user.

    Attributes:
        user_id: the numeric ID in `users/{id}`.
        display_name: the name Chat shows.
        email: the address the bot's permissions name.
        role: a word or two for the page's user picker ("analyst").
    """

    user_id: str
    display_name: str
    email: str
    role: str = ""

    @property
    def name(self) -> str:
        """The resource name, `users/{id}`."""
        return f"users/{self.user_id}"

    def user(self) -> dict[str, Any]:
        """The `User` resource an interaction event carries for this person."""
        return {
            "name": self.name,
            "displayName": self.display_name,
            "email": self.email,
            "type": "HUMAN",
        }

    def caller(self) -> Caller:
        """This person as the writer of a message (a slash command)."""
        return Caller("human", self.email, self.user_id, self.display_name)


DEFAULT_PEOPLE = (
    Person(
        "108000000000000000001",
        "Alex Analyst",
        "alex.analyst@example.com",
        "security analyst",
    ),
    Person(
        "108000000000000000002",
        "Olu Oncall",
        "olu.oncall@example.com",
        "on-call engineer",
    ),
    Person(
        "108000000000000000003",
        "Ivy Intern",
        "ivy.intern@example.com",
        "intern",
    ),
)


def find_person(people: Iterable[Person], who: Person | str) -> Person:
    """The person named by `users/{id}`, e-mail address or display name.

    Raises:
        LookupError: nobody matches.
    """
    if isinstance(who, Person):
        return who
    for person in people:
        if who in (person.name, person.email, person.display_name, person.user_id):
            return person
    raise LookupError(f"no such person in the sandbox: {who!r}")
