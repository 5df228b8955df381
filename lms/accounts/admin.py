from django.contrib import admin

from lms.accounts.models import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "manager_list"]
    search_fields = ["name", "members__username", "managers__username"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members", "managers"]

    @admin.display(description="Members")
    def member_count(self, team: Team) -> int:
        return team.members.count()

    @admin.display(description="Managers")
    def manager_list(self, team: Team) -> str:
        return ", ".join(m.get_username() for m in team.managers.all())
