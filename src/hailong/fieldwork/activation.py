"""Volunteer interviewers' first sign-in: a password-set link instead of a password made for them.

An imported volunteer's account has no usable password, so nobody can sign in with it. The volunteer
gets a personal link (by e-mail, sent by a background task, or by SMS from the CSV of links) and
chooses their own password there. The link is signed (Django's password-reset token with its own
salt, so a password-reset token is not an activation token and vice versa), valid for
``PASSWORD_RESET_TIMEOUT`` (3 days by default), and dies as soon as it is used: the token covers the
password hash, which changes. Nobody but the volunteer ever knows the password; a link that expired
is simply issued again.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "hailong.fieldwork.activation.ActivationTokenGenerator"


activation_tokens = ActivationTokenGenerator()


def needs_activation(user) -> bool:
    """An active account whose owner has not chosen a password yet."""
    return user.is_active and not user.has_usable_password()


def activation_url(user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return base_url.rstrip("/") + reverse(
        "fieldwork:activate", args=[uid, activation_tokens.make_token(user)]
    )


def activation_email_send(*, user, base_url: str) -> bool:
    """E-mail the volunteer their password-set link; False when there is nothing to send."""
    from django.core.mail import send_mail

    if not user.email or not needs_activation(user):
        return False
    with translation.override(user.preferred_language or "vi"):
        subject = _("Your interviewer account on Hài Lòng")
        body = _(
            "Hello %(name)s,\n\n"
            "An interviewer account has been made for you on Hài Lòng. Your user name is %(username)s.\n"
            "Choose your password at this link (valid for a few days, usable once):\n%(link)s\n\n"
            "If you did not expect this message, ignore it."
        ) % {"name": user.get_full_name(), "username": user.username, "link": activation_url(user, base_url)}
    send_mail(subject, body, None, [user.email])
    return True
