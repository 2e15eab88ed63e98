"""The citizens' public API (issue 24), under /api/v1/public/: what the public pages let a citizen do, for
apps and mini-programs, through the same services (no second path).

- ``POST phone/code/`` and ``phone/verify/``: a mobile number verified by SMS code (``intake.phones``); the
  answer carries a ``phone_token`` the other operations take in their body. Never a cookie: a body field
  cannot be sent by another site on the citizen's behalf, so these operations need no CSRF token.
- ``POST reports/{public_id}/updates/``: an update on an open published report (``open311.services``).
- ``GET track/{token}`` and ``POST track/{token}/answer/``: "fixed or still a problem?" through the
  reporter's own link (``cases.services``), within the callback window.
- ``POST alerts/``, ``alerts/confirm/``, ``alerts/unsubscribe/``: alerts for a report or an area
  (``open311.alerts``); unsubscribing takes the subscription's signed token.

No login: the verified phone, the reporter's link and the signed tokens are the permissions. Bad input is
a 400 with messages per field, a flood a 429 with the service's message, a finished step a 409.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.services import ActionNotAllowed, case_evaluate_by_token, case_reopen_by_token
from gridgov.api import ConflictSerializer, ErrorSerializer, conflict
from intake import abuse, phones
from intake.citizens import tracking_for

from . import alerts, selectors
from . import api_examples as ex
from .serializers import (
    CitizenUpdateInSerializer,
    CitizenUpdateSerializer,
    CodeSentSerializer,
    FixedOrStillSerializer,
    PhoneCheckSerializer,
    PhoneSerializer,
    PhoneVerifiedSerializer,
    SubscribeSerializer,
    SubscriptionSerializer,
    TokenSerializer,
    TrackingSerializer,
)
from .services import UpdateTooMany, citizen_update_add

TAGS = ["public"]
# The services name the verified phone "phone"; here it travels as a token.
API_FIELDS = {"phone": "phone_token"}


class PublicView(APIView):
    """No session, no token: a citizen has no account. DRF's per-address throttle still applies."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def refused(field: str, message: str, names=API_FIELDS):
    return serializers.ValidationError({names.get(field, field): [message]})


def flood(message: str):
    return exceptions.Throttled(detail=message)


def valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def answers(ok_status, ok, example, invalid, flood_example, *more) -> dict:
    """The answers of a public operation: its success, 400 by field, 429 with the limit's message."""
    return {
        ok_status: OpenApiResponse(ok, examples=[example]),
        400: OpenApiResponse(ErrorSerializer, "invalid input, per field", examples=[invalid]),
        429: OpenApiResponse(
            ErrorSerializer, "too many from this number or address", examples=[flood_example]
        ),
        **dict(more),
    }


NOT_FOUND = (404, OpenApiResponse(ErrorSerializer, "no such report or link", examples=[ex.NOT_FOUND]))


# --- Phone verification -------------------------------------------------------------------------------


class PhoneCodeView(PublicView):
    @extend_schema(
        tags=TAGS,
        request=PhoneSerializer,
        responses=answers(202, CodeSentSerializer, ex.CODE_SENT, ex.INVALID_PHONE, ex.FLOOD),
        examples=[ex.CODE_REQUEST],
        summary="Send an SMS code to a mobile number",
        description=f"A 6-digit code, valid {phones.CODE_MINUTES} minutes. 429 past one code a minute or "
        "five an hour for a number, or ten an hour from an address.",
    )
    def post(self, request):
        data = valid(PhoneSerializer, request)
        try:
            phones.code_request(phone=data["phone"], ip=abuse.client_ip(request))
        except phones.PhoneError as exc:
            raise refused(exc.field, exc.message, names={}) from exc
        except phones.TooMany as exc:
            raise flood(str(exc)) from exc
        return Response({"sent": True, "expires_in": phones.CODE_MINUTES * 60}, status=202)


class PhoneVerifyView(PublicView):
    throttle_scope = "login"  # it takes a secret

    @extend_schema(
        tags=TAGS,
        request=PhoneCheckSerializer,
        responses=answers(200, PhoneVerifiedSerializer, ex.VERIFIED, ex.WRONG_CODE, ex.TOO_MANY_TRIES),
        examples=[ex.CODE_CHECK],
        summary="Check the SMS code",
        description=f"The number's latest unused code; each check counts, and after {phones.MAX_ATTEMPTS} "
        "wrong ones it is spent. The right one answers a phone_token for the other operations.",
    )
    def post(self, request):
        data = valid(PhoneCheckSerializer, request)
        try:
            token = phones.code_verify(phone=data["phone"], code=data["code"], ip=abuse.client_ip(request))
        except phones.PhoneError as exc:
            raise refused(exc.field, exc.message, names={}) from exc
        except phones.TooMany as exc:
            raise flood(str(exc)) from exc
        number = phones.verified_phone(token)
        return Response(
            {
                "verified": True,
                "phone": f"{number[:3]}****{number[-4:]}",
                "phone_token": token,
                "expires_in": phones.TOKEN_MINUTES * 60,
            }
        )


# --- Updates on a published report ---------------------------------------------------------------------


class ReportUpdateView(PublicView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        request=CitizenUpdateInSerializer,
        responses=answers(
            201, CitizenUpdateSerializer, ex.UPDATED, ex.NOT_VERIFIED, ex.TOO_MANY_UPDATES, NOT_FOUND
        ),
        examples=[ex.UPDATE],
        summary="Add an update to an open published report",
        description="By a verified phone (phone_token). Counted per phone (5 a day) and per address "
        "(20 a day). A closed report takes none (400): report it again. A photo waits for the staff.",
    )
    def post(self, request, public_id):
        case = selectors.request_by_public_id(str(public_id)[:32])
        if case is None:
            raise exceptions.NotFound()
        data = valid(CitizenUpdateInSerializer, request)
        try:
            event = citizen_update_add(
                case_id=case["pk"],
                phone=phones.verified_phone(data["phone_token"]),
                ip=abuse.client_ip(request),
                text=data["text"],
                still_there=data["still_there"],
                photo=data.get("photo"),
            )
        except UpdateTooMany as exc:
            raise flood(exc.message) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {API_FIELDS.get(field, field): messages for field, messages in exc.message_dict.items()}
            ) from exc
        [row] = selectors.update_rows([event], request.build_absolute_uri)
        return Response({**row, "photo_waiting_for_review": "photo" in data}, status=201)


# --- "Fixed or still a problem?" -----------------------------------------------------------------------


def tracking_answer(token) -> Response:
    tracking = tracking_for(token)
    if tracking is None:
        raise exceptions.NotFound()
    return Response(TrackingSerializer(tracking).data)


class TrackView(PublicView):
    @extend_schema(
        tags=TAGS,
        responses={200: OpenApiResponse(TrackingSerializer, examples=[ex.TRACKING]), 404: NOT_FOUND[1]},
        summary="Where my report stands (the reporter's link)",
        description="token: the reporter's tracking link's last part (the link is the permission).",
    )
    def get(self, request, token):
        return tracking_answer(token)


class AnswerView(PublicView):
    @extend_schema(
        tags=TAGS,
        request=FixedOrStillSerializer,
        responses={
            200: OpenApiResponse(TrackingSerializer, examples=[ex.REOPENED]),
            400: OpenApiResponse(ErrorSerializer, "invalid input, per field", examples=[ex.TOO_LATE]),
            404: NOT_FOUND[1],
            409: OpenApiResponse(
                ConflictSerializer, "not closed, or answered already", examples=[ex.NOT_NOW]
            ),
        },
        examples=[ex.STILL_A_PROBLEM, ex.FIXED],
        summary="Fixed or still a problem?",
        description="fixed rates the closed report (satisfaction required); still_a_problem reopens it to "
        "the centre's queue with your words, within the callback window after the closing (else 400). "
        "409 when the report is not closed, or was rated already.",
    )
    def post(self, request, token):
        data = valid(FixedOrStillSerializer, request)
        try:
            if data["answer"] == "fixed":
                case_evaluate_by_token(
                    token=token, satisfaction=data["satisfaction"], comment=data["comment"]
                )
            else:
                case_reopen_by_token(token=token, words=data["words"])
        except DjangoPermissionDenied as exc:
            raise exceptions.NotFound() from exc
        except ActionNotAllowed as exc:
            return conflict(exc)
        return tracking_answer(token)


# --- Alerts ---------------------------------------------------------------------------------------------


def subscription_answer(subscription, *, with_token=False) -> Response:
    """Never the contact; the unsubscribe token only to who proved the contact (a verified phone)."""
    sms = subscription.channel == alerts.Channel.SMS
    body = {
        "channel": subscription.channel,
        "report": subscription.case.public_id if subscription.case_id else None,
        "area": subscription.area.code if subscription.area_id else None,
        "active": subscription.verified_at is not None and subscription.ended_at is None,
        "awaiting_confirmation": subscription.verified_at is None and subscription.ended_at is None,
        "ended_at": subscription.ended_at,
        "unsubscribe_token": alerts.unsubscribe_token(subscription) if with_token and sms else None,
    }
    return Response(SubscriptionSerializer(body).data)


class SubscribeView(PublicView):
    @extend_schema(
        tags=TAGS,
        request=SubscribeSerializer,
        responses=answers(
            200, SubscriptionSerializer, ex.SUBSCRIBED, ex.NO_CONTACT, ex.TOO_MANY_SUBSCRIPTIONS
        ),
        examples=[ex.SUBSCRIBE_REPORT, ex.SUBSCRIBE_AREA],
        summary="Follow a report or an area",
        description="A report (open, published) or an area (street, community or grid), by a verified "
        "phone (phone_token, counts at once) or an e-mail address (counts once the link sent to it is "
        "opened; e-mail wins when both are given). Subscribing again answers the same subscription. "
        "Five a day per contact, twenty per address (429).",
    )
    def post(self, request):
        data = valid(SubscribeSerializer, request)
        try:
            subscription = alerts.subscribe(
                ip=abuse.client_ip(request),
                verified_phone="" if data["email"] else phones.verified_phone(data["phone_token"]),
                email=data["email"],
                area_code="" if data["report"] else data["area"],
                public_id=data["report"],
            )
        except alerts.TooMany as exc:
            raise flood(exc.message) from exc
        except alerts.AlertError as exc:
            raise refused(exc.field, exc.message) from exc
        return subscription_answer(subscription, with_token=True)


class ConfirmView(PublicView):
    @extend_schema(
        tags=TAGS,
        request=TokenSerializer,
        responses=answers(200, SubscriptionSerializer, ex.CONFIRMED, ex.BAD_TOKEN, ex.THROTTLED),
        examples=[ex.TOKEN],
        summary="Confirm an e-mail subscription",
        description="The token of the link sent to the address (valid 7 days): the subscription counts "
        "from now. A forged or expired token is a 400.",
    )
    def post(self, request):
        subscription = alerts.confirm(valid(TokenSerializer, request)["token"])
        if subscription is None:
            raise refused("token", _("This link is not valid."))
        return subscription_answer(subscription)


class UnsubscribeView(PublicView):
    @extend_schema(
        tags=TAGS,
        request=TokenSerializer,
        responses=answers(200, SubscriptionSerializer, ex.UNSUBSCRIBED, ex.BAD_TOKEN, ex.THROTTLED),
        examples=[ex.TOKEN],
        summary="Stop a subscription",
        description="The signed token of one subscription (every message's link carries it; no expiry): "
        "it ends that subscription and no other. Again is harmless; a forged token is a 400.",
    )
    def post(self, request):
        subscription = alerts.unsubscribe(valid(TokenSerializer, request)["token"])
        if subscription is None:
            raise refused("token", _("This link is not valid."))
        return subscription_answer(subscription)
