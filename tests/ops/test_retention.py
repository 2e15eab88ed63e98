"""Retention as steps of the one sweep: patrol tracks, refused Open311 photo fetches and login access logs,
hourly, logged."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.utils import timezone

from cases.models import Category
from cases.services import case_report
from command.models import PatrolPosition
from dispatch.sweep import STEPS, sweep
from gridgov.celery import app
from grids.retention import check_access_log_period
from open311.models import MediaFetch

pytestmark = pytest.mark.django_db


def fetch(case, status, age_days, now):
    row = MediaFetch.objects.create(
        case=case, url="https://m.example.org/1.jpg", status=status, next_attempt_at=now
    )
    MediaFetch.objects.filter(pk=row.pk).update(updated_at=now - timedelta(days=age_days))
    return row


def test_it_registers_the_retention_steps_with_the_sweep_and_not_with_beat():
    assert {"retention_patrol_tracks", "retention_rejected_media"} <= set(STEPS)
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "command.tasks.purge_old_tracks" not in tasks


def test_it_purges_old_tracks_and_rejected_fetches_once_an_hour_and_logs_it(tree, settings, caplog):
    settings.GRIDGOV = {**settings.GRIDGOV, "TRACK_RETENTION_DAYS": 7, "OPEN311_REJECTED_MEDIA_DAYS": 30}
    now = timezone.now()
    worker = tree.users["worker"]
    PatrolPosition.objects.create(user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(days=8))
    kept_track = PatrolPosition.objects.create(
        user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(days=6)
    )
    area = tree.grids[0]
    case = case_report(
        actor=worker,
        category=Category.objects.filter(parent__isnull=False).first(),
        title="井盖缺失",
        lat=area.centroid_lat,
        lon=area.centroid_lon,
    ).case
    fetch(case, MediaFetch.Status.REFUSED, 31, now)
    fetch(case, MediaFetch.Status.FAILED, 40, now)
    young = fetch(case, MediaFetch.Status.REFUSED, 29, now)
    pending = fetch(case, MediaFetch.Status.PENDING, 100, now)

    with caplog.at_level(logging.INFO):
        result = sweep(now=now)
    assert result.steps["retention_patrol_tracks"] == 1
    assert result.steps["retention_rejected_media"] == 2
    assert list(PatrolPosition.objects.all()) == [kept_track]
    assert set(MediaFetch.objects.values_list("pk", flat=True)) == {young.pk, pending.pk}
    assert "retention: deleted 1 patrol positions" in caplog.text
    assert "retention: deleted 2 refused or failed Open311 photo fetches" in caplog.text

    # Within the hour the steps are skipped, though there is something to delete.
    PatrolPosition.objects.create(user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(days=9))
    later = sweep(now=now + timedelta(minutes=1))
    assert later.steps["retention_patrol_tracks"] == 0
    assert PatrolPosition.objects.count() == 2


def test_it_purges_login_access_logs_past_their_period_and_keeps_the_rest(tree, settings, caplog):
    settings.GRIDGOV = {**settings.GRIDGOV, "ACCESS_LOG_RETENTION_DAYS": 200}
    now = timezone.now()
    old = AccessLog.objects.create(username="worker", ip_address="10.0.0.1", user_agent="x")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=now - timedelta(days=201))
    kept = AccessLog.objects.create(username="worker", ip_address="10.0.0.1", user_agent="x")
    AccessLog.objects.filter(pk=kept.pk).update(attempt_time=now - timedelta(days=199))
    failed = AccessFailureLog.objects.create(username="worker", ip_address="10.0.0.2", user_agent="x")
    AccessFailureLog.objects.filter(pk=failed.pk).update(attempt_time=now - timedelta(days=300))

    with caplog.at_level(logging.INFO):
        result = sweep(now=now)
    assert result.steps["retention_access_logs"] == 2
    assert list(AccessLog.objects.all()) == [kept]
    assert not AccessFailureLog.objects.exists()
    assert "deleted 1 login and 1 failed-login access log rows older than 200 days" in caplog.text
    # Hourly: the next sweep within the hour leaves the step alone.
    assert sweep(now=now + timedelta(minutes=5)).steps["retention_access_logs"] == 0


def test_it_refuses_to_start_with_an_access_log_period_under_six_months(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "ACCESS_LOG_RETENTION_DAYS": 90}
    errors = check_access_log_period(None)
    assert [e.id for e in errors] == ["gridgov.E022"]
    settings.GRIDGOV = {**settings.GRIDGOV, "ACCESS_LOG_RETENTION_DAYS": 183}
    assert check_access_log_period(None) == []
