"""Shared helpers for the interop scripts: JSON in (argv[1]), JSON out (one marked line on stdout)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import sys
import traceback
from typing import Any, Callable

from scouter import (
    CommonCrons,
    CustomMetric,
    CustomMetricAlertConfig,
    CustomMetricDriftConfig,
    Drifter,
    HttpConfig,
)
from scouter.alert import AlertThreshold, OpsGenieDispatchConfig, SlackDispatchConfig

RESULT_MARKER = "@@SCOUTER_INTEROP_RESULT@@"

# scouter-ml 0.14 and later (the v0.25 wire): profiles carry a uid, CustomMetric(name, baseline_value, alert_threshold,
# delta), drift and alerts are asked for by uid. 0.12.0 is the v0.13.0 code.
SCOUTER_ML = importlib.metadata.version("scouter-ml")
V025 = tuple(int(p) for p in SCOUTER_ML.split(".")[:2]) >= (0, 14)


def run(fn: Callable[[dict[str, Any]], Any]) -> None:
    """Calls fn with the JSON argument and prints its JSON result after a marker (the Rust core may log to stdout)."""
    try:
        args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
        result = fn(args)
    except BaseException:  # PanicException derives from BaseException
        traceback.print_exc()
        sys.exit(1)
    sys.stdout.write("\n" + RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


def http_config(args: dict[str, Any]) -> HttpConfig:
    return HttpConfig(
        server_uri=args["server_uri"],
        username=args.get("username", "admin"),
        password=args.get("password", "admin"),
    )


def build_profile(spec: dict[str, Any]):
    """Builds a profile the way a Python user would: CustomMetric list + config, through Drifter."""
    metrics = [
        CustomMetric(
            m["name"],
            m["value"],
            getattr(AlertThreshold, m["threshold"]),
            m.get("threshold_value"),
        )
        for m in spec["metrics"]
    ]
    alert_kwargs: dict[str, Any] = {}
    schedule = spec.get("schedule")
    if isinstance(schedule, dict):
        alert_kwargs["schedule"] = getattr(CommonCrons, schedule["common"])
    elif schedule is not None:
        alert_kwargs["schedule"] = schedule
    dispatch = spec.get("dispatch")
    if dispatch is not None:
        if dispatch["kind"] == "Slack":
            alert_kwargs["dispatch_config"] = SlackDispatchConfig(channel=dispatch["channel"])
        elif dispatch["kind"] == "OpsGenie":
            if "priority" in dispatch:
                alert_kwargs["dispatch_config"] = OpsGenieDispatchConfig(
                    team=dispatch["team"], priority=dispatch["priority"]
                )
            else:
                alert_kwargs["dispatch_config"] = OpsGenieDispatchConfig(team=dispatch["team"])
        elif dispatch["kind"] != "Console":
            raise ValueError(f"unknown dispatch kind {dispatch['kind']}")
    config_kwargs = {k: spec[k] for k in ("space", "name", "version", "sample_size") if k in spec}
    config = CustomMetricDriftConfig(**config_kwargs, alert_config=CustomMetricAlertConfig(**alert_kwargs))
    data = metrics[0] if len(metrics) == 1 and spec.get("single_metric") else metrics
    return Drifter().create_drift_profile(data, config)


def describe_profile(profile) -> dict[str, Any]:
    """Everything Python can read back from a profile, as plain JSON."""
    return {
        "dump": json.loads(profile.model_dump_json()),
        "model_dump": profile.model_dump(),
        "scouter_version": profile.scouter_version,
        "custom_metrics": [
            {
                "name": m.name,
                "value": m.baseline_value if V025 else m.value,
                "alert_threshold": str(m.alert_threshold),
                "alert_threshold_value": m.delta if V025 else m.alert_threshold_value,
            }
            for m in profile.custom_metrics
        ],
        "dispatch_type": str(profile.config.alert_config.dispatch_type),
        "schedule": profile.config.alert_config.schedule,
    }


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def binned_drift(client, args: dict[str, Any], time_interval: str | None = None, max_data_points: int | None = None):
    """client.get_binned_drift in the venv's dialect: by name/space/version (v0.13) or by args["uid"] (v0.25)."""
    from scouter.client import DriftRequest, TimeInterval
    from scouter.types import DriftType

    interval = getattr(TimeInterval, time_interval or args.get("time_interval", "OneHour"))
    points = max_data_points or args.get("max_data_points", 1000)
    begin, end = parse_time(args.get("begin")), parse_time(args.get("end"))
    if V025:
        kwargs = {} if begin is None else {"start_datetime": begin, "end_datetime": end}
        request = DriftRequest(
            uid=args["uid"], space=args["space"], time_interval=interval, max_data_points=points, **kwargs
        )
        return client.get_binned_drift(request, DriftType.Custom)
    kwargs = {} if begin is None else {"begin_datetime": begin, "end_datetime": end}
    request = DriftRequest(
        name=args["name"],
        space=args["space"],
        version=args["version"],
        time_interval=interval,
        max_data_points=points,
        drift_type=DriftType.Custom,
        **kwargs,
    )
    return client.get_binned_drift(request)
