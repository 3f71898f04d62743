"""Spaces, threads and messages of the local Google Chat, kept in memory.

The store plays the rules of `spaces.messages.create`, `patch` and `get` that the
product depends on: client-assigned message IDs (`client-`, at most 63 lowercase
letters, digits and hyphens, unique in the space), `requestId` idempotency, thread
keys scoped to the app that set them, `messageReplyOption`, `allowMissing`
upserts, the per-space write quota, and Google's validation of every body. It
knows nothing of HTTP: errors are `ChatApiError`s carrying Google's status.
"""

from __future__ import annotations

import base64
import copy
import datetime
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.chat_messages import (
    COMMAND_FIELDS,
    CONTENT_FIELDS,
    Caller,
    ChatApiError,
    check_client_id,
    mask_fields,
    merged,
    not_empty,
    validated,
)
from sandbox.write_quota import WriteQuota

UNSPECIFIED = "MESSAGE_REPLY_OPTION_UNSPECIFIED"
FALLBACK_TO_NEW_THREAD = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
REPLY_OR_FAIL = "REPLY_MESSAGE_OR_FAIL"

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000


@dataclass
class _Message:
    id: str
    caller: Caller
    content: dict[str, Any]
    thread_name: str
    thread_key: str | None
    thread_reply: bool
    create_time: str
    client_id: str | None = None
    update_time: str | None = None


@dataclass
class _Space:
    name: str
    display_name: str
    messages: dict[str, _Message] = field(default_factory=dict)
    threads: dict[str, str | None] = field(default_factory=dict)
    thread_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: dict[str, tuple[Caller, str]] = field(default_factory=dict)


class ChatStore:
    """The spaces of the local Chat, safe to use from several threads.

    Args:
        quota: the per-space write quota every create and patch counts against.
        clock: seconds since the epoch, for createTime and lastUpdateTime.
    """

    def __init__(
        self, quota: WriteQuota | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.quota = quota or WriteQuota()
        self._clock = clock
        self._spaces: dict[str, _Space] = {}
        self._lock = threading.RLock()
        self._version = 0

    @property
    def version(self) -> int:
        """A counter that grows with every change to spaces or messages."""
        with self._lock:
            return self._version

    def create_space(self, display_name: str, space_id: str | None = None) -> str:
        """Adds a space (the app is a member) and returns its name `spaces/ID`."""
        # Limitation: every app is a member of every space; a 403 for an app that
        # was not added would need memberships kept per space.
        space_id = space_id or "AAAA" + _random_id(7)
        with self._lock:
            self._spaces.setdefault(
                space_id, _Space(f"spaces/{space_id}", display_name)
            )
            self._version += 1
        return f"spaces/{space_id}"

    def spaces(self) -> list[dict[str, Any]]:
        """The Space resources, in creation order."""
        with self._lock:
            return [
                {"name": s.name, "displayName": s.display_name, "spaceType": "SPACE"}
                for s in self._spaces.values()
            ]

    def create_message(
        self,
        caller: Caller,
        space_id: str,
        body: Mapping[str, Any],
        *,
        message_id: str | None = None,
        request_id: str | None = None,
        reply_option: str = UNSPECIFIED,
        thread_key: str | None = None,
        quota: bool = True,
    ) -> dict[str, Any]:
        """`spaces.messages.create`: posts a message and returns its resource.

        Args:
            caller: the app or webhook writing.
            space_id: the space's ID (without `spaces/`).
            body: the Message as sent.
            message_id: the `messageId` query parameter, a client-assigned ID.
            request_id: the `requestId` query parameter; a repeat returns the
                message the first request created, unchanged.
            reply_option: the `messageReplyOption` query parameter.
            thread_key: the deprecated `threadKey` query parameter.
            quota: count the write against the space's quota; answers to
                interaction events and people's own messages are not API calls.

        Raises:
            ChatApiError: NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT,
                RESOURCE_EXHAUSTED.
        """
        with self._lock:
            space = self._space(space_id)
            if quota:
                self._admit_write(space_id)
            if request_id is not None and request_id in space.requests:
                return self._replay(space, caller, request_id)

            if message_id is not None:
                check_client_id(message_id)
                if message_id in space.messages:
                    raise ChatApiError(
                        "ALREADY_EXISTS",
                        f"Message {space.name}/messages/{message_id} already exists.",
                    )
            validated(not_empty(body))
            message = self._new_message(
                space, caller, body, message_id, reply_option, thread_key
            )
            if request_id is not None:
                space.requests[request_id] = (caller, message.id)
            return self._resource(space, message)

    def update_message(
        self,
        caller: Caller,
        space_id: str,
        message_id: str,
        body: Mapping[str, Any],
        *,
        update_mask: str | None,
        allow_missing: bool = False,
        quota: bool = True,
    ) -> dict[str, Any]:
        """`spaces.messages.patch`: edits the fields named in `update_mask`.

        With `allow_missing`, a message that does not exist is created (the mask
        is ignored), which only a client-assigned ID allows. The created message
        starts a new thread, as a create without `messageReplyOption` does: the
        patch method has no reply option, so `thread` in the body is ignored.

        Raises:
            ChatApiError: NOT_FOUND, INVALID_ARGUMENT, PERMISSION_DENIED,
                RESOURCE_EXHAUSTED.
        """
        with self._lock:
            space = self._space(space_id)
            if quota:
                self._admit_write(space_id)
            message = space.messages.get(message_id)
            if message is None:
                if not allow_missing:
                    raise _not_found(f"{space.name}/messages/{message_id}")
                if not message_id.startswith("client-"):
                    raise ChatApiError(
                        "INVALID_ARGUMENT",
                        "allowMissing needs a client-assigned message ID (client-...).",
                    )
                check_client_id(message_id)
                validated(not_empty(body))
                created = self._new_message(
                    space, caller, body, message_id, UNSPECIFIED, None
                )
                return self._resource(space, created)

            if message.caller != caller:
                raise ChatApiError(
                    "PERMISSION_DENIED", "An app can only update messages it created."
                )
            fields = mask_fields(update_mask)
            validated(body)
            message.content = validated(merged(message.content, body, fields))
            message.update_time = self._now()
            self._version += 1
            return self._resource(space, message)

    def get_message(self, space_id: str, message_id: str) -> dict[str, Any]:
        """`spaces.messages.get`: the message resource.

        Raises:
            ChatApiError: NOT_FOUND.
        """
        with self._lock:
            space = self._space(space_id)
            message = space.messages.get(message_id)
            if message is None:
                raise _not_found(f"{space.name}/messages/{message_id}")
            return self._resource(space, message)

    def list_messages(
        self, space_id: str, page_size: int | None = None, page_token: str | None = None
    ) -> dict[str, Any]:
        """`spaces.messages.list`: messages by createTime, paged.

        Raises:
            ChatApiError: NOT_FOUND, INVALID_ARGUMENT.
        """
        if page_size is not None and page_size < 0:
            raise ChatApiError("INVALID_ARGUMENT", "pageSize must not be negative.")
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        start = _page_offset(page_token)
        with self._lock:
            space = self._space(space_id)
            messages = list(space.messages.values())
            page = [self._resource(space, m) for m in messages[start : start + size]]
        result: dict[str, Any] = {"messages": page} if page else {}
        if start + size < len(messages):
            result["nextPageToken"] = _page_token(start + size)
        return result

    def threads(self, space_id: str) -> list[dict[str, Any]]:
        """The space's threads in order, each with its messages' resources."""
        with self._lock:
            space = self._space(space_id)
            return [
                {
                    "name": name,
                    **({"threadKey": key} if key else {}),
                    "messages": [
                        self._resource(space, m)
                        for m in space.messages.values()
                        if m.thread_name == name
                    ],
                }
                for name, key in space.threads.items()
            ]

    def _space(self, space_id: str) -> _Space:
        space = self._spaces.get(space_id)
        if space is None:
            raise _not_found(f"spaces/{space_id}")
        return space

    def _admit_write(self, space_id: str) -> None:
        wait = self.quota.admit(space_id)
        if wait is not None:
            raise ChatApiError(
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
                retry_after=wait,
            )

    def _replay(self, space: _Space, caller: Caller, request_id: str) -> dict[str, Any]:
        first_caller, message_id = space.requests[request_id]
        if first_caller != caller:
            raise ChatApiError(
                "INVALID_ARGUMENT", "requestId was already used by another caller."
            )
        return self._resource(space, space.messages[message_id])

    def _new_message(
        self,
        space: _Space,
        caller: Caller,
        body: Mapping[str, Any],
        message_id: str | None,
        reply_option: str,
        key_parameter: str | None,
    ) -> _Message:
        thread = body.get("thread") or {}
        key = thread.get("threadKey") or key_parameter
        if key_parameter is not None and reply_option == UNSPECIFIED:
            # The deprecated query parameter always replied or started the thread.
            reply_option = FALLBACK_TO_NEW_THREAD
        thread_name, reply = self._thread_for(
            space, caller, thread.get("name"), key, reply_option
        )

        kept = CONTENT_FIELDS | (
            COMMAND_FIELDS if caller.kind == "human" else frozenset()
        )
        message = _Message(
            id=message_id or f"{_random_id(11)}.{_random_id(11)}",
            caller=caller,
            content={k: copy.deepcopy(v) for k, v in body.items() if k in kept},
            thread_name=thread_name,
            thread_key=space.threads[thread_name],
            thread_reply=reply,
            create_time=self._now(),
            client_id=message_id,
        )
        space.messages[message.id] = message
        self._version += 1
        return message

    def _thread_for(
        self,
        space: _Space,
        caller: Caller,
        name: str | None,
        key: str | None,
        option: str,
    ) -> tuple[str, bool]:
        """The thread a new message goes to, and whether it is a reply there."""
        if option != UNSPECIFIED:
            if name is not None and name in space.threads:
                return name, True
            if name is not None and option == REPLY_OR_FAIL:
                raise _not_found(name)
            if key is not None and (caller.id, key) in space.thread_keys:
                return space.thread_keys[caller.id, key], True
        else:
            key = None

        thread_name = f"{space.name}/threads/{_random_id(11)}"
        space.threads[thread_name] = key
        if key is not None:
            space.thread_keys[caller.id, key] = thread_name
        return thread_name, False

    def _resource(self, space: _Space, message: _Message) -> dict[str, Any]:
        thread: dict[str, str] = {"name": message.thread_name}
        if message.thread_key is not None:
            thread["threadKey"] = message.thread_key
        resource: dict[str, Any] = {
            "name": f"{space.name}/messages/{message.id}",
            "sender": message.caller.sender(),
            "createTime": message.create_time,
            **copy.deepcopy(message.content),
            "thread": thread,
            "space": {"name": space.name},
        }
        if message.update_time is not None:
            resource["lastUpdateTime"] = message.update_time
        if message.thread_reply:
            resource["threadReply"] = True
        if message.client_id is not None:
            resource["clientAssignedMessageId"] = message.client_id
        return resource

    def _now(self) -> str:
        moment = datetime.datetime.fromtimestamp(self._clock(), datetime.UTC)
        return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _not_found(name: str) -> ChatApiError:
    return ChatApiError("NOT_FOUND", f"{name} was not found.")


def _random_id(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode("ascii")


def _page_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
        return int(text.removeprefix("offset:"))
    except ValueError as error:
        raise ChatApiError("INVALID_ARGUMENT", "Invalid pageToken.") from error
