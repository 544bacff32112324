"""Where and when the photos were taken: one place, within the visit, and a capture clock that agrees with
the server's receipt."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from loanpipe.domain.case import ApplicationCase
from loanpipe.policy.model import CaptureRules
from loanpipe.validation.checks.fields import LABEL
from loanpipe.validation.checks.log import CheckLog


def check_capture(log: CheckLog, case: ApplicationCase, rules: CaptureRules) -> int:
    """Location spread, photo times and the capture clock; returns the spread in whole meters."""
    spread = _check_location(log, case, rules)
    _check_photo_times(log, case, rules)
    _check_clock(log, case, rules)
    return spread


def _check_location(log: CheckLog, case: ApplicationCase, rules: CaptureRules) -> int:
    capture = case.declared.capture
    points = [("application", capture.lat, capture.lon)]
    points += [(LABEL[d.doc_type], d.evidence.gps_lat, d.evidence.gps_lon) for d in case.documents
               if d.evidence is not None and d.evidence.gps_lat is not None and d.evidence.gps_lon is not None]
    spread, pair = 0.0, None
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            meters = _haversine_meters(points[i][1], points[i][2], points[j][1], points[j][2])
            if meters > spread:
                spread, pair = meters, (points[i][0], points[j][0])
    if len(points) < 2:
        log.not_applicable("capture_location", "no photo carries a GPS position")
    elif spread > rules.max_spread_meters:
        log.failed("capture_location", "capture_location_spread",
                   f"{pair[0]} and {pair[1]} captured {_distance_text(spread)} apart, "
                   f"policy {rules.max_spread_meters} m")
    else:
        log.passed("capture_location", f"{len(points)} positions within {round(spread)} m")
    return round(spread)


def _check_photo_times(log: CheckLog, case: ApplicationCase, rules: CaptureRules) -> None:
    window = timedelta(minutes=rules.visit_window_minutes)
    timed = [(d, _aware(d.evidence.taken_at, case.clock)) for d in case.documents
             if d.evidence is not None and d.evidence.taken_at is not None]
    outside = [(d, taken) for d, taken in timed if abs(taken - case.clock) > window]
    if not timed:
        log.not_applicable("capture_times", "no photo carries a capture time")
    elif outside:
        for document, taken in outside:
            hours = (taken - case.clock).total_seconds() / 3600
            log.failed("capture_times", "capture_time_outside_visit",
                       f"{LABEL[document.doc_type]} photographed {taken.isoformat(timespec='minutes')}, "
                       f"{abs(hours):.1f} h {'before' if hours < 0 else 'after'} the visit", document)
    else:
        log.passed("capture_times", f"{len(timed)} photo time(s) within the visit")


def _check_clock(log: CheckLog, case: ApplicationCase, rules: CaptureRules) -> None:
    if case.replay:
        log.not_applicable("capture_clock", "replay: the recorded capture time is the clock")
    elif case.received_at is None:
        log.failed("capture_clock", "capture_clock_skew", "live application without a server receipt time")
    else:
        skew = abs(case.received_at - case.clock)
        if skew > timedelta(minutes=rules.max_clock_skew_minutes):
            log.failed("capture_clock", "capture_clock_skew",
                       f"capture time {_duration_text(skew)} from the server's receipt, "
                       f"policy {rules.max_clock_skew_minutes} min")
        else:
            log.passed("capture_clock", f"capture time {_duration_text(skew)} from the server's receipt")


def _aware(moment: datetime, clock: datetime) -> datetime:
    """EXIF time without an offset is the camera's local time: read it in the capture's time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.tzinfo)


def _haversine_meters(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))


def _distance_text(meters: float) -> str:
    return f"{meters / 1000:.1f} km" if meters >= 1000 else f"{round(meters)} m"


def _duration_text(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{round(minutes)} min"
