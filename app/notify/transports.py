"""Where mail goes: an SMTP server, or by default a Maildir any mail client can open."""

from __future__ import annotations

import contextlib
import mailbox
import smtplib
import ssl
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
