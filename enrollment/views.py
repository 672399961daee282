"""Citizen pages of the registration: the form, the OTP, the confirmation, Form 01 and the status."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.form_mail import form01_pdf
from enrollment.forms import OtpForm, RegistrationForm, nearby_offices, office_choices, ward_choices
from enrollment.models import Registration
from enrollment.photo_work import PHOTO_FIELDS
from enrollment.photos import MAX_BYTES, PhotoError
from enrollment.services import (
    EnrollmentError,
    HeldPhoto,
    NameNeedsDiacritics,
    confirm_registration,
    form_again,
    form_token,
    held_photo,
    hold_photo,
    may_hold_photos,
    normalize_reference,
    public_status,
    registration_for_form_token,
    resend_otp,
    submit_registration,
)
from vssid.masking import mask_name, mask_phone

# References this browser session submitted (to show the masked phone) and confirmed (to show
# the confirmation page): knowing a reference alone reveals nothing more than the public status.
PENDING_KEY = "enrollment_pending"
CONFIRMED_KEY = "enrollment_confirmed"
REMEMBERED = 10


def _remember(request: HttpRequest, key: str, reference: str) -> None:
    references = [r for r in request.session.get(key, []) if r != reference]
    request.session[key] = [*references, reference][-REMEMBERED:]


def _apply_error(form: RegistrationForm, error: EnrollmentError) -> None:
    for name, problems in error.fields.items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)


def _hold_photos(request: HttpRequest, form: RegistrationForm) -> dict[str, HeldPhoto]:
    """The photos of a form shown again with errors, kept so the person does not pick them again.

    Each new upload without an error of its own is checked and held (hold_photo); one held
    before and not replaced stays held. A photo that fails its check gets its error instead.
    """
    kept: dict[str, HeldPhoto] = {}
    uploads: dict[str, UploadedFile] = {}
    for name in PHOTO_FIELDS:
        upload = request.FILES.get(name)
        if isinstance(upload, UploadedFile) and name not in form.errors:
            uploads[name] = upload
    if uploads and not may_hold_photos(request):
        uploads = {}
    for name in PHOTO_FIELDS:
        upload = uploads.get(name)
        if upload is not None:
            upload.seek(0)
            try:
                kept[name] = hold_photo(upload.read(MAX_BYTES + 1), upload.name or "")
            except PhotoError as exc:
                form.add_error(name, exc.message)
        elif name not in request.FILES:
            earlier = held_photo(str(form.data.get(f"{name}_held", "")))
            if earlier is not None:
                kept[name] = earlier
    return kept


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    error: EnrollmentError | None = None
    held: dict[str, HeldPhoto] = {}
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                registration = submit_registration(form.to_input(language=request.LANGUAGE_CODE), request=request)
            except EnrollmentError as exc:
                error = exc
                _apply_error(form, exc)
            else:
                _remember(request, PENDING_KEY, registration.reference)
                return redirect("enrollment:confirm", reference=registration.reference)
        held = _hold_photos(request, form)
    else:
        form = RegistrationForm()
    photos = [(form[name], held.get(name)) for name in PHOTO_FIELDS]
    suggestion = error.suggestion if isinstance(error, NameNeedsDiacritics) else ""
    context = {"form": form, "error": error, "photos": photos, "name_suggestion": suggestion}
    status = 200 if request.method == "GET" else (error.status if error else 400)
    return render(request, "enrollment/register.html", context, status=status)


@require_GET
def wards(request: HttpRequest) -> HttpResponse:
    """The <option>s of the ward select for one province (htmx swaps them in)."""
    province = request.GET.get("province_code", "")[:10]
    return render(request, "enrollment/_ward_options.html", {"province": province, "wards": ward_choices(province)})


@require_GET
def offices(request: HttpRequest) -> HttpResponse:
    """The <option>s of the office select for a province and ward (htmx swaps them in when either changes):
    the ward's own office first, and chosen unless the person had already chosen another one of the list."""
    province = request.GET.get("province_code", "")[:10]
    offices, own = nearby_offices(province, request.GET.get("ward_code", "")[:10])
    chosen = request.GET.get("office_code", "")[:10]
    if not offices:  # no province: the whole list, as the page first shows it
        return render(request, "enrollment/_office_options.html", {"groups": office_choices(), "selected": chosen})
    selected = chosen if chosen in {code for code, _label in offices} else own
    return render(request, "enrollment/_office_options.html", {"offices": offices, "selected": selected})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    registration = get_object_or_404(Registration.objects.only("reference", "status", "phone"), reference=reference)
    if registration.status != Registration.Status.AWAITING_CONFIRMATION:
        if reference in request.session.get(CONFIRMED_KEY, []):
            return redirect("enrollment:done", reference=reference)
        return redirect(reverse("enrollment:status") + f"?reference={reference}")
    form = OtpForm()
    error: EnrollmentError | None = None
    if request.method == "POST" and "resend" in request.POST:
        try:
            resend_otp(reference)
        except EnrollmentError as exc:
            error = exc
        else:
            messages.success(request, _("Đã gửi mã OTP mới. Mã cũ không còn dùng được."))
            return redirect("enrollment:confirm", reference=reference)
    elif request.method == "POST":
        form = OtpForm(request.POST)
        if form.is_valid():
            try:
                confirm_registration(reference, form.cleaned_data["otp"], request=request)
            except EnrollmentError as exc:
                error = exc
                for problem in exc.fields.get("otp", []):
                    form.add_error("otp", problem)
            else:
                _remember(request, CONFIRMED_KEY, reference)
                return redirect("enrollment:done", reference=reference)
    ours = reference in request.session.get(PENDING_KEY, [])
    context = {
        "reference": reference,
        "form": form,
        "error": error,
        "masked_phone": mask_phone(registration.phone) if ours else "",
    }
    status = 200 if request.method == "GET" else (error.status if error else 400)
    return render(request, "enrollment/confirm.html", context, status=status)


@never_cache
@require_GET
def done(request: HttpRequest, reference: str) -> HttpResponse:
    if reference not in request.session.get(CONFIRMED_KEY, []):
        return redirect(reverse("enrollment:status") + f"?reference={reference}")
    registration = get_object_or_404(Registration.objects.select_related("office"), reference=reference)
    context = {
        "registration": registration,
        "form_url": _form_link(registration) if _needs_form(registration) else "",
    }
    return render(request, "enrollment/done.html", context)


@require_GET
def form_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    registration = registration_for_form_token(reference, request.GET.get("token", ""))
    response = HttpResponse(form01_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="to-khai-mau-01-{registration.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _form_link(registration: Registration) -> str:
    return reverse("enrollment:form", kwargs={"reference": registration.reference}) + "?token=" + form_token(registration)


def _needs_form(registration: Registration | None) -> bool:
    return registration is not None and registration.status in (
        Registration.Status.SUBMITTED,
        Registration.Status.RECEIVED,
    )


@require_GET
def status(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("reference", "")
    reference = normalize_reference(typed) or typed.strip()[:20]
    registration: Registration | None = None
    error: EnrollmentError | None = None
    if reference:
        try:
            registration = public_status(reference)
        except EnrollmentError as exc:
            error = exc
    return _status_page(request, reference, registration, error)


def _status_page(
    request: HttpRequest,
    reference: str,
    registration: Registration | None,
    error: EnrollmentError | None,
    *,
    identity_error: EnrollmentError | None = None,
) -> HttpResponse:
    # This browser confirmed it: the link at once. Anyone else proves the file is theirs first.
    ours = registration is not None and registration.reference in request.session.get(CONFIRMED_KEY, [])
    context = {
        "reference": reference,
        "registration": registration,
        "masked_name": mask_name(registration.full_name) if registration else "",
        "error": error,
        "needs_form": _needs_form(registration),
        "form_url": _form_link(registration) if registration is not None and ours and _needs_form(registration) else "",
        "identity_error": identity_error,
    }
    status = identity_error.status if identity_error else (error.status if error else 200)
    return render(request, "enrollment/status.html", context, status=status)


@never_cache
@require_POST
def status_form(request: HttpRequest, reference: str) -> HttpResponse:
    """Form 01 again from the status page, for whoever types the file's BHXH code or CCCD number."""
    try:
        registration = form_again(reference, str(request.POST.get("identity", "")), request=request)
    except EnrollmentError as exc:
        if exc.code == "not_found":
            return _status_page(request, reference, None, exc)
        return _status_page(request, reference, public_status(reference), None, identity_error=exc)
    return redirect(_form_link(registration))
