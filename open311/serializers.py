"""Bodies of the citizens' public API (/api/v1/public/, ``open311.citizen_api``): what a citizen sends and
what comes back. Only the shape is checked here; every rule (a mainland number, the code, the limits, the
callback window) is the services' (``intake.phones``, ``open311.services``, ``open311.alerts``,
``cases.services``), the same ones the pages call."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from cases.models import RATINGS
from intake import phones

from .models import AlertSubscription

PHONE_HELP = "A mainland mobile number, 11 digits (1[3-9]…); +86, spaces and dashes are dropped."
PHONE_TOKEN_HELP = (
    "The phone_token from POST /api/v1/public/phone/verify/: it vouches for the verified number for "
    f"{phones.TOKEN_MINUTES} minutes."
)


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text=PHONE_HELP)


class PhoneCheckSerializer(PhoneSerializer):
    code = serializers.CharField(max_length=16, help_text="The 6 digits of the SMS.")


class CodeSentSerializer(serializers.Serializer):
    sent = serializers.BooleanField()
    expires_in = serializers.IntegerField(help_text="Seconds the code is valid.")


class PhoneVerifiedSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    phone = serializers.CharField(help_text="The number, masked (138****1234).")
    phone_token = serializers.CharField(help_text="Send it with updates and SMS subscriptions.")
    expires_in = serializers.IntegerField(help_text="Seconds the phone_token is valid.")


class CitizenUpdateInSerializer(serializers.Serializer):
    phone_token = serializers.CharField(max_length=1000, help_text=PHONE_TOKEN_HELP)
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,  # the service collapses spaces, then counts the 500 characters
        help_text="What you see, at most 500 characters. The public timeline shows it (numbers masked).",
    )
    still_there = serializers.BooleanField(required=False, default=False, help_text='"Still there".')
    photo = serializers.FileField(
        required=False,
        help_text="A photo (multipart). Kept for the staff: nothing public shows it until staff approve it.",
    )


class CitizenUpdateSerializer(serializers.Serializer):
    """The update as the public timeline (and GET servicerequestupdates) shows it."""

    update_id = serializers.CharField()
    service_request_id = serializers.CharField(help_text="The report's public id.")
    status = serializers.ChoiceField(choices=["open", "closed"])
    updated_datetime = serializers.CharField(help_text="W3C date and time.")
    description = serializers.CharField(help_text="The words as shown publicly, any mobile number masked.")
    media_url = serializers.CharField(allow_null=True, help_text="Always null: a citizen's photo waits.")
    photo_waiting_for_review = serializers.BooleanField(
        help_text="A photo was received; staff decide whether the public may see it."
    )


class MilestoneSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class TrackingSerializer(serializers.Serializer):
    """Where the reporter's own report stands, as their tracking page shows it."""

    report = serializers.CharField(source="own.public_id", help_text="The report the link belongs to.")
    followed = serializers.CharField(
        source="shown.public_id", help_text="The report whose progress it follows (the original once merged)."
    )
    status = serializers.CharField(source="shown.status")
    status_words = serializers.CharField()
    may_rate = serializers.BooleanField(help_text='Closed and not rated: "fixed" is taken.')
    may_reopen = serializers.BooleanField(
        help_text='Closed within the callback window: "still a problem" is taken.'
    )
    rating = serializers.CharField(allow_blank=True)
    milestones = MilestoneSerializer(many=True)


class FixedOrStillSerializer(serializers.Serializer):
    """ "Fixed or still a problem?" after the closing."""

    answer = serializers.ChoiceField(choices=[("fixed", "fixed"), ("still_a_problem", "still_a_problem")])
    satisfaction = serializers.ChoiceField(
        choices=RATINGS, required=False, help_text="With fixed: how satisfied you are (required)."
    )
    comment = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="With fixed, optional."
    )
    words = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="With still_a_problem: what is still wrong (required).",
    )

    def validate(self, attrs):
        if attrs["answer"] == "fixed" and not attrs.get("satisfaction"):
            raise serializers.ValidationError({"satisfaction": [_("Choose one of the three answers.")]})
        return attrs


class SubscribeSerializer(serializers.Serializer):
    report = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", help_text="An open published report."
    )
    area = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        default="",
        help_text="Or a street, community or grid code: its new published reports, in a daily digest.",
    )
    phone_token = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text=PHONE_TOKEN_HELP
    )
    email = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="Or an e-mail address: the subscription counts once the link sent to it is opened.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000, help_text="The signed token of the link.")


class SubscriptionSerializer(serializers.Serializer):
    """A subscription as its owner sees it: never the contact itself."""

    channel = serializers.ChoiceField(choices=AlertSubscription.Channel.choices)
    report = serializers.CharField(allow_null=True)
    area = serializers.CharField(allow_null=True)
    active = serializers.BooleanField(help_text="Alerts are sent (verified, not ended).")
    awaiting_confirmation = serializers.BooleanField(help_text="An e-mail address not checked yet.")
    ended_at = serializers.DateTimeField(allow_null=True)
    unsubscribe_token = serializers.CharField(
        allow_null=True,
        help_text="For an SMS subscription (the phone proved it is yours); an e-mail subscription's comes "
        "in every message to it.",
    )
