"""DRF serializers. Output never carries a full ID or phone number: only the masked forms stored beside
the ciphertext, and the birth year instead of the birth date (the date is the ID number's middle 8
digits; the full date is shown only by ``reveal``, logged). Related-object inputs are looked up in the
requesting user's scope, so an id from another grid reads as "does not exist"."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Urgency
from grids.models import Area
from grids.scope import scoped

from .models import (
    Building,
    Dwelling,
    GroupTag,
    Household,
    ImportJob,
    Person,
    PersonTag,
    PiiAccessLog,
    Place,
    Visit,
    VisitTask,
)


class ScopedPKField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among the rows the requesting user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        return scoped(request.user, self.queryset.all()) if request else self.queryset.none()


class AreaCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Area.objects.all(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scoped(request.user, Area.objects.all()) if request else Area.objects.none()


class BuildingSerializer(serializers.ModelSerializer):
    area = AreaCodeField()

    class Meta:
        model = Building
        fields = ["id", "area", "code", "name", "address", "kind", "floors", "property_company", "lat", "lon"]


class DwellingSerializer(serializers.ModelSerializer):
    building = ScopedPKField(queryset=Building.objects.all())
    area = serializers.CharField(source="area.code", read_only=True)

    class Meta:
        model = Dwelling
        fields = ["id", "building", "area", "unit", "room", "use", "floor_area"]


class HouseholdSerializer(serializers.ModelSerializer):
    area = AreaCodeField(required=False)
    dwelling = ScopedPKField(queryset=Dwelling.objects.all(), required=False, allow_null=True)
    member_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Household
        fields = ["id", "area", "dwelling", "number", "address", "is_active", "left_on", "member_count"]
        read_only_fields = ["is_active", "left_on"]


class TagBriefSerializer(serializers.Serializer):
    code = serializers.CharField(source="tag.code")
    label = serializers.CharField(source="tag.label")
    category = serializers.CharField(source="tag.category")
    since = serializers.DateField(source="started_on")


class PersonSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    household = ScopedPKField(queryset=Household.objects.all(), required=False, allow_null=True)
    household_number = serializers.CharField(
        source="household.number", read_only=True, default=None, allow_null=True
    )
    address = serializers.CharField(source="household.address", read_only=True, default=None, allow_null=True)
    grid = AreaCodeField(
        write_only=True, required=False, help_text="grid code, for a person without household"
    )
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=32)
    id_number_masked = serializers.CharField(source="id_mask", read_only=True)
    phone_masked = serializers.CharField(source="phone_mask", read_only=True)
    birth_date = serializers.DateField(
        write_only=True, required=False, allow_null=True, help_text="read back as birth_year; reveal shows it"
    )
    birth_year = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "area",
            "household",
            "household_number",
            "address",
            "grid",
            "name",
            "id_type",
            "id_number",
            "id_number_masked",
            "gender",
            "birth_date",
            "birth_year",
            "ethnicity",
            "residence_type",
            "relation",
            "phone",
            "phone_masked",
            "status",
            "moved_out_on",
            "deceased_on",
            "tags",
        ]
        read_only_fields = ["status", "moved_out_on", "deceased_on"]

    def get_birth_year(self, person) -> int | None:
        return person.birth_date.year if person.birth_date else None

    def get_tags(self, person) -> list[dict]:
        # ``visible_tags`` is prefetched with the user's visibility rule; never fall back to all tags.
        return TagBriefSerializer(getattr(person, "visible_tags", []), many=True).data


class RevealSerializer(serializers.Serializer):
    fields = serializers.MultipleChoiceField(choices=["id_number", "phone", "birth_date"], required=False)
    reason = serializers.CharField(max_length=300, min_length=4)


class MoveSerializer(serializers.Serializer):
    household = ScopedPKField(queryset=Household.objects.filter(is_active=True))
    relation = serializers.ChoiceField(choices=Person.Relation.choices, required=False)
    on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LeaveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Person.Status.MOVED_OUT, Person.Status.DECEASED])
    on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TagAssignSerializer(serializers.Serializer):
    tag = serializers.SlugRelatedField(slug_field="code", queryset=GroupTag.objects.filter(is_active=True))
    since = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # the schema generator builds serializers without a request
            self.fields["tag"].queryset = scoped(request.user, GroupTag.objects.filter(is_active=True))


class GroupTagSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = GroupTag
        fields = ["id", "code", "label", "category", "sensitivity", "visit_interval_days", "is_active"]
        read_only_fields = fields


class PersonTagSerializer(serializers.ModelSerializer):
    tag = serializers.CharField(source="tag.code", read_only=True)
    label = serializers.CharField(source="tag.label", read_only=True)

    class Meta:
        model = PersonTag
        fields = ["id", "person", "tag", "label", "started_on", "ended_on", "note"]
        read_only_fields = fields


class PlaceSerializer(serializers.ModelSerializer):
    area = AreaCodeField()
    contact_phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=32)
    contact_phone_masked = serializers.CharField(source="contact_phone_mask", read_only=True)

    class Meta:
        model = Place
        fields = [
            "id",
            "area",
            "name",
            "kind",
            "address",
            "credit_code",
            "contact_name",
            "contact_phone",
            "contact_phone_masked",
            "lat",
            "lon",
            "is_active",
        ]


class RaiseCaseSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=40)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)


class VisitSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    household = ScopedPKField(queryset=Household.objects.all(), required=False, allow_null=True)
    person = ScopedPKField(queryset=Person.objects.all(), required=False, allow_null=True)
    place = ScopedPKField(queryset=Place.objects.all(), required=False, allow_null=True)
    visitor_name = serializers.CharField(
        source="visitor.__str__", read_only=True, default=None, allow_null=True
    )
    raise_case = RaiseCaseSerializer(write_only=True, required=False, allow_null=True)
    visited_at = serializers.DateTimeField(required=False)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)

    class Meta:
        model = Visit
        fields = [
            "id",
            "area",
            "household",
            "person",
            "place",
            "visitor",
            "visitor_name",
            "visited_at",
            "method",
            "notes",
            "findings",
            "lat",
            "lon",
            "case_id",
            "raise_case",
        ]
        read_only_fields = ["visitor", "case_id"]

    def validate(self, attrs):
        if not (attrs.get("household") or attrs.get("person") or attrs.get("place")):
            raise serializers.ValidationError(
                {"household": [_("A visit is to a household, a person or a place.")]}
            )
        return attrs


class VisitTaskSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    address = serializers.CharField(
        source="person.household.address", read_only=True, default=None, allow_null=True
    )
    area = serializers.CharField(source="area.code", read_only=True)
    tag = serializers.CharField(source="tag.code", read_only=True)
    tag_label = serializers.CharField(source="tag.label", read_only=True)

    class Meta:
        model = VisitTask
        fields = [
            "id",
            "person",
            "person_name",
            "address",
            "area",
            "tag",
            "tag_label",
            "due_on",
            "last_visited_at",
            "status",
        ]
        read_only_fields = fields


class PiiAccessLogSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = PiiAccessLog
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "action",
            "person",
            "person_name",
            "area_code",
            "fields",
            "subject_count",
            "reason",
            "remote_addr",
        ]
        read_only_fields = fields


class ImportJobSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "area",
            "file_name",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "created_count",
            "updated_count",
            "unchanged_count",
            "errors",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    area = AreaCodeField()
    file = serializers.FileField()


class ExportSerializer(serializers.Serializer):
    area = AreaCodeField()
    format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")
    unmasked = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["unmasked"] and len(attrs["reason"].strip()) < 4:
            raise serializers.ValidationError({"reason": [_("State why you need the full numbers.")]})
        return attrs


class CoverageQuerySerializer(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], required=False)
    level = serializers.ChoiceField(choices=["street", "community", "grid", "microgrid"], default="grid")
    within = serializers.CharField(required=False, allow_blank=True, default="", max_length=24)
