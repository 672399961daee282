"""The registration photos off the request path: quarantine on submission, re-encoding in the worker.

The request checks each upload from its header (enrollment.photos.check_photo: a non-image is
refused at once) and writes it to `registrations/incoming/`; the registration commits with
`photos_pending` set and enqueues `clean_registration_photos`. The worker decodes and
re-encodes each photo without its metadata, points the row at the clean files and deletes the
uploads. Nothing serves a file of `incoming/`: the back office shows a photo only once the row
no longer waits for the worker (enrollment.services.photo_for_staff).

Photos a person uploaded with a form that failed on another field wait in `registrations/held/`,
checked the same way, named in a signed token of the page (enrollment.services.hold_photo), so
the form comes back without asking for them again.

The task lives here rather than in enrollment.tasks, which imports enrollment.services: the
service enqueues it, and this module imports nothing of the service.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from django.utils._os import safe_makedirs  # type: ignore[attr-defined]  # what FileSystemStorage uses; not in the stubs
from django_tasks import task

from audit.services import record_change
from enrollment.models import Registration, private_storage
from enrollment.photos import PhotoError, clean_photo

log = logging.getLogger(__name__)

PHOTO_FIELDS = ("id_front", "id_back", "portrait")
PHOTO_DIR = "registrations"  # upload_to of the photo fields: the clean photos
INCOMING_DIR = f"{PHOTO_DIR}/incoming"  # checked uploads waiting for the worker
HELD_DIR = f"{PHOTO_DIR}/held"  # checked uploads of a form shown again with errors
# A registration still waiting this long lost its task (a worker stopped mid-task): the hourly
# sweep does the work itself.
STALE_PENDING = dt.timedelta(minutes=10)


def save_upload(content: bytes, directory: str = INCOMING_DIR) -> str:
    """A checked upload written under a random name that says nothing of its owner; the storage name."""
    storage = private_storage()
    name = f"{directory}/{uuid.uuid4().hex}.upload"
    if type(storage) is not FileSystemStorage:
        saved: str = storage.save(name, ContentFile(content))
        return saved
    # Written directly, as FileSystemStorage writes it (a new file, never an existing one, with
    # the storage's permissions): a submission writes three, and the storage's own checks of
    # the name, its available-name search and its lock cost more than writing the bytes. The
    # name is random (122 bits), so there is nothing to search for.
    path = os.path.join(storage.location, name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileNotFoundError:  # the first upload: the directories, made as the storage makes them
        mode = storage.directory_permissions_mode
        if mode is not None:
            safe_makedirs(os.path.dirname(path), mode, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    if storage.file_permissions_mode is not None:
        os.chmod(path, storage.file_permissions_mode)
    return name


def is_upload(name: str) -> bool:
    """A file as uploaded (checked, not yet re-encoded): never to be served."""
    return bool(name) and name.startswith((f"{INCOMING_DIR}/", f"{HELD_DIR}/"))


def is_clean(name: str) -> bool:
    """A photo the worker wrote: directly in PHOTO_DIR."""
    return bool(name) and name.startswith(f"{PHOTO_DIR}/") and "/" not in name[len(PHOTO_DIR) + 1 :]


def delete_files(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        if name:
            storage.delete(name)


def finish_photos(registration_id: int) -> int:
    """Re-encode the waiting photos of one registration; the number of photos made clean.

    The decoding is done with no transaction open; the row is then locked only to swap the file
    names. A registration replaced or deleted meanwhile keeps what it has, and the files made
    here for it are deleted again.
    """
    row = Registration.objects.filter(pk=registration_id, photos_pending=True).values(*PHOTO_FIELDS).first()
    if row is None:
        return 0
    storage = private_storage()
    made: dict[str, str] = {}
    unreadable: list[str] = []
    for field, name in row.items():
        if not is_upload(name):
            continue
        try:
            with storage.open(name, "rb") as fh:
                clean = clean_photo(fh.read())
        except (PhotoError, FileNotFoundError):
            # Its header was a photo's, its pixels are not (a cut or damaged file); or the file
            # went with a deleted registration, which the lock below will find gone.
            unreadable.append(field)
            made[field] = ""
            continue
        made[field] = storage.save(f"{PHOTO_DIR}/{uuid.uuid4().hex}.jpg", ContentFile(clean))
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(pk=registration_id, photos_pending=True).first()
        if registration is None or any(getattr(registration, f).name != row[f] for f in made):
            transaction.on_commit(lambda: delete_files(list(made.values())))
            return 0
        for field, name in made.items():
            getattr(registration, field).name = name
        registration.photos_pending = False
        registration.save(update_fields=[*made, "photos_pending"])
        if unreadable:
            record_change(
                "registration.photo.unreadable",
                acting_user=None,
                object_type="registration",
                object_id=registration.reference,
                person=registration.person_id,
                photos=",".join(unreadable),
            )
        uploads = [row[f] for f in made]
        transaction.on_commit(lambda: delete_files(uploads))
    if unreadable:
        log.warning("registration %s: %d photo(s) could not be decoded", registration_id, len(unreadable))
    return sum(1 for name in made.values() if name)


@task()
def clean_registration_photos(registration_id: int) -> int:
    """Decode and re-encode the photos of a new registration (enqueued when it commits)."""
    return finish_photos(registration_id)


def finish_stale(now: dt.datetime | None = None) -> int:
    """Registrations whose task was lost: their photos are done here; the number of registrations."""
    cutoff = (now or timezone.now()) - STALE_PENDING
    ids = list(Registration.objects.filter(photos_pending=True, created_at__lt=cutoff).values_list("pk", flat=True)[:500])
    for registration_id in ids:
        finish_photos(registration_id)
    return len(ids)
