"""E-mail: one message per finding to a named list, over SMTP or Amazon SES.

The message is multipart/alternative: a plain-text part and an HTML part in which
every string taken from the finding is escaped. Bcc recipients go only into the SMTP
envelope (or SES's destination), never into a header. Non-ASCII headers are written
as RFC 2047 encoded words by the standard library's header registry.

SMTP always says how it protects the connection: ``starttls`` upgrades before any
login and refuses a server that does not offer it, ``tls`` speaks TLS from the first
byte, ``none`` is for a relay on loopback and never logs in. The configuration checks
these rules when it is read; this module checks them again before it connects.
"""

import email.policy
import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from notifier import text
from notifier.aws import AwsClients
from notifier.budget import Budget
from notifier.endpoints import is_loopback
from notifier.errors import ConfigError, DeliveryError
from notifier.finding import Finding
from notifier.secrets import SecretStore
from notifier.settings import CardSettings, EmailList, EmailSettings
from notifier.summary import Summary, plain_text, summarize

log = logging.getLogger(__name__)

SUBJECT_CHARACTERS = 200
SENDER_NAME = "GuardDuty alerts"
_SES_RETRYABLE = {"TooManyRequestsException", "Throttling", "LimitExceededException"}


def compose(summary: Summary, sender: str, recipients: EmailList) -> EmailMessage:
    """The message for ``summary``: To and Cc headers, never Bcc."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = safe_subject(summary.subject)
    message["From"] = Address(SENDER_NAME, addr_spec=sender)
    if recipients.to:
        message["To"] = ", ".join(recipients.to)
    if recipients.cc:
        message["Cc"] = ", ".join(recipients.cc)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain_text(summary), cte="quoted-printable")
    message.add_alternative(html_body(summary), subtype="html", cte="quoted-printable")
    return message


def envelope(recipients: EmailList) -> list[str]:
    """Every address the message goes to: To, Cc and Bcc, without repeats."""
    return list(dict.fromkeys([*recipients.to, *recipients.cc, *recipients.bcc]))


def safe_subject(subject: str) -> str:
    """One line of at most ``SUBJECT_CHARACTERS`` characters."""
    line = text.clean(subject, limit=SUBJECT_CHARACTERS * 4)
    if len(line) > SUBJECT_CHARACTERS:
        line = line[: SUBJECT_CHARACTERS - 1].rstrip() + text.ELLIPSIS
    return line


def html_body(summary: Summary) -> str:
    """The HTML part; every value escaped by :func:`notifier.text.markup`."""
    parts = [
        '<!DOCTYPE html><html><body style="font-family: sans-serif">',
        f"<h2>{text.markup(summary.subject, 1200)}</h2>",
    ]
    for title, facts in summary.sections():
        parts.append(f"<h3>{text.markup(title)}</h3><table>")
        parts.extend(
            f'<tr><th align="left">{text.markup(label)}</th>'
            f"<td>{text.markup(value, 2400)}</td></tr>"
            for label, value in facts
        )
        parts.append("</table>")
    if summary.description:
        description = text.markup(summary.description, 12000, multiline=True)
        parts.append(f"<h3>Description</h3><p>{description}</p>")
    if summary.console_url:
        link = text.markup(summary.console_url, 2000)
        parts.append(f'<p><a href="{link}">Open in the GuardDuty console</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts)


class SmtpTransport:
    """Sends over SMTP, keeping one connection open for a batch (see close)."""

    def __init__(
        self,
        settings: EmailSettings,
        secrets: SecretStore,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self._secrets = secrets
        # Limitation: without ssl_context, SMTP trusts the system's CA store (or
        # SSL_CERT_FILE); a private CA or a client certificate would need keys for
        # them in [email].
        self._context = ssl_context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None

    def send(
        self, message: bytes, sender: str, recipients: EmailList, budget: Budget
    ) -> None:
        """Sends ``message`` to every recipient, Bcc ones in the envelope only.

        Raises:
            ConfigError: the TLS settings are unsafe (checked before connecting).
            DeliveryError: the server refused or could not be reached.
        """
        timeout = budget.timeout(self.settings.timeout_seconds)
        if timeout <= 0:
            raise DeliveryError("smtp: no time left", retryable=True)
        try:
            connection = self._open(timeout)
            to = envelope(recipients)
            refused = connection.sendmail(sender, to, message)
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            raise DeliveryError(
                f"smtp: disconnected: {error}", retryable=True
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise _smtp_failure(error) from error
        if refused:
            log.warning("smtp: %d of %d recipients refused", len(refused), len(to))

    def close(self) -> None:
        """Ends the open connection, if any (at the end of each batch)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def _open(self, timeout: float) -> smtplib.SMTP:
        if self._connection is not None:
            if self._connection.sock is not None:
                self._connection.sock.settimeout(timeout)
            return self._connection
        check_tls(self.settings)
        host = self.settings.host or ""
        connection: smtplib.SMTP
        if self.settings.tls == "tls":
            connection = smtplib.SMTP_SSL(
                host, self.settings.port, timeout=timeout, context=self._context
            )
        else:
            connection = smtplib.SMTP(host, self.settings.port, timeout=timeout)
        try:
            self._secure(connection)
            self._login(connection)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _secure(self, connection: smtplib.SMTP) -> None:
        connection.ehlo()
        if self.settings.tls != "starttls":
            return
        if not connection.has_extn("starttls"):
            raise DeliveryError(
                "smtp: the server does not offer STARTTLS; not continuing in plain text"
            )
        connection.starttls(context=self._context)
        connection.ehlo()

    def _login(self, connection: smtplib.SMTP) -> None:
        username, password = self.settings.username, self.settings.password
        if not username or password is None:
            return
        # check_tls refused "none" with a login; only encrypted sockets get here.
        if not isinstance(connection.sock, ssl.SSLSocket):
            raise ConfigError("smtp: refusing to log in over an unencrypted connection")
        try:
            connection.login(username, self._secrets.get(password))
        except smtplib.SMTPAuthenticationError:
            self._secrets.forget(password)  # a rotated password is read again
            raise


class SesTransport:
    """Sends the same MIME message through Amazon SES v2 (``SendEmail``, raw)."""

    def __init__(self, clients: AwsClients) -> None:
        # Limitation: SES is called in aws.region; a sending identity verified in
        # another Region would need a region key in [email].
        self._clients = clients

    def send(
        self, message: bytes, sender: str, recipients: EmailList, budget: Budget
    ) -> None:
        """Sends ``message``; Bcc addresses only in the destination.

        Raises:
            DeliveryError: SES refused it or could not be reached.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        if budget.expired():
            raise DeliveryError("ses: no time left", retryable=True)
        destination = {
            "ToAddresses": list(recipients.to),
            "CcAddresses": list(recipients.cc),
            "BccAddresses": list(recipients.bcc),
        }
        try:
            self._clients.client("sesv2").send_email(
                FromEmailAddress=sender,
                Destination={key: value for key, value in destination.items() if value},
                Content={"Raw": {"Data": message}},
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "error"))
            retryable = code in _SES_RETRYABLE or code.endswith("Unavailable")
            raise DeliveryError(f"ses: {code}", retryable=retryable) from error
        except BotoCoreError as error:
            raise DeliveryError(
                f"ses: {type(error).__name__}", retryable=True
            ) from error

    def close(self) -> None:
        """Nothing to close: boto3 pools its own connections."""


class Mailer:
    """Sends findings by e-mail to the lists the configuration names."""

    def __init__(
        self,
        settings: EmailSettings,
        cards: CardSettings,
        transport: SmtpTransport | SesTransport,
    ) -> None:
        self.settings = settings
        self._cards = cards
        self._transport = transport

    def send_finding(self, list_name: str, finding: Finding, budget: Budget) -> None:
        """E-mails ``finding`` to the list ``list_name``.

        Raises:
            ConfigError: no such list, or unsafe TLS settings.
            DeliveryError: the message was not accepted.
        """
        recipients = self.settings.lists.get(list_name)
        if recipients is None:
            raise ConfigError(f"email: no list named {list_name!r}")
        message = compose(
            summarize(finding, self._cards), self.settings.sender, recipients
        )
        self._transport.send(
            message.as_bytes(), self.settings.sender, recipients, budget
        )

    def close(self) -> None:
        """Ends the SMTP connection kept open for the batch, if any."""
        self._transport.close()


def mailer_for(
    settings: EmailSettings,
    cards: CardSettings,
    secrets: SecretStore,
    clients: AwsClients,
    ssl_context: ssl.SSLContext | None = None,
) -> Mailer:
    """The :class:`Mailer` for the configured transport."""
    transport: SmtpTransport | SesTransport
    if settings.transport == "ses":
        transport = SesTransport(clients)
    else:
        transport = SmtpTransport(settings, secrets, ssl_context)
    return Mailer(settings, cards, transport)


def check_tls(settings: EmailSettings) -> None:
    """Refuses SMTP settings that could send a password or mail in plain text.

    Raises:
        ConfigError: naming the setting to change.
    """
    if settings.tls == "starttls" and settings.port == 465:
        raise ConfigError(
            'email: port 465 expects TLS from the first byte; set tls = "tls", '
            "or use port 587 with starttls"
        )
    if settings.tls == "none":
        if not is_loopback(settings.host or ""):
            raise ConfigError('email: tls = "none" is only allowed for a loopback host')
        if settings.username or settings.password:
            raise ConfigError('email: tls = "none" never logs in; use starttls or tls')


def _smtp_failure(error: Exception) -> DeliveryError:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return DeliveryError(
            f"smtp: every recipient refused ({sorted(set(codes))})",
            retryable=any(400 <= code < 500 for code in codes),
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return DeliveryError(
            f"smtp: {error.smtp_code} answered", retryable=error.smtp_code < 500
        )
    if isinstance(error, smtplib.SMTPException):  # e.g. AUTH not offered
        return DeliveryError(f"smtp: {error.__class__.__name__}")
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return DeliveryError(f"smtp: TLS failed: {error.__class__.__name__}")
    if isinstance(error, OSError):
        return DeliveryError(
            f"smtp: connection failed: {error.__class__.__name__}", retryable=True
        )
    return DeliveryError(f"smtp: {error.__class__.__name__}", retryable=True)
