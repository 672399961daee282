"""The card answer of /me/card is serialised by CardOut without validating (api.routers.card):
its body must still be exactly what CardOut validates, for every shape of card in the register."""

from __future__ import annotations

from django.db.models import Q
from django.test import Client

from accounts.models import User
from accounts.services import issue_tokens
from api.routers.card import CardOut
from registry.models import HealthCard, Person


def test_the_card_answer_is_what_its_schema_validates(db: None) -> None:
    shapes = [
        Q(valid_to__isnull=True),  # open-ended: "valid to" filled in by us
        Q(valid_to__isnull=False),
        Q(five_year_date__isnull=True),
        Q(five_year_date__isnull=False),
        ~Q(live_area=""),
        Q(person__birth_day__isnull=True),  # only the year of birth printed
    ]
    people = []
    for shape in shapes:
        card = HealthCard.objects.filter(shape, status=HealthCard.Status.ACTIVE, person__account__isnull=True).first()
        if card is not None:
            people.append(card.person)
    assert len(people) >= 4, "the demo register should hold cards of most shapes"
    for language in ("vi", "en"):
        for person in people:
            user = User.objects.filter(person=person).first() or User.objects.create_user(
                username=person.ssn, password=None, role=User.Role.CITIZEN, person=person
            )
            headers = {"Authorization": f"Bearer {issue_tokens(user).access_token}", "Accept-Language": language}
            response = Client().get("/api/v1/me/card", headers=headers)
            assert response.status_code == 200, response.content
            assert CardOut.model_validate_json(response.content).model_dump_json().encode() == response.content
            assert Person.objects.get(pk=person.pk).ssn in response.json()["card_number"]
