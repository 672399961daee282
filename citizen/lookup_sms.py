"""The full BHXH code by SMS, for someone who forgot it (the look-up page only shows it masked).

The code goes to the phone the register holds, never to the screen: whoever typed the question
learns nothing they could not already see. At most one such SMS a day per person, however many
addresses ask, so the register's phones cannot be used to pester their owners.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from messaging.services import queue_sms
from registry.models import Person
from vssid import ratelimit
from vssid.masking import mask_phone

SMS_PER_PERSON = ratelimit.Rate("lookup_ssn_sms_person", 1, dt.timedelta(days=1))


def send_ssn_by_sms(person: Person) -> str:
    """Queue the SMS (once a day per person) and return the masked phone it goes to.

    A second request within the day queues nothing and answers the same: the first SMS is on its
    way or arrived, and saying otherwise would tell a stranger whether the owner asked today.
    """
    with transaction.atomic():
        try:
            ratelimit.take(SMS_PER_PERSON, person.pk)
        except ratelimit.RateLimited:
            return mask_phone(person.phone)
        body = (
            f"VssID: Ma so BHXH cua ban la {person.ssn}. Ma so nay ghi tren the BHYT va so BHXH. "
            "Khong chia se mat khau, ma OTP cho ai."
        )
        queue_sms(to=person.phone, kind="notice", body=body)
    return mask_phone(person.phone)
