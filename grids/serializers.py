from rest_framework import serializers

from .models import Area, Membership, User


class AreaSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None, allow_null=True)
    bbox = serializers.SerializerMethodField()
    centroid = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "name",
            "level",
            "parent",
            "parent_code",
            "kind",
            "purpose",
            "is_active",
            "retired_at",
            "households",
            "residents",
            "bbox",
            "centroid",
        ]
        read_only_fields = fields

    def get_bbox(self, area) -> list[float] | None:
        if area.min_lon is None:
            return None
        return [area.min_lon, area.min_lat, area.max_lon, area.max_lat]

    def get_centroid(self, area) -> list[float] | None:
        if area.centroid_lon is None:
            return None
        return [area.centroid_lon, area.centroid_lat]


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = AreaSerializer.Meta.fields + ["boundary"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    user_display_name = serializers.CharField(source="user.display_name", read_only=True)
    area_code = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    department_name = serializers.CharField(
        source="department.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "username",
            "user_display_name",
            "area",
            "area_code",
            "area_name",
            "role",
            "department",
            "department_name",
            "is_active",
        ]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    # Not an EmailField: an account without an address answers "", which ``format: email`` refuses.
    email = serializers.CharField(read_only=True, help_text="Empty when the account has no address.")
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "phone", "is_superuser", "memberships"]
        read_only_fields = fields

    def get_memberships(self, user) -> list[dict]:
        rows = user.memberships.filter(is_active=True).select_related("area", "department")
        return MembershipSerializer(rows, many=True).data


class LocateQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class LocateAnswerSerializer(serializers.Serializer):
    """``/areas/locate/``: the grid at the point, or (outside every grid) the nearest one as a suggestion."""

    inside = serializers.BooleanField()
    area = AreaSerializer(allow_null=True, help_text="The grid at the point; null outside, or out of scope.")
    nearest = AreaSerializer(
        allow_null=True, required=False, help_text="Only when outside: the nearest grid in scope, if any."
    )
