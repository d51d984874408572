"""Scouter's cron dialect as the Python client sees it.

For each expression: does CustomMetricAlertConfig keep it (valid) or silently replace it with EveryDay (invalid)?
For each CommonCrons member: its string and its next fire time (CommonCrons.get_next, chrono's UTC Display).

args: {"exprs": [str]}
  ->  {"kept": {expr: bool}, "common": {member: {"cron", "before", "next", "after"}}}
"""

import datetime as dt

from _common import iso, run
from scouter import CommonCrons, CustomMetricAlertConfig

EVERY_DAY = "0 0 0 * * *"
MEMBERS = [
    "Every1Minute",
    "Every5Minutes",
    "Every15Minutes",
    "Every30Minutes",
    "EveryHour",
    "Every6Hours",
    "Every12Hours",
    "EveryDay",
    "EveryWeek",
]


def main(args):
    kept = {}
    for expr in args["exprs"]:
        kept[expr] = CustomMetricAlertConfig(schedule=expr).schedule == expr
    common = {}
    for member in MEMBERS:
        cron = getattr(CommonCrons, member)
        before = dt.datetime.now(dt.timezone.utc)
        nxt = cron.get_next()
        after = dt.datetime.now(dt.timezone.utc)
        # chrono's Display: "2026-11-26 06:00:00 UTC"
        parsed = dt.datetime.strptime(nxt, "%Y-%m-%d %H:%M:%S %Z").replace(tzinfo=dt.timezone.utc)
        common[member] = {"cron": cron.cron, "before": iso(before), "next": iso(parsed), "after": iso(after)}
    return {"kept": kept, "every_day": EVERY_DAY, "common": common}


run(main)
