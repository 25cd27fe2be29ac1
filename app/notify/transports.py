"""Where mail goes: an SMTP server, or by default a Maildir any mail client can open."""

from __future__ import annotations

import contextlib
import email
import mailbox
import os
import smtplib
import ssl
from collections.abc import Iterable
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Protocol


class Transport(Protocol):
    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


class MaildirTransport:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(str(self.directory), create=True)
        for sub in ("tmp", "new", "cur"):  # a folder made by hand may lack them
            (self.directory / sub).mkdir(exist_ok=True)

    def send(self, message: Message) -> None:
        self.box.add(message)

    def close(self) -> None:
        self.box.close()


class SmtpTransport:
    """One connection reused for a batch; reconnects when the server dropped it."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 20.0,
    ):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout = starttls, timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    def send(self, message: Message) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self._smtp = self._connect()
            self._smtp.send_message(message)
        except smtplib.SMTPException:
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _message_text(message: Message) -> str:
    """Everything a reader of the mail sees, decoded: headers (RFC 2047) and text parts
    (base64 or quoted-printable), calendar lines unfolded."""
    pieces = []
    for name, value in message.items():
        with contextlib.suppress(Exception):  # a malformed header is still searched raw
            value = str(make_header(decode_header(value)))
        pieces.append(f"{name}: {value}")
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            body = payload.decode(charset, errors="replace")
        except LookupError:
            body = payload.decode("utf-8", errors="replace")
        pieces.append(body.replace("\r\n ", "").replace("\n ", ""))
    return "\n".join(pieces).casefold()


def _local_part(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").rpartition("@")[0]


def purge_maildir(
    directory: str | Path, message_keys: Iterable[str], needles: Iterable[str]
) -> int:
    """Erasure: delete every mail in the Maildir whose Message-ID is one of `message_keys`
    (outbox keys) or whose decoded text mentions one of `needles` (any case). Returns how
    many files went. Deleting the file is the erasure: a mail is a copy of an outbox row."""
    keys = set(message_keys)
    wanted = [n.casefold() for n in needles if n and n.strip()]
    removed = 0
    for sub in ("new", "cur", "tmp"):
        folder = Path(directory) / sub
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if not path.is_file():
                continue
            try:
                raw = path.read_bytes()
            except FileNotFoundError:  # delivered or removed meanwhile
                continue
            message = email.message_from_bytes(raw)
            hit = _local_part(message.get("Message-ID")) in keys
            if not hit and wanted:
                seen = _message_text(message) + "\n" + raw.decode("utf-8", "replace").casefold()
                hit = any(needle in seen for needle in wanted)
            if hit:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                    removed += 1
    return removed


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


# Errors about the connection or our account, not about this mail: retried like an outage.
_ABOUT_THE_CONNECTION = (
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


def describe_failure(error: BaseException) -> tuple[bool, str]:
    """(permanent, what to tell a person) for a failed send.

    smtplib raises the same exception types for 4xx and 5xx answers: the code tells a
    temporary failure (4xx: retried with backoff) from a refusal of this mail (5xx: retrying
    cannot help). The server's code and words are kept, so the outbox can say why."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        answers = [(code, _text(words)) for code, words in error.recipients.values()]
        permanent = all(500 <= code < 600 for code, _ in answers)
        said = "; ".join(
            f"{address}: {code} {words}"
            for address, (code, words) in zip(error.recipients, answers, strict=True)
        )
        return permanent, _summary(permanent, f"recipient refused ({said})")
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(
        error, _ABOUT_THE_CONNECTION
    ):
        permanent = 500 <= error.smtp_code < 600
        what = "sender refused" if isinstance(error, smtplib.SMTPSenderRefused) else "refused"
        said = f"{error.smtp_code} {_text(error.smtp_error)}"
        return permanent, _summary(permanent, f"{what} ({said})")
    return False, f"{type(error).__name__}: {error}"[:500]


def _summary(permanent: bool, said: str) -> str:
    if permanent:
        return f"The mail server refused this mail for good, not retried: {said}"[:500]
    return f"The mail server refused for now, retrying: {said}"[:500]


def transport_from_config(config) -> Transport:
    if config.get("SMTP_HOST"):
        return SmtpTransport(
            config["SMTP_HOST"],
            int(config["SMTP_PORT"]),
            config.get("SMTP_USER", ""),
            config.get("SMTP_PASSWORD", ""),
            bool(config.get("SMTP_STARTTLS", True)),
        )
    return MaildirTransport(config["MAILDIR"])
