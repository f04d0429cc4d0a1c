"""Telling someone: a JSON POST to a webhook and/or an e-mail, once per run worth telling.

Sending never fails a run: an unreachable webhook or SMTP server is logged and noted in the
report (`notified`), and the crawl's exit code stands. Only the standard library is used
(urllib, smtplib, email): a webhook is one POST and an e-mail one message.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
from email.message import EmailMessage
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from scheduler.config import Notify
from scheduler.report import Report

log = logging.getLogger("sijeong.schedule")


def reasons(report: Report, notify: Notify) -> list[str]:
    """Why the run is worth telling, limited to what `notify.on` asks for."""
    found = []
    if report.exit_code and not report.skipped:
        found.append("failure")
    if report.changes:
        found.append("changes")
    if report.stale:
        found.append("stale")
    if report.warnings:
        found.append("warning")
    return [reason for reason in found if reason in notify.on]


def send(report: Report, notify: Notify) -> list[str]:
    """Send the report where configured, if there is a reason; what was done, for the report."""
    report.reasons = reasons(report, notify)
    if not (report.reasons and notify.enabled):
        return []
    done = []
    if notify.webhook:
        done.append(_webhook(report, notify, notify.webhook))
    if notify.email_to:
        done.append(_email(report, notify))
    report.notified = done
    return done


def _webhook(report: Report, notify: Notify, url: str) -> str:
    body = json.dumps(report.to_json(), ensure_ascii=False).encode("utf-8")
    request = Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "sijeong"},
    )
    try:
        with urlopen(request, timeout=notify.timeout) as response:
            response.read()
            return f"webhook {response.status}"
    except HTTPError as exc:
        return _failed("webhook", f"HTTP {exc.code}")
    except (URLError, OSError) as exc:
        return _failed("webhook", str(getattr(exc, "reason", exc)))


def _email(report: Report, notify: Notify) -> str:
    message = EmailMessage()
    message["Subject"] = report.line()[:200]
    message["From"] = notify.email_from or f"sijeong@{socket.gethostname()}"
    message["To"] = ", ".join(notify.email_to)
    body = [report.line(), "", f"reasons: {', '.join(report.reasons)}"]
    body += [f"{key}: {value}" for key, value in report.to_json().items() if key != "text"]
    message.set_content("\n".join(body))
    try:
        with smtplib.SMTP(notify.smtp_host, notify.smtp_port, timeout=notify.timeout) as smtp:
            if notify.smtp_starttls:
                smtp.starttls()
            if notify.smtp_user:
                smtp.login(notify.smtp_user, os.environ.get(notify.smtp_password_env, ""))
            smtp.send_message(message)
        return f"email to {len(notify.email_to)}"
    except (smtplib.SMTPException, OSError) as exc:
        return _failed("email", str(exc))


def _failed(channel: str, why: str) -> str:
    log.warning("could not send the %s notification: %s", channel, why)
    return f"{channel} failed: {why}"
