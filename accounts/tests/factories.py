"""factory-boy factories for logins of every role; the password is the demo one unless given."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from accounts.models import User
from registry.tests.factories import EmployerFactory, PersonFactory, reference_office

PASSWORD = "VssidDemo@2026"


@functools.cache
def _demo_hash() -> str:
    # Argon2 is slow on purpose; one hash serves every user a test session builds.
    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory[User]):
    """A citizen by default; `staff=True`, `lead=True` or `employer_hr=True` for the other roles."""

    class Meta:
        model = User

    class Params:
        staff = factory.Trait(role=User.Role.STAFF, person=None, office=factory.LazyFunction(reference_office))
        lead = factory.Trait(role=User.Role.LEAD, person=None, office=factory.LazyFunction(lambda: reference_office("001")))
        employer_hr = factory.Trait(role=User.Role.EMPLOYER, person=None, employer=factory.SubFactory(EmployerFactory))

    role = User.Role.CITIZEN
    person = factory.SubFactory(PersonFactory)
    # A citizen logs in with the BHXH code (design.md §5); others get a plain user name.
    username = factory.LazyAttributeSequence(lambda u, n: u.person.ssn if u.person is not None else f"nguoidung{n}")
    password = factory.LazyFunction(lambda: _demo_hash())
