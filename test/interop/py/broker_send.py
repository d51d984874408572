"""Sends Metrics through ScouterQueue.from_path with the transport named in the arguments, then shutdown().

args: {"transport": {"kind": "http", "server_uri", "username", "password"}
                  | {"kind": "redis", "address", "channel"}
                  | {"kind": "rabbitmq", "address", "queue"}
                  | {"kind": "kafka", "brokers", "topic"},
       "path", "inserts": [{...}], "pause_s": float (optional, after the inserts, before shutdown)}
  ->  {"identifier": str, "transport": str}
"""

import time

from _common import http_config, run
from scouter import Metrics, ScouterQueue
from scouter.transport import KafkaConfig, RabbitMQConfig, RedisConfig


def transport_config(spec):
    kind = spec["kind"]
    if kind == "http":
        return http_config(spec)
    if kind == "redis":
        return RedisConfig(address=spec["address"], channel=spec["channel"])
    if kind == "rabbitmq":
        # Scouter reads RABBITMQ_ADDR from the environment (the caller sets it); queue is an argument.
        return RabbitMQConfig(queue=spec["queue"])
    if kind == "kafka":
        # Scouter's defaults otherwise: gzip batches, no key, message.timeout.ms 600000.
        return KafkaConfig(brokers=spec["brokers"], topic=spec["topic"])
    raise ValueError(f"unknown transport kind {kind!r}")


def main(args):
    config = transport_config(args["transport"])
    queue = ScouterQueue.from_path({"a": args["path"]}, config)
    for values in args["inserts"]:
        queue["a"].insert(Metrics(values))
    identifier = queue["a"].identifier
    time.sleep(args.get("pause_s", 0))
    queue.shutdown()
    return {"identifier": identifier, "transport": type(config).__name__}


run(main)
