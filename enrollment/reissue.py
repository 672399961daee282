"""A new registration OTP for one whose SMS may not have arrived (messaging.delivery).

Registered in EnrollmentConfig.ready: the outbox never sends an OTP twice; it asks this for a new
code, which ends the old one, while the registration still waits for it.
"""

from __future__ import annotations

from accounts.models import OneTimeCode
from accounts.reissue import reissue_code
from enrollment.models import Registration
from messaging.delivery import UncertainSecret
from messaging.models import Message


def reissue_registration_code(uncertain: UncertainSecret) -> Message | None:
    # secret_of is the code's subject, "registration:<reference>" (services._otp_subject).
    reference = uncertain.secret_of.removeprefix("registration:")
    # Locked like confirm_registration locks it: the person confirms with the old code before this,
    # or the old code is dead by the time they try.
    waiting = (
        Registration.objects.select_for_update()
        .filter(reference=reference, status=Registration.Status.AWAITING_CONFIRMATION)
        .first()
    )
    if waiting is None:
        return None  # confirmed with it, replaced by a newer form, or deleted
    return reissue_code(
        OneTimeCode.Purpose.REGISTRATION,
        uncertain,
        "VssID: Ma OTP gui truoc do khong con dung duoc. Ma OTP xac nhan dang ky giao dich dien tu moi la {code}. "
        "Hieu luc 5 phut. Khong cung cap ma nay cho bat ky ai.",
    )
