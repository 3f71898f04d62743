"""What a card's buttons do: act on the finding in GuardDuty, then redraw its card.

Every click is checked in the same order: the button names a finding the bot may
act on, the person may take the action, then GuardDuty is called within the
interaction's deadline. The answer is the card re-rendered from GuardDuty's current
state, with its history and the new entry appended; a click from a digest (or "Open
card") answers with the finding's card as a new message instead. Anything refused or
failed is told to the person alone, and the card stays as it was.

The history is the union of two copies: the one on the clicked message as Chat sends
it in the event (the card as it is now), and the one the button or dialog carried
(the card as it was drawn, or when the dialog opened). Either alone can miss an entry
someone else made since, and the answer replaces the whole card.
"""

import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot import dialogs
from bot.audit import AuditEntry, record
from bot.deadline import Deadline
from bot.errors import Refusal
from bot.escalation import Escalation, Escalator
from bot.events import ChatEvent, DialogEvent, EventKind
from bot.guardduty import FindingRef, GuardDuty
from bot.permissions import Permissions
from bot.responses import (
    Answer,
    CardUpdate,
    CloseDialog,
    NewMessage,
    Notice,
    OpenDialog,
)
from bot.suppression import Suppression, suppression_for
from notifier.budget import Budget
from notifier.cards import finding_message
from notifier.finding import Finding
from notifier.handling import (
    Action,
    Handling,
    decode_history,
    encode_history,
    history_from_message,
    merge,
)
from notifier.settings import CardSettings
from notifier.text import clean

logger = logging.getLogger(__name__)

ACTIONS = frozenset(action.value for action in Action)
REASON_LIMIT = 500
_DIALOG_TOKEN = re.compile(r"[0-9a-f]{16}")
# What a refused person may not do, in words.
_DOING = {
    Action.ACKNOWLEDGE: "acknowledge findings",
    Action.ARCHIVE: "archive findings",
    Action.UNARCHIVE: "unarchive findings",
    Action.FALSE_POSITIVE: "mark findings as false positives",
    Action.ESCALATE: "escalate findings",
    Action.SUPPRESS: "suppress findings",
    Action.REFRESH: "refresh finding cards",
    Action.SHOW: "open finding cards",
}
_ARCHIVING = (Action.ARCHIVE, Action.UNARCHIVE, Action.FALSE_POSITIVE)


@dataclass(frozen=True)
class Click:
    """A click on one of the product's finding buttons, its parameters read.

    Attributes:
        history: the card's record, as it is now (see the module's docstring).
        carried: the record the button or dialog carried.
    """

    event: ChatEvent
    action: Action
    ref: FindingRef
    history: tuple[Handling, ...]
    carried: tuple[Handling, ...]
    from_digest: bool
    confirmed: bool

    @property
    def actor(self) -> str:
        return self.event.user.display_name

    @property
    def signature(self) -> str:
        """The person as GuardDuty's feedback comment names them."""
        user = self.event.user
        return (
            f"{user.display_name} ({user.email})" if user.email else user.display_name
        )


@dataclass(frozen=True)
class Outcome:
    """What a click came to: the answer, and what the audit line adds."""

    answer: Answer
    result: str = "ok"
    detail: str | None = None


class Actions:
    """Answers clicks on finding buttons.

    Args:
        regions: the Regions the bot may act in; a click on a finding elsewhere,
            or on any finding when there are none, is refused.
    """

    def __init__(
        self,
        *,
        guardduty: GuardDuty,
        permissions: Permissions,
        escalator: Escalator,
        cards: CardSettings,
        regions: Sequence[str],
        deadline: Deadline,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._guardduty = guardduty
        self._permissions = permissions
        self._escalator = escalator
        self._cards = cards
        self._regions = tuple(regions)
        self._deadline = deadline
        self._now = now

    @staticmethod
    def handles(event: ChatEvent) -> bool:
        """Whether ``event`` is a click on one of the finding buttons."""
        return (
            event.kind is EventKind.CARD_CLICKED
            and event.parameters.get("action") in ACTIONS
        )

    def answer(self, event: ChatEvent) -> Answer:
        """Acts on the click and says how it went; never raises.

        Every click, refused or not, writes one audit line.
        """
        action = Action(event.parameters["action"])
        ref: FindingRef | None = None
        try:
            if _cancelled(event):
                outcome = Outcome(CloseDialog(), "cancelled")
            else:
                ref = FindingRef.parse(event.parameters.get("finding"), self._regions)
                self._authorise(event, action)
                click = _click(event, action, ref)
                budget = Budget.of(self._deadline.seconds)
                outcome = self._deadline.run(lambda: self._act(click, budget))
        except Refusal as refusal:
            outcome = Outcome(
                Notice(refusal.user_message, refusal.status), refusal.outcome
            )
        except Exception:
            logger.exception("the %s click failed", action.value)
            text = "The bot failed to do this. The finding is unchanged."
            outcome = Outcome(Notice(text, "INTERNAL"), "error")
        _audit(event, action, ref, outcome)
        return outcome.answer

    def _authorise(self, event: ChatEvent, action: Action) -> None:
        user = event.user
        if user.is_human and self._permissions.allows(action, user.email):
            return
        raise Refusal(
            f"You may not {_DOING[action]}. The bot's administrators can allow it "
            f"in bot.permissions ({action.value}).",
            status="PERMISSION_DENIED",
            outcome="refused",
        )

    def _act(self, click: Click, budget: Budget) -> Outcome:
        guardduty, ref = self._guardduty, click.ref
        action = click.action
        if action is Action.ACKNOWLEDGE:
            comment = f"Acknowledged in Google Chat by {click.signature}"
            guardduty.feedback(ref, useful=True, comment=comment)
        elif action is Action.ARCHIVE:
            guardduty.archive(ref)
        elif action is Action.UNARCHIVE:
            guardduty.unarchive(ref)
        elif action is Action.FALSE_POSITIVE:
            comment = f"Marked false positive in Google Chat by {click.signature}"
            guardduty.feedback(ref, useful=False, comment=comment)
            guardduty.archive(ref)
        elif action is Action.ESCALATE:
            return self._escalate(click, budget)
        elif action is Action.SUPPRESS:
            return self._suppress(click)
        entry = None if action in (Action.REFRESH, Action.SHOW) else self._entry(click)
        return Outcome(self._card(click, guardduty.finding(ref), entry))

    def _escalate(self, click: Click, budget: Budget) -> Outcome:
        if not click.confirmed:
            # A token of this dialog's own: its submissions repeat one escalation,
            # another dialog is another escalation (see Escalation.occasion).
            token = secrets.token_hex(8)
            card = dialogs.escalation_dialog(
                self._cards.action_function,
                {**_dialog_parameters(click), dialogs.DIALOG: token},
                channels=self._escalator.channels,
            )
            return Outcome(OpenDialog(card), "dialog")
        reason = clean(click.event.form_text(dialogs.REASON_INPUT) or "")
        reason = reason[:REASON_LIMIT]
        if not reason:  # the same dialog again, with what it still needs
            card = dialogs.escalation_dialog(
                self._cards.action_function,
                _same_dialog(click),
                channels=self._escalator.channels,
                problem="Say why you escalate: the on-call team reads it first.",
            )
            return Outcome(OpenDialog(card), "no-reason")
        comment = f"Escalated in Google Chat by {click.signature}: {reason}"
        self._guardduty.feedback(click.ref, useful=True, comment=comment)
        finding = self._guardduty.finding(click.ref)
        entry = self._entry(click, note=reason)
        escalation = Escalation(
            finding,
            click.actor,
            click.event.user.email,
            reason,
            _appended(click.history, entry),
            occasion=_occasion(click),
        )
        # Limitation: that Chat closes a dialog whose submission is answered with
        # the updated card (UPDATE_MESSAGE, updateMessageAction) is checked
        # against Google's schema and documentation, not against live Chat.
        failed = self._escalator.send(escalation, budget)
        if failed:
            # The same dialog again, so a retry is the same escalation: what did
            # get through is not posted twice.
            card = dialogs.escalation_dialog(
                self._cards.action_function,
                _same_dialog(click),
                channels=self._escalator.channels,
                reason=reason,
                problem="The escalation is recorded in GuardDuty, but it could not "
                f"reach {' or '.join(failed)}. Escalate again to retry.",
            )
            return Outcome(OpenDialog(card), "escalation-incomplete")
        return Outcome(self._card(click, finding, entry))

    def _suppress(self, click: Click) -> Outcome:
        finding = self._guardduty.finding(click.ref)
        suppression = _suppression(finding)
        if not click.confirmed:
            card = dialogs.suppression_dialog(
                self._cards.action_function,
                _dialog_parameters(click),
                finding,
                suppression,
            )
            return Outcome(OpenDialog(card), "dialog")
        self._guardduty.create_filter(
            click.ref,
            name=suppression.name,
            description=suppression.description,
            criteria=suppression.criteria,
        )
        entry = self._entry(click, note=suppression.name)
        return Outcome(self._card(click, finding, entry), detail=suppression.name)

    def _entry(self, click: Click, note: str | None = None) -> Handling:
        return Handling(click.action, click.actor, self._now(), note)

    def _card(self, click: Click, finding: Finding, entry: Handling | None) -> Answer:
        history = _appended(click.history, entry) if entry else click.history
        message = finding_message(finding, self._cards, history=history)
        if click.from_digest or click.action is Action.SHOW:
            # Limitation: a card posted in answer to a digest is a message of its
            # own, not the finding's upserted card, so the notifier's later edits
            # of the finding do not reach it; posting it through the Chat API
            # under the finding's message id would.
            return NewMessage(message)
        return CardUpdate(message)


def _click(event: ChatEvent, action: Action, ref: FindingRef) -> Click:
    carried = decode_history(event.parameters.get("history"))
    # Limitation: Google does not document whether a dialog submission's event
    # carries the message as it is then or as it was when the dialog opened; in
    # the latter case, an entry made while the dialog was open is lost. Reading
    # the message through the Chat API (spaces.messages.get) before answering
    # would close that gap, for one more call per submission.
    shown = history_from_message(event.message, ref.arn) if event.message else ()
    return Click(
        event=event,
        action=action,
        ref=ref,
        history=merge(shown, carried),
        carried=carried,
        from_digest=event.parameters.get("origin") == "digest",
        confirmed=event.parameters.get(dialogs.STEP) == dialogs.CONFIRM,
    )


def _occasion(click: Click) -> str:
    """The dialog's token, card and the history it opened with: the same for
    every submission of one dialog, different for another dialog."""
    parts = (_dialog_token(click), click.event.message_name or "")
    return "\n".join((*parts, encode_history(click.carried)))


def _dialog_token(click: Click) -> str:
    token = click.event.parameters.get(dialogs.DIALOG, "")
    return token if _DIALOG_TOKEN.fullmatch(token) else ""


def _same_dialog(click: Click) -> dict[str, str]:
    """The parameters of the dialog ``click`` was submitted from."""
    chosen = _dialog_parameters(click, click.carried)
    if token := _dialog_token(click):
        chosen[dialogs.DIALOG] = token
    return chosen


def _cancelled(event: ChatEvent) -> bool:
    return (
        event.dialog is DialogEvent.CANCEL_DIALOG
        or event.parameters.get(dialogs.STEP) == dialogs.CANCEL
    )


def _dialog_parameters(
    click: Click, history: tuple[Handling, ...] | None = None
) -> dict[str, str]:
    """A dialog's parameters, read and written again, never copied: the action,
    the finding's ARN, the history (by default the card's as it is now), and
    where the button was clicked."""
    chosen = {"action": click.action.value, "finding": click.ref.arn}
    history = click.history if history is None else history
    if history:
        chosen["history"] = encode_history(history)
    if click.from_digest:
        chosen["origin"] = "digest"
    return chosen


def _suppression(finding: Finding) -> Suppression:
    suppression = suppression_for(finding)
    if suppression is None:
        raise Refusal(
            "Nothing in this finding names a single resource, so a rule for "
            "similar findings would silence its whole type. Archive it instead.",
            status="FAILED_PRECONDITION",
            outcome="no-resource",
        )
    return suppression


def _appended(history: tuple[Handling, ...], entry: Handling) -> tuple[Handling, ...]:
    """``history`` with ``entry``, unless it repeats what the card already says
    (a double click, or a second person archiving an archived finding)."""
    if _repeats(history, entry):
        return history
    return (*history, entry)


def _repeats(history: tuple[Handling, ...], entry: Handling) -> bool:
    if entry.action is Action.ACKNOWLEDGE:
        return any(old.action is Action.ACKNOWLEDGE for old in history)
    if entry.action in _ARCHIVING:
        states = [old.action for old in history if old.action in _ARCHIVING]
        return bool(states) and states[-1] is entry.action
    # Compare as the card keeps entries: trimmed the way button parameters trim.
    kept = decode_history(encode_history([entry]))
    return bool(kept) and any(replace(old, at=kept[0].at) == kept[0] for old in history)


def _audit(
    event: ChatEvent, action: Action, ref: FindingRef | None, outcome: Outcome
) -> None:
    record(
        AuditEntry(
            user=event.user.name,
            email=event.user.email,
            action=action.value,
            finding_id=ref.finding_id if ref else None,
            account=ref.account if ref else None,
            region=ref.region if ref else None,
            outcome=outcome.result,
            envelope=event.envelope,
            detail=outcome.detail,
        )
    )
