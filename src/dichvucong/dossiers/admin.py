from django.contrib import admin

from dichvucong.dossiers.models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Days off and make-up working days declared by administrators (G2)."""

    list_display = ("day", "is_working_day", "reason")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"
