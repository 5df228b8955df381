"""REST API for the diary, under /api/v1/diary/.

Learners list and write their own entries. An entry's text is returned only to its author and,
while shared, to the author's managers and admins; anyone else gets a 404. Managers and admins
get counts per learner (``/diary/counts/``), never text.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.accounts.roles import is_staff_role
from lms.api import Pagination, paginated_response
from lms.content.models import Skill
from lms.diary import selectors
from lms.diary.models import METHODS, DiaryEntry
from lms.diary.services import diary_entry_create, diary_entry_share
from lms.http import AuthenticatedRequest

NOT_VISIBLE = OpenApiResponse(description="No such entry, or not yours to read.")


class RatingOutput(serializers.Serializer):
    skill = serializers.CharField(source="skill.slug")
    rating = serializers.IntegerField()


class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    created = serializers.DateTimeField()
    module = serializers.IntegerField(source="module_id", allow_null=True)
    studied = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField())
    other_method = serializers.CharField()
    shared_with_managers = serializers.BooleanField()
    ratings = RatingOutput(many=True, source="ratings.all")

    class Meta:
        ref_name = "DiaryEntry"


class DiaryEntryListApi(APIView):
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        submission_id = serializers.UUIDField(help_text="Chosen by the client; posting it again returns the same entry.")
        studied = serializers.CharField(max_length=2000)
        methods = serializers.ListField(child=serializers.ChoiceField(choices=METHODS), required=False, default=list)
        other_method = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
        ratings = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5), required=False,
                                        default=dict, help_text="Skill slug → confidence from 1 to 5.")
        shared_with_managers = serializers.BooleanField(required=False, default=False)

        class Meta:
            ref_name = "DiaryEntryCreate"

        def validate_ratings(self, ratings: dict[str, int]) -> dict[Skill, int]:
            skills = {s.slug: s for s in Skill.objects.filter(slug__in=list(ratings))}
            unknown = sorted(set(ratings) - set(skills))
            if unknown:
                raise serializers.ValidationError(f"unknown skills: {', '.join(unknown)}")
            return {skills[slug]: value for slug, value in ratings.items()}

    @extend_schema(responses={200: EntryOutput(many=True)}, tags=["diary"],
                   description="Your own diary entries, newest first.")
    def get(self, request: AuthenticatedRequest) -> Response:
        return paginated_response(request=request, view=self, queryset=selectors.entries_for(request.user),
                                  serializer_class=EntryOutput)

    @extend_schema(request=InputSerializer, responses={201: EntryOutput, 200: EntryOutput}, tags=["diary"],
                   description="Write an entry. The same submission_id again returns the first entry with a 200.")
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        entry, created = diary_entry_create(
            user=request.user, submission_id=data["submission_id"], studied=data["studied"], methods=data["methods"],
            other_method=data["other_method"], ratings=data["ratings"], shared=data["shared_with_managers"],
        )
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DiaryEntryDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        shared_with_managers = serializers.BooleanField()

        class Meta:
            ref_name = "DiaryEntryShare"

    def _readable(self, request: AuthenticatedRequest, entry_id: int) -> DiaryEntry:
        entry = selectors.entry_readable_by(request.user, entry_id)
        if entry is None:
            raise Http404("No such diary entry.")
        return entry

    @extend_schema(responses={200: EntryOutput, 404: NOT_VISIBLE}, tags=["diary"],
                   description="One entry: yours, or one a learner of your teams shared with you.")
    def get(self, request: AuthenticatedRequest, entry_id: int) -> Response:
        return Response(EntryOutput(self._readable(request, entry_id)).data)

    @extend_schema(request=InputSerializer, responses={200: EntryOutput, 404: NOT_VISIBLE}, tags=["diary"],
                   description="Share your entry with your managers, or stop sharing it.")
    def patch(self, request: AuthenticatedRequest, entry_id: int) -> Response:
        entry = DiaryEntry.objects.filter(pk=entry_id, user=request.user).first()
        if entry is None:
            raise Http404("No such diary entry.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        diary_entry_share(entry=entry, shared=serializer.validated_data["shared_with_managers"])
        return Response(EntryOutput(self._readable(request, entry.pk)).data)


class DiaryCountsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        user = serializers.IntegerField(source="user_id")
        username = serializers.CharField()
        entries = serializers.IntegerField()
        shared = serializers.IntegerField()
        last_entry = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "DiaryCount"

    @extend_schema(responses={200: OutputSerializer(many=True), 403: OpenApiResponse(description="Not a manager.")},
                   tags=["diary"], description="Managers and admins: how many entries each learner keeps. No text.")
    def get(self, request: AuthenticatedRequest) -> Response:
        if not is_staff_role(request.user):
            raise PermissionDenied("Only managers and admins see diary counts.")
        return Response(self.OutputSerializer(selectors.diary_counts_for(request.user), many=True).data)
